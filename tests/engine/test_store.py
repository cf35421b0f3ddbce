"""Sessions on disk: atomic, private saves; damaged files restored field by field and kept as .bad;
the saver that survives a missing folder and a full disk; file names that never come from a
client's raw instance id; pruning of abandoned files."""

from __future__ import annotations

import asyncio
import json
import os
import stat
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import store as store_module
from segue.engine.session import Clip, FromClip, Knobs, Session, Slot
from segue.engine.store import Saver, SessionStore
from segue.models.notes import Note


def full_session(instance: str = "live-set-1/track-3") -> Session:
    s = Session(instance=instance, model="tiny2")
    s.clips = {"a": Clip([Note(60, 0.0, 0.5, 100), Note(64, 1.5, 0.25, 90)], 8.0)}
    s.slots = {"A": Slot(source=FromClip("a"), bars=2, groove_clip="a")}
    s.knobs = Knobs(morph=0.25, seed=1234)
    s.version = 17
    return s


# --- saving and loading ------------------------------------------------------------------------------
def test_store_save_load(tmp_path):
    store = SessionStore(tmp_path / "state")
    s = full_session()
    store.save(s)
    assert not s.dirty
    files = list((tmp_path / "state").iterdir())
    assert files == [store.path(s.instance)]
    back, problems = store.load(s.instance)
    assert problems == [] and back is not None and back.to_json() == s.to_json()
    assert store.load("someone else") == (None, [])
    store.delete(s.instance)
    assert store.load(s.instance) == (None, []) and list((tmp_path / "state").iterdir()) == []
    store.delete(s.instance)  # twice is fine


