"""Capture, pure: notes played over N bars from a bar line become a clip."""

from __future__ import annotations

from segue.engine.midi.capture import PICKUP, Capture


def test_a_capture_starts_on_the_next_bar_line_and_keeps_what_was_played():
    c = Capture("A", bars=2)
    c.begin_after(5.3)
    assert (c.start, c.end) == (8.0, 16.0)
    c.note_on((0, 60), 7.0, 100)  # before the capture: not kept
    c.note_on((0, 62), 8.0 - PICKUP / 2, 90)  # a hair early: on its first beat
    c.note_off((0, 62), 8.5)
    c.note_on((0, 64), 9.0, 80)
    c.note_on((0, 64), 9.5, 70)  # the same key again: the first one ends
    c.note_on((1, 67), 15.0, 60)  # still held at the end
    clip = c.finish()
    assert clip.length == 8.0
    assert [(n.pitch, n.start, n.duration, n.velocity) for n in clip.notes] == [
        (62, 0.0, 0.5, 90), (64, 1.0, 0.5, 80), (64, 1.5, 6.5, 70), (67, 7.0, 1.0, 60)]


def test_begin_at_a_bar_line_and_reset():
    c = Capture("B", bars=1)
    c.begin_at(4.0)
    assert c.start == 4.0
    c.begin_at(4.1)
    assert c.start == 8.0
    c.note_on((0, 60), 8.0, 100)
    c.reset()
    assert c.start is None and c.notes == [] and c.held == {}
    c.note_on((0, 60), 8.0, 100)  # not started: ignored
    assert c.finish() is None
