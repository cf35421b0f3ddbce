"""A melody's rhythm and shape, a trio's rhythms (parity with Magenta.js's converters:
tests/models/formats/test_magenta_spec.py)."""

from __future__ import annotations

import numpy as np
import pytest

from segue.models.errors import EmptyClipError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.rhythm import (
    DOWN,
    SAME,
    UP,
    MelodyRhythmRepresentation,
    MelodyShapeRepresentation,
    TrioRhythmRepresentation,
    melody_shape,
)


@pytest.mark.parametrize("events,shape", [
    ([0, 0, 0, 0], [SAME] * 4),  # no notes: flat
    ([5, 1, 0, 0], [SAME] * 4),  # one note: flat
    ([0, 5, 0, 7, 0, 3, 0, 0], [UP, UP, UP, UP, DOWN, DOWN, DOWN, DOWN]),  # first direction reaches back
    ([5, 5, 9], [SAME, SAME, UP]),  # the last onset on the last step
])
def test_melody_shape(events, shape):
    assert melody_shape(np.array(events)).tolist() == shape


def test_rhythm_and_shape_of_a_clip():
    seq = NoteSequence([Track([Note(60, 0, 1, 80), Note(64, 1, 0.5, 80), Note(62, 2, 1, 80)])])
    rhythm = MelodyRhythmRepresentation().to_indices(seq, 1).indices[:, 0]
    assert np.flatnonzero(rhythm).tolist() == [0, 4, 8]
    shape = MelodyShapeRepresentation().to_indices(seq, 1).indices[:, 0]
    assert shape.tolist() == [UP] * 5 + [DOWN] * 11
    notes = MelodyRhythmRepresentation().from_indices(rhythm[:, None]).tracks[0].notes
    assert [(n.pitch, n.start) for n in notes] == [(38, 0.0), (38, 1.0), (38, 2.0)]
    contour = MelodyShapeRepresentation(60, 62).from_indices(np.array([[UP], [UP], [UP], [DOWN]])).tracks[0].notes
    assert [n.pitch for n in contour] == [62, 62, 62, 61]  # starts mid-range, kept inside it
    with pytest.raises(EmptyClipError):
        MelodyRhythmRepresentation().to_indices(NoteSequence([Track([Note(36, 0, 1, 80)], is_drum=True)]), 1)


def test_trio_rhythm():
    seq = NoteSequence([Track([Note(72, 0, 1, 80)]), Track([Note(40, 1, 1, 80)], program=33),
                        Track([Note(36, 0.5, 0.25, 80)], is_drum=True)])
    rep = TrioRhythmRepresentation()
    idx = rep.to_indices(seq, 1).indices
    assert [np.flatnonzero(idx[:, k]).tolist() for k in range(3)] == [[0], [4], [2]]
    tracks = rep.from_indices(idx).tracks
    assert [(t.program, t.is_drum, [n.start for n in t.notes]) for t in tracks] == [
        (0, False, [0.0]), (32, False, [1.0]), (0, True, [0.5])]
    assert rep.to_input(np.array(idx)).shape == (16, 3)