def test_saved_files_are_private_and_synced_before_the_rename(tmp_path, monkeypatch):
    folder = tmp_path / "state"
    store = SessionStore(folder)
    synced: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(store_module.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    renamed = []
    real_replace = os.replace
    monkeypatch.setattr(store_module.os, "replace", lambda a, b: (renamed.append(len(synced)), real_replace(a, b)))
    store.save(full_session())
    assert synced and renamed == [len(synced)]  # fsync came before the rename
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(store.path("live-set-1/track-3").stat().st_mode) == 0o600


def test_store_overwrites_atomically(tmp_path, monkeypatch):
    store = SessionStore(tmp_path)
    s = full_session()
    store.save(s)
    before = store.path(s.instance).read_bytes()

    def crash(src, dst):
        raise OSError("disk gone")

    s.knobs.morph = 1.0
    with monkeypatch.context() as m:
        m.setattr(store_module.os, "replace", crash)
        with pytest.raises(OSError):
            store.save(s)
    # the saved file is untouched: a crash mid-save never leaves half a file under the real name
    assert store.path(s.instance).read_bytes() == before
    assert store.load(s.instance)[0].knobs.morph == 0.25
    store.save(s)
    assert store.load(s.instance)[0].knobs.morph == 1.0
    assert not list(tmp_path.glob("*.partial"))


def test_store_without_folder_does_nothing():
    store = SessionStore(None)
    s = full_session()
    store.save(s)
    assert store.load(s.instance) == (None, [])
    store.delete(s.instance)


# --- damaged files -------------------------------------------------------------------------------------
@pytest.mark.parametrize("content", [
    b"", b"{", b'{"instance": "x"', b"\xff\xfe\x00garbage", b"null", b"[]", b"5", b'"text"', b'{"no": "instance"}',
])
def test_an_unreadable_file_starts_afresh_and_is_kept(tmp_path, content):
    store = SessionStore(tmp_path)
    store.path("x").write_bytes(content)
    session, problems = store.load("x")
    assert session is None and problems and "unreadable" in problems[0]
    assert store.path("x").with_suffix(".json.bad").read_bytes() == content
    store.save(Session(instance="x"))  # the next save replaces it
    assert store.load("x")[0].instance == "x"


@pytest.mark.parametrize("change, lost, complaint", [
    ({"clips": []}, "clips", "clips"),
    ({"clips": {"a": {"notes": 5}}}, "clips", "clip 'a'"),
    ({"clips": {"a": {"length": 8.0, "notes": [[60, 0.0, 0.5]]}}}, "clips", "clip 'a'"),
    ({"clips": {"a": {"length": 8.0, "notes": [[200, 0.0, 0.5, 100]]}}}, "clips", "pitch"),
    ({"knobs": {"morph": "loud"}}, "morph", "knob morph"),
    ({"knobs": {"morph": float("nan")}}, "morph", "knob morph"),
    ({"knobs": {"temperature": 1e9}}, "temperature", "knob temperature"),
    ({"knobs": {"shape": {"octave": 99}}}, "octave", "knob octave"),
    ({"knobs": {"shape": {"what": 1}}}, None, "knob what"),
    ({"slots": {"A": {}}}, "slots", "slot 'A'"),
    ({"slots": {"A": {"source": "tape:3"}}}, "slots", "slot 'A'"),
    ({"transport": []}, "tempo", "transport"),
    ({"transport": {"tempo": 0}}, "tempo", "transport tempo"),
    ({"version": 1e30}, "version", "version"),
    ({"version": "17"}, "version", "version"),
    ({"morph_slots": ["A"]}, "morph_slots", "morph_slots"),
    ({"xy_slots": ["A", "B"]}, "xy_slots", "xy_slots"),
    ({"xy_slots": ["A", "B", "C", 4]}, "xy_slots", "xy_slots"),
    ({"knobs": {"xy_x": 1.5}}, "xy", "knob xy_x"),
    ({"slots": {"A": {"source": {"kind": "sample", "bars": 2, "seed": "x"}}}}, "slots", "slot 'A'"),
    ({"model": 5}, "model", "model"),
    ({"chords": [["C"], ["Hm7"]]}, "chords", "chords"),
    ({"chords": "C G"}, "chords", "chords"),
])
def test_a_damaged_field_loses_only_itself(tmp_path, change, lost, complaint):
    """One bad value drops that value (or item), never the session: the rest is restored, the
    client is told what was lost, and the damaged file is kept beside the new one."""
    store = SessionStore(tmp_path)
    good = full_session("x").to_json()
    bad = {**good, **{k: ({**good[k], **v} if k == "knobs" else v) for k, v in change.items()}}
    if "shape" in change.get("knobs", {}):
        bad["knobs"]["shape"] = {**good["knobs"]["shape"], **change["knobs"]["shape"]}
    raw = json.dumps(bad).encode()  # NaN is written as JSON's NaN, as a damaged file may hold
    store.path("x").write_bytes(raw)
    session, problems = store.load("x")
    assert session is not None and problems
    if complaint:
        assert any(complaint in p for p in problems), problems
    assert any(".bad" in p for p in problems) and store.path("x").with_suffix(".json.bad").read_bytes() == raw
    defaults = Session(instance="x")
    # what was not damaged is all there
    if lost != "clips":
        assert session.clips == full_session("x").clips
    if lost != "morph":
        assert session.knobs.morph == 0.25
    else:
        assert session.knobs.morph == defaults.knobs.morph
    assert session.knobs.seed == 1234
    assert session.version == (17 if lost != "version" else 0)
    assert session.transport.tempo == (120.0 if lost == "tempo" else good["transport"]["tempo"])
    if lost != "slots":
        assert set(session.slots) == {"A"}


def test_file_of_another_instance_is_not_taken(tmp_path):
    store = SessionStore(tmp_path)
    store.save(Session(instance="a"))
    os.replace(store.path("a"), store.path("b"))
    assert store.load("b") == (None, [])


# --- the saver ----------------------------------------------------------------------------------------
def run_saver(folder: Path, steps):
    """Drive a Saver by hand: ``steps`` is a list of callables (saver, troubles) -> awaitable|None."""
    troubles: list[str | None] = []

    async def main():
        saver = Saver(SessionStore(folder), troubles.append)
        for step in steps:
            result = step(saver)
            if asyncio.iscoroutine(result):
                await result
        return saver

    return asyncio.run(main()), troubles


def test_a_state_folder_that_vanishes_and_comes_back(tmp_path):
    folder, away = tmp_path / "state", tmp_path / "away"
    store = SessionStore(folder)
    clock = [0.0]

    def flush(saver):
        clock[0] += 60.0  # past any back-off
        return saver.flush(clock[0])

    s = full_session("x")
    saver, troubles = run_saver(folder, [
        lambda saver: saver.put("x", s.to_json()), flush,
        lambda saver: folder.rename(away),  # the drive goes away
        lambda saver: saver.put("x", {**s.to_json(), "version": 18}), flush, flush,
        lambda saver: away.rename(folder),  # and comes back
        flush,
    ])
    assert len(troubles) == 2 and "missing" in troubles[0] and troubles[1] is None  # told once, and once more
    assert saver.unsaved == {}
    assert store.load("x")[0].version == 18  # what changed while it was gone was written when it came back
    assert not (tmp_path / "state").with_name("away").exists()


def test_a_filesystem_that_fills_and_frees(small_filesystem):
    state = small_filesystem / "state"
    store = SessionStore(state)
    filler = small_filesystem / "filler"
    clock = [0.0]

    def flush(saver):
        clock[0] += 60.0
        return saver.flush(clock[0])

    def fill(_):
        fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"\0" * 4096)
        except OSError:  # full
            pass
        finally:
            os.close(fd)

    big = full_session("x")
    big.clips["long"] = Clip([Note(60 + k % 12, k * 0.25, 0.25, 100) for k in range(1000)], 256.0)
    saver, troubles = run_saver(state, [
        fill, lambda saver: saver.put("x", big.to_json()), flush, flush,
        lambda saver: filler.unlink(),  # space again
        flush,
    ])
    assert troubles[0] and "space" in troubles[0].lower() and troubles[-1] is None
    assert saver.unsaved == {} and store.load("x")[0].clips["long"].notes[-1].start == 249.75
    assert not list(state.glob("*.partial"))


