"""Sessions: JSON round trip, atomic saves, unreadable files, and file names that never come from
a client's raw instance id."""

from __future__ import annotations

import json
import os

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine import session as session_module
from segue.engine.session import (
    Clip,
    FromClip,
    FromSample,
    FromVariation,
    Knobs,
    Session,
    SessionStore,
    Slot,
    Transport,
    source_from_json,
    source_to_json,
)
from segue.engine.shaping import Shape
from segue.models.notes import Note


def full_session(instance: str = "live-set-1/track-3") -> Session:
    s = Session(instance=instance, model="tiny2")
    s.clips = {"a": Clip([Note(60, 0.0, 0.5, 100), Note(64, 1.5, 0.25, 90)], 8.0),
               "drums": Clip([Note(36, 0.0, 0.25, 127)], 4.0, "drums")}
    s.slots = {"A": Slot(source=FromClip("a"), bars=2, groove_clip="a", mu=object(), model="default"),
               "B": Slot(source=FromSample(4), bars=4),
               "odd:name": Slot(source=FromVariation("A", 0.5), bars=2, groove_clip="a")}
    s.morph_slots = ("A", "odd:name")
    s.knobs = Knobs(morph=0.25, temperature=0.5, seed=1234, attributes={"note_density": 1.5, "c_diatonic": -2.0},
                    shape=Shape().with_knob("octave", -1).with_knob("scale", "dorian").with_knob("scale_root", 2)
                    .with_knob("groove", 0.75).with_knob("velocity", 90))
    s.transport = Transport(playing=True, tempo=97.5, beat=33.0, at=5.0, loop_start=8.0, loop_end=24.0)
    s.version = 17
    s.sent = {3: 17}
    return s


def test_session_json_round_trip():
    s = full_session()
    d = s.to_json()
    back = Session.from_json(json.loads(json.dumps(d)))
    assert back.to_json() == d
    assert back.instance == s.instance and back.model == "tiny2"
    assert back.clips == s.clips
    assert back.morph_slots == ("A", "odd:name")
    assert back.knobs == s.knobs
    assert back.transport.tempo == 97.5 and (back.transport.loop_start, back.transport.loop_end) == (8.0, 24.0)
    assert not back.dirty


def test_round_trip_keeps_what_cannot_be_saved_out():
    back = Session.from_json(json.loads(json.dumps(full_session().to_json())))
    # codes are re-encoded after a restore, not saved
    assert set(back.slots) == {"A", "B", "odd:name"}
    assert all(slot.mu is None for slot in back.slots.values())
    assert back.slots["A"].source == FromClip("a") and back.slots["A"].groove_clip == "a" and back.slots["B"].bars == 4
    assert back.slots["odd:name"].source == FromVariation("A", 0.5)
    # the transport's play state and what was sent start afresh
    assert back.sent == {} and not back.transport.playing


def test_slot_sources_are_tagged_objects_and_old_strings_still_read():
    for source in (FromClip("a:b"), FromSample(4), FromVariation("x:y", 0.25)):
        d = source_to_json(source)
        assert d["kind"] in ("clip", "sample", "variation") and source_from_json(json.loads(json.dumps(d))) == source
    assert source_from_json("clip:a:b") == FromClip("a:b")
    assert source_from_json("sample:4") == FromSample(4)
    assert source_from_json("variation:odd:name:0.5") == FromVariation("odd:name", 0.5)
    for bad in ("tape:3", {"kind": "tape"}, {"kind": "clip"}, 5, {"kind": "sample", "bars": 2, "x": 1}):
        with pytest.raises((ValueError, TypeError)):
            source_from_json(bad)


def test_round_trip_keeps_the_version():
    """After an engine restart the bars a client already holds must not outrank the new ones."""
    back = Session.from_json(json.loads(json.dumps(full_session().to_json())))
    assert back.version == 17


def test_from_json_defaults():
    s = Session.from_json({"instance": "x"})
    assert s.instance == "x" and s.clips == {} and s.slots == {} and s.morph_slots == ("A", "B")
    assert s.knobs == Knobs() and s.version == 0


