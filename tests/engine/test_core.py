"""The engine's core without sockets: sessions, listeners, slots, knobs, transport, bars, renders.

Every test runs the core on its own event loop with a tiny model (hidden size 8), as an adapter
would: public methods in, bars out through a listener.
"""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import numpy as np
import pytest

from segue.engine.api import EngineConfig, weak_knobs
from segue.engine.core import Engine
from segue.engine.session import Clip, FromClip, FromSample, FromVariation
from segue.models.errors import InputError, ModelError
from segue.models.notes import Note

MELODY = [Note(60 + (k * 5) % 12, k * 0.5, 0.5, 100) for k in range(24)]  # 3 bars of eighths


async def until(pred, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        await asyncio.sleep(0.005)
    return pred()


def run(model, body, state_dir: Path | None = None, **config):
    """Start a core, run ``await body(engine)``, stop it (saving every session)."""
    async def main():
        engine = Engine(EngineConfig(port=0, state_dir=state_dir, tick_seconds=0.005, **config), model)
        await engine.start()
        try:
            return await body(engine)
        finally:
            await engine.stop()

    return asyncio.run(main())


@pytest.fixture(scope="module")
def model(tiny_model):
    return tiny_model()


def test_attach_opens_a_session_and_detach_closes_it(model, recording_listener):
    async def body(engine: Engine):
        a, b = recording_listener(), recording_listener()
        s, resumed = engine.attach("one", a)
        assert not resumed and engine.session("one") is s
        again, resumed = engine.attach("one", b)
        assert again is s and resumed and engine.listeners["one"] == [a, b]
        engine.detach("one", a)
        assert engine.session("one") is s  # another listener is still there
        engine.detach("one", b)
        assert engine.session("one") is None and "one" not in engine.listeners
    run(model, body)


def test_bars_flow_to_listeners_while_playing_and_newer_versions_follow_a_knob(model, recording_listener):
    async def body(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("player", rec)
        engine.set_knob(s, "temperature", 1.0)  # an untrained model: notes, not silence
        engine.set_transport(s, True, 120.0, 0.0)
        assert await until(lambda: {b.bar for b in rec.bars} >= {0, 1, 2})
        first = {b.bar: b.version for b in rec.bars}
        version = engine.set_knob(s, "morph", 0.75)
        assert version == s.version and version > max(first.values())
        assert await until(lambda: any(b.version == version and b.bar >= 1 for b in rec.bars))
        newer = [b for b in rec.bars if b.version == version]
        assert all(b.morph == 0.75 and b.temperature == 1.0 for b in newer)
        assert all(0 <= n.start < 4 for b in rec.bars for n in b.notes)
        engine.set_transport(s, False, 120.0, 0.0)
        # stopped at beat 0: bars 0 and 1 at the current version, ready for Play, then nothing more
        assert await until(lambda: {b.bar for b in rec.bars if b.version == version} >= {0, 1})
        assert await until(lambda: not engine.bars.pending["player"].bars)
        count = len(rec.bars)
        await asyncio.sleep(0.1)
        assert len(rec.bars) == count
        engine.request_bar(s, 7)  # asked for: comes whatever the transport
        assert await until(lambda: any(b.bar == 7 for b in rec.bars))
    run(model, body)


def test_a_stopped_session_has_the_bars_at_the_playhead_ready_before_play(model, recording_listener):
    """Play must find the bar at the playhead and the next one made: its downbeat is never lost."""
    async def body(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("ready", rec)
        engine.set_transport(s, False, 120.0, 8.0)  # stopped in bar 2
        assert await until(lambda: {b.bar for b in rec.bars} == {2, 3})
        version = engine.set_knob(s, "morph", 0.5)  # a knob turned while stopped: made again
        assert await until(lambda: {b.bar for b in rec.bars if b.version == version} == {2, 3})
        engine.seek(s, 20.0)
        assert await until(lambda: {5, 6} <= {b.bar for b in rec.bars})
        await asyncio.sleep(0.05)
        assert {b.bar for b in rec.bars} == {2, 3, 5, 6}  # only the bars at the playhead
    run(model, body)


def test_a_session_without_listeners_generates_nothing(model, recording_listener):
    async def body(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("quiet", rec)
        engine.set_transport(s, True, 200.0, 0.0)
        assert await until(lambda: rec.bars)
        engine.listeners["quiet"].remove(rec)
        await asyncio.sleep(0.05)
        pending = dict(engine.bars.pending.get("quiet").bars)
        engine.tick(time.monotonic() + 10)  # ten seconds on: many bars due, none queued
        assert engine.bars.pending.get("quiet").bars == pending
    run(model, body)


def test_slots_from_clips_samples_and_variations(model, recording_listener):
    async def body(engine: Engine):
        s, _ = engine.attach("slots", recording_listener())
        engine.put_clip(s, "tune", Clip(list(reversed(MELODY)), 12.0))
        assert [n.start for n in s.clips["tune"].notes] == sorted(n.start for n in MELODY)  # kept sorted
        a = await engine.encode_into_slot(s, "A", "tune")
        assert a.source == FromClip("tune") and a.bars == 3 and a.padded_bars == 1 and a.mu.shape == (2, 8)
        b = await engine.sample_into_slot(s, "B", 4)
        assert b.source == FromSample(4) and b.mu.shape == (2, 8)
        c = await engine.vary_into_slot(s, "C", "A", 0.5)
        assert c.source == FromVariation("A", 0.5) and c.groove_clip == "tune" and (c.mu != a.mu).any()
        with pytest.raises(InputError, match="no clip 'nope'"):
            await engine.encode_into_slot(s, "A", "nope")
        with pytest.raises(InputError, match="source slot 'Z' is empty"):
            await engine.vary_into_slot(s, "D", "Z", 0.5)
        engine.put_clip(s, "kit", Clip([Note(36, 0.0, 0.25, 100)], 4.0, "drums"))
        with pytest.raises(ModelError, match="drum clip"):
            await engine.encode_into_slot(s, "E", "kit")
        assert set(s.slots) == {"A", "B", "C"}
        engine.set_morph_slots(s, "A", "B")
        render = engine.render(s, 3)
        assert render.bars == 4  # the longer slot: 2 windows of 2 bars
        steps = [await render.step(k) for k in range(3)]
        assert all(all(0 <= n.start < 16 for n in notes) for notes in steps)
    run(model, body)


def test_knobs_and_transport_are_checked(model, recording_listener):
    async def body(engine: Engine):
        s, _ = engine.attach("checks", recording_listener())
        with pytest.raises(InputError, match="no knob 'volume'"):
            engine.set_knob(s, "volume", 1.0)
        with pytest.raises(InputError, match=r"morph: value must be in 0..1"):
            engine.set_knob(s, "morph", 1.5)
        with pytest.raises(InputError, match="scale must be one of"):
            engine.set_knob(s, "scale", "klingon")
        assert engine.set_knob(s, "scale", "Minor Blues") and s.knobs.shape.scale == "blues"
        engine.set_transport(s, True, 100.0, 0.0)
        with pytest.raises(InputError, match="3/4"):
            engine.set_transport(s, True, 100.0, 0.0, 3, 4)
        assert not s.transport.playing
        engine.set_loop(s, 4.0, 12.0)
        engine.seek(s, 6.0)
        assert (s.transport.loop_start, s.transport.loop_end, s.transport.beat) == (4.0, 12.0, 6.0)
        info = engine.model_info(s)
        assert (info.name, info.kind, info.window_bars, info.trained, info.choice) == (
            "cat-mel_2bar_small", "melody", 2, False, "default")
        with pytest.raises(ModelError, match="unknown model"):
            await engine.choose_model(s, "no-such-model")
    run(model, body)


def test_a_saved_session_is_restored_and_its_slots_encoded_again(model, tmp_path, recording_listener):
    async def first(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("kept", rec)
        engine.put_clip(s, "tune", Clip(MELODY, 12.0))
        await engine.encode_into_slot(s, "A", "tune")
        engine.set_knob(s, "seed", 9)
        engine.detach("kept", rec)  # saved and closed

    async def second(engine: Engine):
        rec = recording_listener()
        s, resumed = engine.attach("kept", rec)
        assert resumed and s.knobs.seed == 9 and s.slots["A"].mu is None
        assert await until(lambda: s.slots["A"].mu is not None)
        assert s.slots["A"].mu.shape == (2, 8) and rec.problems == []

    run(model, first, tmp_path)
    run(model, second, tmp_path)


def test_a_restore_that_fails_is_told_to_the_listener(model, tmp_path, recording_listener):
    async def first(engine: Engine):
        s, _ = engine.attach("broken", recording_listener())
        engine.put_clip(s, "tune", Clip(MELODY, 12.0))
        await engine.encode_into_slot(s, "A", "tune")

    run(model, first, tmp_path)
    (path,) = tmp_path.glob("*.json")
    saved = json.loads(path.read_text())
    saved["clips"] = {}  # the slot's clip is gone
    path.write_text(json.dumps(saved))

    async def second(engine: Engine):
        rec = recording_listener()
        engine.attach("broken", rec)
        assert await until(lambda: rec.problems)
        assert rec.problems[0][0] == "/segue/hello" and "its clip 'tune' is gone" in rec.problems[0][1]

    run(model, second, tmp_path)


def test_idle_sessions_close_unless_a_listener_keeps_them_open(model, recording_listener):
    async def body(engine: Engine):
        osc_like, midi_like = recording_listener(), recording_listener(keep_open=True)
        a, _ = engine.attach("idle", osc_like)
        b, _ = engine.attach("kept-open", midi_like)
        a.last_seen = b.last_seen = time.monotonic() - 10
        assert await until(lambda: engine.session("idle") is None)
        assert osc_like.closed_sessions == ["idle"]
        assert engine.session("kept-open") is b and midi_like.closed_sessions == []
    run(model, body, session_idle_seconds=1.0, save_every_seconds=0.01)


def test_call_runs_on_the_loop_from_another_thread(model, recording_listener):
    async def body(engine: Engine):
        s, _ = engine.attach("threads", recording_listener())
        assert engine.on_loop()
        loop = asyncio.get_running_loop()
        version = await loop.run_in_executor(
            None, lambda: (not engine.on_loop(), engine.call(engine.set_knob, s, "morph", 0.5).result(5)))
        assert version == (True, s.version) and s.knobs.morph == 0.5
    run(model, body)


def test_the_xy_pad_slot_seeds_clearing_and_the_session_list(model, recording_listener):
    async def body(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("pad", rec)
        assert engine.open_sessions() == ["pad"]
        await engine.sample_into_slot(s, "A", 2, seed=11)
        await engine.sample_into_slot(s, "D", 2, seed=12)
        again = await engine.sample_into_slot(s, "X", 2, seed=11)
        assert (again.mu == s.slots["A"].mu).all() and not (s.slots["D"].mu == s.slots["A"].mu).all()
        v1 = await engine.vary_into_slot(s, "V1", "A", 0.5, seed=1)
        v2 = await engine.vary_into_slot(s, "V2", "A", 0.5, seed=2)
        assert not (v1.mu == v2.mu).all()
        engine.set_xy_slots(s, "A", "B", "C", "D")
        version = engine.set_xy(s, 1.0, 1.0)
        assert version == s.version and (s.knobs.xy_x, s.knobs.xy_y) == (1.0, 1.0)
        with pytest.raises(InputError, match="xy_y"):
            engine.set_xy(s, 0.5, 1.5)
        engine.set_transport(s, True, 240.0, 0.0)
        assert await until(lambda: any(b.xy == (1.0, 1.0) and b.version == version for b in rec.bars))
        engine.clear_slot(s, "X")
        engine.clear_slot(s, "X")  # empty already: nothing happens
        assert "X" not in s.slots
        engine.set_xy_slots(s, "", "", "", "")
        later = engine.set_knob(s, "morph", 0.5)
        assert await until(lambda: any(b.version >= later and b.xy is None for b in rec.bars))
        # the render is the A->B morph, whatever the pad
        engine.set_xy_slots(s, "D", "D", "D", "D")
        render = engine.render(s, 2)
        engine.set_xy_slots(s, "", "", "", "")
        assert await render.step(0) == await engine.render(s, 2).step(0)
    run(model, body)


def test_variations_are_restored_after_their_source(model, tmp_path, recording_listener):
    async def first(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("vary", rec)
        await engine.sample_into_slot(s, "A~", 2, seed=3)
        await engine.sample_into_slot(s, "A", 2, seed=4)
        await engine.vary_into_slot(s, "A", "A~", 0.5, seed=5)  # A stays first in the slots' order
        first.mu = s.slots["A"].mu.clone()
        engine.detach("vary", rec)

    async def second(engine: Engine):
        rec = recording_listener()
        s, _ = engine.attach("vary", rec)
        assert await until(lambda: all(x.mu is not None for x in s.slots.values()))
        assert rec.problems == [] and (s.slots["A"].mu == first.mu).all()

    run(model, first, tmp_path)
    run(model, second, tmp_path)


def test_model_cards_are_read_beside_the_models(model, tmp_path, recording_listener):
    folder = tmp_path / "models"
    folder.mkdir()
    model.save(folder / "mine.safetensors", licence="CC0")
    (folder / "mine.md").write_text("# mine\n\nconfig cat-mel_2bar_small")

    async def body(engine: Engine):
        s, _ = engine.attach("card", recording_listener())
        await engine.choose_model(s, "mine")
        assert engine.model_card(s).startswith("# mine")
        s.model = ""
        card = engine.model_card(s)  # the default: default.md only when it names the model's config
        assert card is None or model.config.name in card
    run(model, body, models_dir=folder)


def test_model_info_names_the_knobs_the_calibration_marks_weak(model, tmp_path, recording_listener):
    folder = tmp_path / "models"
    folder.mkdir()
    knobs = {"note_density": {"std": 0.1, "lo": 0.0, "hi": 0.5, "spearman": 0.93, "weak": False},
             "average_interval": {"std": 1.2, "lo": 0.0, "hi": 7.0, "spearman": 0.41, "weak": True},
             "c_diatonic": {"spearman": 0.5, "weak": "yes"}}  # only a true bool says weak
    model.save(folder / "calibrated.safetensors", training={"knobs": knobs})
    model.save(folder / "damaged.safetensors", training={"knobs": ["average_interval"]})

    async def body(engine: Engine):
        s, _ = engine.attach("weak", recording_listener())
        assert engine.model_info(s).weak_knobs == ()  # no calibration: nothing claimed
        await engine.choose_model(s, "calibrated")
        assert engine.model_info(s).weak_knobs == ("average_interval",)
        await engine.choose_model(s, "damaged")
        assert engine.model_info(s).weak_knobs == ()
    run(model, body, models_dir=folder)
    assert weak_knobs({"knobs": {"note_density": {"weak": np.bool_(True)}, "c_diatonic": {"weak": np.False_},
                                 "syncopation_8th": {"weak": 1}}}) == ("note_density",)
    assert weak_knobs(None) == weak_knobs({"knobs": None}) == weak_knobs({"knobs": {"x": None}}) == ()
