"""The Python client against the real engine: uploads cut by the one splitter, bars read by field name."""

from __future__ import annotations

from segue.bridge.client import EngineClient
from segue.bridge.osc import note_groups
from segue.models.notes import Note


def test_uploads_are_cut_like_the_engine_cuts_and_arrive_whole(running_engine, tiny_model, wait_until):
    notes = [Note(40 + k % 40, k * 0.25, 0.2, 1 + k % 127) for k in range(300)]
    with running_engine(tiny_model()) as r:
        c = EngineClient(r.port, chunk_bytes=512)
        try:
            c.hello()
            c.upload("long", notes, 80.0)
            clip = r.call(lambda: r.engine.session(c.instance).clips["long"])
            def rows(ns):  # OSC floats are 32-bit
                return [(n.pitch, n.start, round(n.duration, 5), n.velocity) for n in ns]
            assert rows(clip.notes) == rows(notes) and clip.length == 80.0
            sent = [args for address, args in c.sent if address == "/segue/clip/notes"]
            expected = note_groups("/segue/clip/notes", (2**31 - 1, "long"), notes, 512)
            assert [len(args[3:]) // 4 for args in sent] == [len(g) for g in expected] and len(expected) > 10
        finally:
            c.close()


def test_bars_are_read_by_field_name(running_engine, tiny_model, wait_until):
    with running_engine(tiny_model()) as r:
        c = EngineClient(r.port)
        try:
            c.hello()
            c.request("/segue/knob/set/temperature", 0.5)
            c.request("/segue/knob/set/note_density", 1.5)
            c.send("/segue/bar/request", 3)
            assert wait_until(lambda: any(b.bar == 3 and b.complete and b.temperature == 0.5
                                          for b in c.bars.values()))
            bar = next(b for b in c.bars.values() if b.bar == 3 and b.temperature == 0.5)
            assert bar.knobs[1] == 1.5  # seed, then the attributes in ATTRIBUTE_KNOBS order
            assert all(0 <= n.start < 4 for n in bar.notes)
        finally:
            c.close()
