"""Multitrack MusicVAE's representation: performance events per track (parity with Magenta.js's
MultitrackConverter: tests/models/formats/test_magenta_spec.py)."""

from __future__ import annotations

import numpy as np
import pytest

from segue.models.errors import EmptyClipError
from segue.models.multitrack import MultitrackRepresentation, _set_steps
from segue.models.notes import Note, NoteSequence, Track


def _rep(**kw) -> MultitrackRepresentation:
    return MultitrackRepresentation(**{"num_steps": 64, "num_tracks": 4, "steps_per_quarter": 4, "total_steps": 16,
                                       "velocity_bins": 4, **kw})


def test_a_track_becomes_events_and_back():
    rep = _rep()
    seq = NoteSequence([Track([Note(60, 0, 1, 100), Note(64, 1, 0.5, 20)], program=24),
                        Track([Note(36, 0, 0.25, 90)], is_drum=True)])
    tokens = rep.to_indices(seq, 1).indices[:, 0]
    track0 = tokens[:16]
    p = rep.num_pitches
    assert track0[0] == rep.events_depth + 24  # program select
    # velocity 100 is in bin 4, the start bin (no event): note-on 60, shift 4, off 60, velocity bin 1, on 64
    assert track0[1] == 60 and track0[2] == 2 * p + 3 and track0[3] == p + 60
    assert track0[4] == 2 * p + 16 and track0[5] == 64
    assert tokens[16] == rep.events_depth + 128 and tokens[32] == rep.end_token  # drums, then empty tracks
    back = rep.from_indices(tokens[:, None])
    assert [(t.program, t.is_drum, [(n.pitch, n.start, n.duration, n.velocity) for n in t.notes])
            for t in back.tracks] == [(24, False, [(60, 0.0, 1.0, 80), (64, 1.0, 0.5, 1)]),
                                      (0, True, [(36, 0.0, 0.25, 65)])]


def test_tracks_by_program_drums_last_and_the_extra_ones_dropped():
    rep = _rep(num_tracks=2, num_steps=32)
    seq = NoteSequence([Track([Note(50, 0, 1, 80)], is_drum=True), Track([Note(60, 0, 1, 80)], program=40),
                        Track([Note(62, 0, 1, 80)], program=5)])
    win = rep.clip_windows(seq, 1)
    tokens = win.windows[0, :, 0]
    assert tokens[0] == rep.events_depth + 5 and tokens[16] == rep.events_depth + 40
    assert any("beyond the model's 2" in m for m in win.messages)


def test_windows_and_long_tracks():
    rep = _rep()
    seq = NoteSequence([Track([Note(60 + i % 12, i * 0.25, 0.25, 80) for i in range(32)])])
    win = rep.clip_windows(seq)
    assert win.windows.shape == (2, 64, 1) and win.clip_bars == 2
    assert (win.windows[0, :16, 0] != rep.end_token).sum() == 15  # events cut to fit, the end token kept
    out = rep.windows_to_clip(win.windows, bars=2)
    assert min(n.start for n in out.tracks[0].notes) == 0 and max(n.start for n in out.tracks[0].notes) >= 4
    with pytest.raises(EmptyClipError):
        rep.clip_windows(NoteSequence([Track([])]))


def test_set_steps_pads_and_cuts():
    assert _set_steps([("shift", 3)], 16) == [("shift", 16)]
    assert _set_steps([("on", 1)], 40) == [("on", 1), ("shift", 40)]
    assert _set_steps([("shift", 10), ("on", 1), ("shift", 10), ("off", 1)], 15) == [("shift", 10), ("on", 1),
                                                                                      ("shift", 5)]


def test_bad_shapes_are_refused():
    with pytest.raises(ValueError, match="tracks"):
        _rep(num_steps=63)
    with pytest.raises(ValueError, match="whole number"):
        _rep(total_steps=20)
    assert np.array_equal(_rep().to_input(np.array([[0], [3]])).argmax(-1), [0, 3])