def test_knobs_set():
    k = Knobs()
    k.set("morph", 1)
    k.set("seed", 7)
    k.set("note_density", 2)
    k.set("octave", 2)
    k.set("scale", "Minor")
    assert (k.morph, k.seed, k.attributes, k.shape.octave, k.shape.scale) == (1.0, 7, {"note_density": 2.0}, 2,
                                                                              "minor")
    with pytest.raises(ValueError):
        k.set("scale", "nope")
    with pytest.raises(ValueError):
        k.set("no_such_knob", 1)


def test_changed_bumps_version_and_dirty():
    s = Session(instance="x")
    s.dirty = False
    s.changed()
    s.changed()
    assert s.version == 2 and s.dirty


# --- the store ------------------------------------------------------------------------------------
def test_store_save_load(tmp_path):
    store = SessionStore(tmp_path / "state")
    s = full_session()
    store.save(s)
    assert not s.dirty
    files = list((tmp_path / "state").iterdir())
    assert files == [store.path(s.instance)]
    back = store.load(s.instance)
    assert back is not None and back.to_json() == s.to_json()
    assert store.load("someone else") is None
    store.delete(s.instance)
    assert store.load(s.instance) is None and list((tmp_path / "state").iterdir()) == []
    store.delete(s.instance)  # twice is fine


def test_store_overwrites_atomically(tmp_path, monkeypatch):
    store = SessionStore(tmp_path)
    s = full_session()
    store.save(s)
    before = store.path(s.instance).read_bytes()

    def crash(src, dst):
        raise OSError("disk gone")

    s.knobs.morph = 1.0
    with monkeypatch.context() as m:
        m.setattr(session_module.os, "replace", crash)
        with pytest.raises(OSError):
            store.save(s)
    # the saved file is untouched: a crash mid-save never leaves half a file under the real name
    assert store.path(s.instance).read_bytes() == before
    assert store.load(s.instance).knobs.morph == 0.25
    store.save(s)
    assert store.load(s.instance).knobs.morph == 1.0
    assert not list(tmp_path.glob("*.partial"))


def test_store_without_folder_does_nothing():
    store = SessionStore(None)
    s = full_session()
    store.save(s)
    assert store.load(s.instance) is None
    store.delete(s.instance)


@pytest.mark.parametrize("content", [
    b"", b"{", b'{"instance": "x"', b"\xff\xfe\x00garbage", b"null", b"[]", b"5", b'"text"',
    b'{"no": "instance"}', b'{"instance": "x", "clips": []}', b'{"instance": "x", "clips": {"a": {"notes": 5}}}',
    b'{"instance": "x", "knobs": {"shape": {"octave": 99}}}', b'{"instance": "x", "knobs": {"shape": {"what": 1}}}',
    b'{"instance": "x", "slots": {"A": {}}}', b'{"instance": "x", "transport": []}',
    b'{"instance": "x", "slots": {"A": {"source": "tape:3"}}}', b'{"instance": "x", "morph_slots": ["A"]}',
    b'{"instance": "x", "morph_slots": []}',
])
def test_unreadable_file_starts_afresh(tmp_path, content):
    store = SessionStore(tmp_path)
    store.path("x").write_bytes(content)
    assert store.load("x") is None
    # and the next save replaces it
    store.save(Session(instance="x"))
    assert store.load("x").instance == "x"


def test_file_of_another_instance_is_not_taken(tmp_path):
    store = SessionStore(tmp_path)
    store.save(Session(instance="a"))
    os.replace(store.path("a"), store.path("b"))
    assert store.load("b") is None


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
    assert store.load(instance).instance == instance


@settings(max_examples=50)
@given(st.text(max_size=200))
def test_any_instance_id_stays_in_the_folder(instance):
    store = SessionStore.__new__(SessionStore)
    store.folder = session_module.Path("/state")
    path = store.path(instance)
    assert path.parent == session_module.Path("/state") and len(path.name) == 32 + len(".json")


def test_distinct_instances_distinct_files():
    store = SessionStore.__new__(SessionStore)
    store.folder = session_module.Path("/state")
    names = ["a", "A", "a ", "../a", "a/..", "b"]
    assert len({store.path(n) for n in names}) == len(names)