# --- names and pruning -----------------------------------------------------------------------------------
@pytest.mark.parametrize("instance", [
    "../../etc", "../../etc/passwd", "/etc/passwd", "..", ".", "", "a/../../b", "..\\..\\windows",
    "C:\\evil", "x" * 5000, "nul\x00byte", "ünïcødé/ü", "~/.ssh/id_rsa", "$(rm -rf /)",
])
def test_file_names_never_come_from_the_instance_id(tmp_path, instance):
    folder = tmp_path / "inner" / "state"
    store = SessionStore(folder)
    path = store.path(instance)
    assert path.parent == folder
    assert path.name.endswith(".json") and all(c in "0123456789abcdef" for c in path.stem)
    store.save(Session(instance=instance))
    every = sorted(p for p in tmp_path.rglob("*") if p.is_file())
    assert every == [path]
    assert store.load(instance)[0].instance == instance


@settings(max_examples=50)
@given(st.text(max_size=200))
def test_any_instance_id_stays_in_the_folder(instance):
    store = SessionStore.__new__(SessionStore)
    store.folder = Path("/state")
    path = store.path(instance)
    assert path.parent == Path("/state") and len(path.name) == 32 + len(".json")


def test_distinct_instances_distinct_files():
    store = SessionStore.__new__(SessionStore)
    store.folder = Path("/state")
    names = ["a", "A", "a ", "../a", "a/..", "b"]
    assert len({store.path(n) for n in names}) == len(names)


def test_prune_deletes_old_and_excess_files_but_never_open_sessions(tmp_path):
    store = SessionStore(tmp_path)
    for k in range(10):
        store.save(Session(instance=f"s{k}"))
        os.utime(store.path(f"s{k}"), (1000.0 + k, 1000.0 + k))  # s0 the oldest
    os.utime(store.path("s9"), None)  # saved just now
    (tmp_path / "left.json.partial").write_text("{")
    os.utime(tmp_path / "left.json.partial", (1000.0, 1000.0))
    gone = store.prune(max_files=5, max_age_days=90, keep={"s0"})
    remaining = {p.name for p in tmp_path.glob("*.json")}
    assert store.path("s0").name in remaining and store.path("s9").name in remaining  # open, and recent
    assert gone == 8 and len(remaining) == 2 and not (tmp_path / "left.json.partial").exists()


def test_the_xy_pad_and_slot_seeds_are_saved_and_restored(tmp_path):
    from segue.engine.session import FromSample, FromVariation

    store = SessionStore(tmp_path)
    s = full_session("xy")
    s.xy_slots = ("A", "B", "", "D")
    s.knobs.set("xy_x", 0.25)
    s.knobs.set("xy_y", 1.0)
    s.slots["B"] = Slot(source=FromSample(2, seed=77), bars=2)
    s.slots["C"] = Slot(source=FromVariation("A", 0.5, seed=5), bars=2)
    store.save(s)
    back, problems = store.load("xy")
    assert problems == [] and back.xy_slots == ("A", "B", "", "D")
    assert (back.knobs.xy_x, back.knobs.xy_y) == (0.25, 1.0)
    assert back.slots["B"].source == FromSample(2, seed=77) and back.slots["C"].source == FromVariation("A", 0.5, 5)
    assert "seed" not in json.dumps(full_session().to_json()["slots"])  # no seed: saved as before


def test_a_chord_progression_is_saved_and_restored(tmp_path):
    store = SessionStore(tmp_path)
    s = full_session("ch")
    s.chords = [["C", "G"], ["Am"], ["F"]]
    store.save(s)
    back, problems = store.load("ch")
    assert problems == [] and back.chords == [["C", "G"], ["Am"], ["F"]]
    assert full_session("none").to_json()["chords"] == []
