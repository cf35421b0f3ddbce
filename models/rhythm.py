"""A melody's rhythm or shape, or a trio's rhythms, as representations (Magenta.js's
MelodyRhythmConverter, MelodyShapeConverter and TrioRhythmConverter).

These models read and write only part of the music:

==================  ===========================  =======================  ====================
kind                index per step               encoder input            decoder
==================  ===========================  =======================  ====================
``melody_rhythm``   1 on a melody onset, else 0  the bit (1)              bits (1)
``melody_shape``    0 down, 1 same, 2 up         one-hot (3)              categorical (3)
``trio_rhythm``     per part (melody, bass,      the three bits (3)       three heads of bits
                    drums): 1 on an onset
==================  ===========================  =======================  ====================

The melody is the monophonic line Segue's melody representation reads (programs 0-31, pitches in
``min_pitch..max_pitch``). The shape (a Parsons code) is filled in between onsets: each step up to
an onset takes the direction from the onset before; the steps before the second onset take the
first direction; those after the last onset keep the last one; with fewer than two onsets every
step is "same".

Decoding writes what Magenta.js writes (its converters say this is for listening to the shape or
rhythm, not music): a rhythm becomes snare hits (pitch 38) a step long; a shape a note every step,
starting at the middle of the range and moving a semitone per "up" or "down" within it; a trio
rhythm pitch 72 (melody, program 0), 36 (bass, program 32) and snare hits.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from numpy.typing import NDArray

from segue.models.errors import EmptyClipError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import (
    BASS_PROGRAMS,
    MELODY_FIRST_PITCH,
    MELODY_PROGRAMS,
    STEPS_PER_QUARTER,
    Representation,
    ToIndicesResult,
    TrioRepresentation,
    _describe,
    _encode_line,
    _in_programs,
    _one_hot,
    _tracks_where,
    register_kind,
)

__all__ = ["MelodyRhythmRepresentation", "MelodyShapeRepresentation", "TrioRhythmRepresentation", "melody_shape"]

SNARE = 38  # the first pitch of the snare class, what Magenta.js writes for a rhythm's hits
DOWN, SAME, UP = 0, 1, 2
STEP = 1 / STEPS_PER_QUARTER


def melody_shape(events: NDArray[np.int64]) -> NDArray[np.int64]:
    """The Parsons code of a melody column (see the module docstring): [T] of 0, 1, 2."""
    n = len(events)
    out = np.full(n, -1, np.int64)
    onsets = np.flatnonzero(events >= MELODY_FIRST_PITCH)
    for prev, cur in zip(onsets[:-1], onsets[1:]):
        d = UP if events[cur] > events[prev] else DOWN if events[cur] < events[prev] else SAME
        lo = 0 if prev == onsets[0] else prev + 1  # the first direction reaches back to the start
        out[lo : cur + 1] = d
    if len(onsets) < 2:
        out[:] = SAME
    else:
        out[onsets[-1] + 1 :] = out[onsets[-1]]
    return out


def _hits(column: NDArray[np.int64], pitch: int, velocity: int, start_beat: float, program: int = 0,
          is_drum: bool = False, name: str = "") -> Track:
    notes = [Note(pitch, start_beat + int(s) * STEP, STEP, velocity) for s in np.flatnonzero(column)]
    return Track(notes, program=program, is_drum=is_drum, name=name)


class _MelodyControl(Representation):
    def __init__(self, min_pitch: int = 21, max_pitch: int = 108) -> None:
        if not 0 <= min_pitch <= max_pitch <= 127:
            raise ValueError(f"need 0 <= min_pitch <= max_pitch <= 127, got {min_pitch}, {max_pitch}")
        self.min_pitch, self.max_pitch = min_pitch, max_pitch

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "min_pitch": self.min_pitch, "max_pitch": self.max_pitch}

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        notes, _ = _tracks_where(seq, _in_programs(MELODY_PROGRAMS))
        part = _encode_line(notes, self.min_pitch, self.max_pitch, n_steps)
        if not part.used:
            raise EmptyClipError(f"no melody notes: need non-drum notes with programs 0-31 in "
                                 f"{self.min_pitch}..{self.max_pitch}; {_describe(seq)}")
        return ToIndicesResult(self._control(part.column)[:, None], part.out_of_range, part.polyphonic,
                               part.messages)

    def _control(self, column: NDArray[np.int64]) -> NDArray[np.int64]:
        """The control read off a melody's column of events: [T]."""
        raise NotImplementedError


@register_kind
class MelodyRhythmRepresentation(_MelodyControl):
    """A melody's onsets (Magenta.js's MelodyRhythmConverter, with a boolean decoder)."""

    kind = "melody_rhythm"
    input_depth = 1
    output_depths = (2,)

    def _control(self, column: NDArray[np.int64]) -> NDArray[np.int64]:
        return (column >= MELODY_FIRST_PITCH).astype(np.int64)

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        return indices.float()

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        return [_hits(arr[:, 0], SNARE, velocity, start_beat, is_drum=True, name="rhythm")]


@register_kind
class MelodyShapeRepresentation(_MelodyControl):
    """A melody's contour (Magenta.js's MelodyShapeConverter, with a categorical decoder)."""

    kind = "melody_shape"
    input_depth = 3
    output_depths = (3,)

    def _control(self, column: NDArray[np.int64]) -> NDArray[np.int64]:
        return melody_shape(column)

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        return _one_hot(indices[..., 0], 3)

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        pitch = math.floor((self.min_pitch + self.max_pitch) / 2 + 0.5)
        notes = []
        for s, d in enumerate(arr[:, 0]):
            pitch = min(self.max_pitch, pitch + 1) if d == UP else max(self.min_pitch, pitch - 1) if d == DOWN \
                else pitch
            notes.append(Note(pitch, start_beat + s * STEP, STEP, velocity))
        return [Track(notes, program=0, name="shape")]


@register_kind
class TrioRhythmRepresentation(Representation):
    """The onsets of a trio's melody, bass and drums (Magenta.js's TrioRhythmConverter, three
    boolean decoders)."""

    kind = "trio_rhythm"
    input_depth = 3
    output_depths = (2, 2, 2)

    def __init__(self, pitch_table: str = "current") -> None:
        self._trio = TrioRepresentation(pitch_table)
        self.pitch_table = pitch_table

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "pitch_table": self.pitch_table}

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        trio = self._trio._encode(seq, n_steps)
        idx = trio.indices
        rhythm = np.stack([idx[:, 0] >= MELODY_FIRST_PITCH, idx[:, 1] >= MELODY_FIRST_PITCH, idx[:, 2] > 0], 1)
        return ToIndicesResult(rhythm.astype(np.int64), trio.dropped_out_of_range, trio.dropped_polyphonic,
                               trio.messages)

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        return indices.float()

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        return [_hits(arr[:, 0], 72, velocity, start_beat, program=0, name="melody"),
                _hits(arr[:, 1], 36, velocity, start_beat, program=BASS_PROGRAMS[0], name="bass"),
                _hits(arr[:, 2], SNARE, velocity, start_beat, is_drum=True, name="drums")]
