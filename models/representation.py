"""Data representations: NoteSequence <-> index arrays <-> encoder input tensors.

Follows Magenta's MusicVAE converters (``shared/reference/musicvae.md`` section 2). Every
representation uses 16 steps per bar in 4/4 (4 steps per quarter note). An index array has
shape ``[T, n_heads]`` (int64, T a whole number of bars); each decoder head predicts one column.

Over 700 lines on purpose: validation, quantisation and the three converters follow one set of
rules (listed below) and are read side by side with Magenta's converters, so they stay together
(the structure review of 2026-11-29 found the file cohesive). The clip windows at the end
(``split_windows``, ``join_windows``) are the part that could leave first. The converters added
for Magenta.js's other models live in their own modules and register here
(``segue.models.groove``, ``segue.models.rhythm``, ``segue.models.multitrack``).

==========  =======================  ======================  ============
kind        heads (output_depths)    encoder input           rest value
==========  =======================  ======================  ============
melody      (90,)                    one-hot 90              0 (NO_EVENT)
drums       (512,)                   9-bit roll + NOR = 10   0
trio        (90, 90, 512)            one-hots, 692           0, 0, 0
==========  =======================  ======================  ============

Melody indices: 0 = NO_EVENT (hold or rest), 1 = NOTE_OFF, 2.. = pitches from ``min_pitch``.
Drum indices: the sum of ``2**class`` over the classes hit on that step (bit 0 = kick).

Documented behaviours of ``to_indices``:

- **Meter.** Anything but 4/4 raises ``MeterError`` (2/2, 3/4, 6/8 ... are all refused).
- **Bad notes.** A negative or non-finite start, a non-positive duration, a pitch outside 0..127
  or a velocity outside 1..127 raises ``InputError`` naming the note and its track; so does a
  program outside 0..127 or a tempo that is not a positive number.
- **Quantization.** Times are rounded to the nearest 16th note (halves round up, as Magenta's
  ``quantize_cutoff=0.5``, with a 1e-6 step tolerance against float noise); a note whose start
  and end round to the same step lasts one step.
- **Clip length.** The clip starts at beat 0 (leading silence is kept). Its length is
  ``num_bars`` when given, otherwise the latest quantized note end over *all* tracks (so parts
  of one file line up) rounded up to a whole bar, at least one bar. Notes starting at or after
  the end are dropped and notes running past it are cut (both with a message). A clip longer
  than ``MAX_SEQUENCE_BARS`` raises ``ClipLengthError``.
- **Melody (monophonic reduction, as Magenta with ``ignore_polyphonic_notes``).** All eligible
  tracks are merged into one line. When notes start on the same step the highest pitch wins (the
  others count in ``dropped_polyphonic``); a new onset ends the sounding note (counted in a
  message); a note's end writes NOTE_OFF at its end step unless another onset is there, and a
  NOTE_OFF that would fall exactly on the clip's end is left out (the note lasts to the end).
  Notes outside ``min_pitch..max_pitch`` are dropped (``dropped_out_of_range``). Unlike Magenta's
  extractor the line is not split at silent bars or truncated at 100 bars.
- **Drums (union).** Only ``is_drum`` tracks; hits on one step are OR-ed together, durations are
  ignored. Pitches missing from the pitch table are dropped (``dropped_out_of_range``);
  ``dropped_polyphonic`` is always 0.
- **Trio.** Tracks are typed by program: 0-31 melody, 32-39 bass, ``is_drum`` drums; others are
  ignored with a message. A missing part leaves its head all rests, with a message.
- **Empty.** No usable notes for the representation (for trio: for all three parts) raises
  ``EmptyClipError`` saying what was looked for and what was found.

Windowing: ``split_windows`` cuts an index array into bar-aligned, non-overlapping windows of the
model's length, padding the last one with rests; clips over ``MAX_CLIP_BARS`` bars raise
``ClipLengthError``. ``join_windows`` puts them back together.
"""

from __future__ import annotations

import math
from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from segue.models.errors import ClipLengthError, EmptyClipError, InputError, MeterError
from segue.models.notes import Note, NoteSequence, Track

__all__ = [
    "DRUM_PITCH_TABLES",
    "MAX_CLIP_BARS",
    "MAX_SEQUENCE_BARS",
    "MELODY_FIRST_PITCH",
    "MELODY_NOTE_OFF",
    "MELODY_NO_EVENT",
    "N_DRUM_CLASSES",
    "STEPS_PER_BAR",
    "STEPS_PER_QUARTER",
    "ClipWindows",
    "DrumsRepresentation",
    "MelodyRepresentation",
    "Representation",
    "ToIndicesResult",
    "TrioRepresentation",
    "check_meter",
    "join_windows",
    "representation_from_dict",
    "split_windows",
    "validate_sequence",
]

STEPS_PER_QUARTER = 4
STEPS_PER_BAR = 16  # 4/4 only
MAX_CLIP_BARS = 64  # longest clip split_windows accepts (the model reads it window by window)
MAX_SEQUENCE_BARS = 4096  # sanity cap in to_indices, so a stray note at beat 1e9 cannot eat memory

MELODY_NO_EVENT = 0  # hold the sounding note, or rest
MELODY_NOTE_OFF = 1
MELODY_FIRST_PITCH = 2  # index of min_pitch

N_DRUM_CLASSES = 9
_DRUM_CLASS_NAMES = (
    "kick", "snare", "closed hi-hat", "open hi-hat", "low tom", "mid tom", "high tom", "crash",
    "ride",
)  # fmt: skip

# GM pitches of each drum class; the first pitch of each list is what from_indices writes.
DRUM_PITCH_TABLES: dict[str, tuple[tuple[int, ...], ...]] = {
    # note_seq after magenta a33262f5 (2019-04-24)
    "current": (
        (36, 35),
        (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
        (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22),
        (46, 67, 72, 74, 79, 81, 26),
        (45, 29, 41, 43, 61, 64, 84),
        (48, 47, 60, 63, 77, 86, 87),
        (50, 30, 62, 76, 83),
        (49, 52, 55, 57, 58),
        (51, 53, 59, 82),
    ),
    # before it, and still in Magenta.js: no 22 or 26, 43 is a high tom, 52 a ride
    "legacy": (
        (36, 35),
        (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85),
        (42, 44, 54, 68, 69, 70, 71, 73, 78, 80),
        (46, 67, 72, 74, 79, 81),
        (45, 29, 41, 61, 64, 84),
        (48, 47, 60, 63, 77, 86, 87),
        (50, 30, 43, 62, 76, 83),
        (49, 55, 57, 58),
        (51, 52, 53, 59, 82),
    ),
}

MELODY_PROGRAMS = (0, 31)
BASS_PROGRAMS = (32, 39)
BASS_OUTPUT_PROGRAM = 33


@dataclass
class ToIndicesResult:
    """What ``Representation.to_indices`` returns."""

    indices: NDArray[np.int64]  # [T, n_heads], T a multiple of STEPS_PER_BAR
    dropped_out_of_range: int = 0  # notes outside the pitch range / drum table
    dropped_polyphonic: int = 0  # notes losing a shared onset to a higher one
    messages: list[str] = field(default_factory=list)  # what was dropped or changed, for people

    @property
    def bars(self) -> int:
        return self.indices.shape[0] // STEPS_PER_BAR


# ---------------------------------------------------------------------------------------------
# Checks and quantization


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def check_meter(seq: NoteSequence) -> None:
    """Raises ``MeterError`` unless the sequence is in 4/4."""
    if (seq.numerator, seq.denominator) != (4, 4):
        raise MeterError(
            f"the clip is in {seq.numerator}/{seq.denominator}; Segue needs 4/4 "
            f"(every representation uses {STEPS_PER_BAR} steps per 4/4 bar)"
        )


def _check_note(note: Note, where: str) -> None:
    problem = None
    if not (math.isfinite(note.start) and note.start >= 0):
        problem = "its start is negative or not a number"
    elif not (math.isfinite(note.duration) and note.duration > 0):
        problem = "its duration is not positive"
    elif not (isinstance(note.pitch, int | np.integer) and 0 <= note.pitch <= 127):
        problem = "its pitch must be a whole number in 0..127"
    elif not (isinstance(note.velocity, int | np.integer) and 1 <= note.velocity <= 127):
        problem = "its velocity must be a whole number in 1..127"
    if problem:
        raise InputError(f"bad note {note} in {where}: {problem}")


def _track_label(i: int, track: Track) -> str:
    name = f" {track.name!r}" if track.name else ""
    kind = "drums" if track.is_drum else f"program {track.program}"
    return f"track {i}{name} ({kind})"


def validate_sequence(seq: NoteSequence) -> None:
    """Raises ``InputError`` for a bad tempo, program or note (named in the message)."""
    if not (math.isfinite(seq.qpm) and seq.qpm > 0):
        raise InputError(f"bad tempo {seq.qpm!r}: qpm must be a positive number")
    for i, track in enumerate(seq.tracks):
        if not 0 <= track.program <= 127:
            raise InputError(f"{_track_label(i, track)}: program must be in 0..127")
        for note in track.notes:
            _check_note(note, _track_label(i, track))


_HALF_STEP_TOLERANCE = 1e-6  # steps: float noise (29/96 + 127/96 = 1.62499..) must not flip a half


def _quantize(beats: NDArray[np.float64]) -> NDArray[np.int64]:
    """Beats -> nearest 16th-note step, halves (within ``_HALF_STEP_TOLERANCE``) rounding up."""
    return np.floor(beats * STEPS_PER_QUARTER + 0.5 + _HALF_STEP_TOLERANCE).astype(np.int64)


def _note_steps(notes: Sequence[Note]) -> tuple[NDArray[np.int64], NDArray[np.int64]]:
    """Quantized (start, end) steps; a note squashed to nothing lasts one step."""
    starts = _quantize(np.array([n.start for n in notes], dtype=np.float64))
    ends = _quantize(np.array([n.end for n in notes], dtype=np.float64))
    return starts, np.maximum(ends, starts + 1)


def _clip_steps(seq: NoteSequence, num_bars: int | None) -> int:
    """Length of the clip in steps: ``num_bars`` or the latest note end rounded up to a bar."""
    if num_bars is not None:
        if not isinstance(num_bars, int | np.integer) or num_bars < 1:
            raise ValueError(f"num_bars must be a positive whole number, got {num_bars!r}")
        bars = int(num_bars)
    else:
        notes = [n for t in seq.tracks for n in t.notes]
        last = int(_note_steps(notes)[1].max()) if notes else 0
        bars = max(1, -(-last // STEPS_PER_BAR))
    if bars > MAX_SEQUENCE_BARS:
        raise ClipLengthError(
            f"clip is {bars} bars; to_indices takes at most {MAX_SEQUENCE_BARS} bars"
        )
    return bars * STEPS_PER_BAR


# ---------------------------------------------------------------------------------------------
# Encoding one part


@dataclass
class _Part:
    """One encoded column plus what was lost on the way."""

    column: NDArray[np.int64]
    used: int = 0  # notes that made it into the column
    out_of_range: int = 0
    polyphonic: int = 0
    messages: list[str] = field(default_factory=list)


def _encode_line(notes: Sequence[Note], min_pitch: int, max_pitch: int, n_steps: int) -> _Part:
    """Monophonic melody column, Magenta's ``Melody.from_quantized_sequence`` rules."""
    kept = [n for n in notes if min_pitch <= n.pitch <= max_pitch]
    part = _Part(np.zeros(n_steps, np.int64), out_of_range=len(notes) - len(kept))
    if part.out_of_range:
        part.messages.append(
            f"dropped {_plural(part.out_of_range, 'note')} outside pitch range "
            f"{min_pitch}..{max_pitch}"
        )
    if not kept:
        return part
    starts, ends = _note_steps(kept)
    events = np.zeros(n_steps + 1, np.int64)  # one spare slot for a NOTE_OFF on the clip's end
    last_on, last_end = -1, -1
    shortened = beyond = cut = 0
    for i in sorted(range(len(kept)), key=lambda i: (starts[i], -kept[i].pitch)):
        s, e = int(starts[i]), min(int(ends[i]), n_steps)
        if s >= n_steps:
            beyond += 1
            continue
        if s == last_on:  # a higher note already starts here
            part.polyphonic += 1
            continue
        shortened += int(s < last_end)
        cut += int(ends[i] > n_steps)
        events[s] = kept[i].pitch - min_pitch + MELODY_FIRST_PITCH
        events[s + 1 :] = MELODY_NO_EVENT  # truncates whatever the earlier note left after s
        events[e] = MELODY_NOTE_OFF
        last_on, last_end = s, e
        part.used += 1
    part.column = events[:n_steps]
    if part.polyphonic:
        part.messages.append(
            f"dropped {_plural(part.polyphonic, 'note')} starting on the same step as a "
            "higher note (one line: the highest pitch wins)"
        )
    if shortened:
        part.messages.append(
            f"shortened {_plural(shortened, 'note')} still sounding when the next note started"
        )
    part.messages += _clip_end_messages(beyond, cut, n_steps)
    return part


def _clip_end_messages(beyond: int, cut: int, n_steps: int) -> list[str]:
    bars = f"{n_steps // STEPS_PER_BAR}-bar"
    out = []
    if beyond:
        out.append(f"dropped {_plural(beyond, 'note')} starting after the end of the {bars} clip")
    if cut:
        out.append(f"cut {_plural(cut, 'note')} at the end of the {bars} clip")
    return out


def _drum_lookup(table: tuple[tuple[int, ...], ...]) -> NDArray[np.int64]:
    """128-entry array: MIDI pitch -> drum class, -1 where unmapped."""
    lut = np.full(128, -1, np.int64)
    for cls, pitches in enumerate(table):
        lut[list(pitches)] = cls
    return lut


def _encode_drums(notes: Sequence[Note], table_name: str, n_steps: int) -> _Part:
    """Drum column: per step, the OR of ``1 << class`` over the hits (durations ignored)."""
    part = _Part(np.zeros(n_steps, np.int64))
    if not notes:
        return part
    classes = _drum_lookup(DRUM_PITCH_TABLES[table_name])[[n.pitch for n in notes]]
    steps = _note_steps(notes)[0]
    mapped = classes >= 0
    inside = steps < n_steps
    part.out_of_range = int((~mapped).sum())
    if part.out_of_range:
        unknown = sorted({n.pitch for n, m in zip(notes, mapped, strict=True) if not m})
        part.messages.append(
            f"dropped {_plural(part.out_of_range, 'drum hit')} with pitches not in the "
            f"{table_name} drum table: {unknown}"
        )
    use = mapped & inside
    np.bitwise_or.at(part.column, steps[use], np.left_shift(1, classes[use]))
    part.used = int(use.sum())
    part.messages += _clip_end_messages(int((mapped & ~inside).sum()), 0, n_steps)
    return part


# ---------------------------------------------------------------------------------------------
# Decoding one part


def _as_indices(indices: ArrayLike | torch.Tensor, depths: tuple[int, ...]) -> NDArray[np.int64]:
    """Checks an index array [T, heads] (or [T] for one head) and returns int64 numpy."""
    if isinstance(indices, torch.Tensor):
        indices = indices.detach().cpu().numpy()
    arr = np.asarray(indices)
    if arr.ndim == 1 and len(depths) == 1:
        arr = arr[:, None]
    if arr.ndim != 2 or arr.shape[1] != len(depths):
        raise ValueError(f"expected indices of shape [T, {len(depths)}], got {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"expected integer indices, got dtype {arr.dtype}")
    for head, depth in enumerate(depths):
        col = arr[:, head]
        if col.size and (col.min() < 0 or col.max() >= depth):
            raise ValueError(f"head {head}: indices must lie in 0..{depth - 1}")
    return arr.astype(np.int64)


def _decode_line(
    column: NDArray[np.int64], min_pitch: int, velocity: int, start_beat: float
) -> list[Note]:
    """A note lasts from its onset to the next NOTE_OFF, the next onset, or the end."""
    events = np.flatnonzero(column != MELODY_NO_EVENT)
    ends = np.append(events[1:], len(column))
    onset = column[events] >= MELODY_FIRST_PITCH
    return [
        Note(
            pitch=int(column[s]) - MELODY_FIRST_PITCH + min_pitch,
            start=start_beat + int(s) / STEPS_PER_QUARTER,
            duration=int(e - s) / STEPS_PER_QUARTER,
            velocity=velocity,
        )
        for s, e in zip(events[onset], ends[onset], strict=True)
    ]


def _decode_drums(
    column: NDArray[np.int64], table_name: str, velocity: int, start_beat: float
) -> list[Note]:
    """Each hit class becomes the first pitch of its list, one step long."""
    table = DRUM_PITCH_TABLES[table_name]
    steps, classes = np.nonzero((column[:, None] >> np.arange(N_DRUM_CLASSES)) & 1)
    return [
        Note(
            pitch=table[c][0],
            start=start_beat + int(s) / STEPS_PER_QUARTER,
            duration=1 / STEPS_PER_QUARTER,
            velocity=velocity,
        )
        for s, c in zip(steps, classes, strict=True)
    ]


# ---------------------------------------------------------------------------------------------
# Encoder inputs (torch, any leading dims)


def _check_input_indices(indices: torch.Tensor, depths: tuple[int, ...]) -> torch.Tensor:
    if not isinstance(indices, torch.Tensor):
        indices = torch.as_tensor(np.asarray(indices))
    if indices.dtype.is_floating_point or indices.dtype.is_complex or indices.dtype == torch.bool:
        raise ValueError(f"expected integer indices, got {indices.dtype}")
    if indices.ndim < 1 or indices.shape[-1] != len(depths):
        raise ValueError(f"expected indices of shape [..., T, {len(depths)}], got {indices.shape}")
    indices = indices.long()
    if indices.numel():
        top = torch.tensor(depths, device=indices.device)
        if bool(((indices < 0) | (indices >= top)).any()):
            raise ValueError(f"indices out of range for heads of depth {depths}")
    return indices


def _one_hot(indices: torch.Tensor, depth: int) -> torch.Tensor:
    return torch.nn.functional.one_hot(indices, depth).float()


def _drum_roll(indices: torch.Tensor) -> torch.Tensor:
    """[...] drum indices -> [..., 10]: the 9 class bits, then NOR (1 when nothing is hit)."""
    bits = torch.arange(N_DRUM_CLASSES, device=indices.device)
    roll = (indices.unsqueeze(-1) >> bits) & 1
    return torch.cat([roll, (indices == 0).long().unsqueeze(-1)], dim=-1).float()


# ---------------------------------------------------------------------------------------------
# Representations


class Representation(ABC):
    """Converts NoteSequences to index arrays ``[T, n_heads]`` and back, and indices to inputs."""

    kind: ClassVar[str]
    input_depth: int
    output_depths: tuple[int, ...]
    melodic_heads: tuple[int, ...] = ()  # heads using the melody encoding (NOTE_OFF aware)

    @property
    def n_heads(self) -> int:
        return len(self.output_depths)

    @abstractmethod
    def to_dict(self) -> dict[str, Any]:
        """JSON-able: ``kind`` plus the constructor arguments."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Representation) and self.to_dict() == other.to_dict()

    def __hash__(self) -> int:
        return hash(repr(self))

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v!r}" for k, v in self.to_dict().items() if k != "kind")
        return f"{type(self).__name__}({args})"

    def to_indices(self, seq: NoteSequence, num_bars: int | None = None) -> ToIndicesResult:
        """Quantizes ``seq`` to 16th notes and encodes it (see the module docstring).

        Args:
            seq: the clip, times in beats from its start.
            num_bars: force the clip length (a Live clip's length); default: the latest note end
                rounded up to a whole bar.

        Raises:
            MeterError: not 4/4.
            InputError: a bad note, program or tempo.
            EmptyClipError: nothing this representation can use.
            ClipLengthError: longer than ``MAX_SEQUENCE_BARS``.
        """
        check_meter(seq)
        validate_sequence(seq)
        return self._encode(seq, _clip_steps(seq, num_bars))

    @abstractmethod
    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult: ...

    def to_input(self, indices: torch.Tensor) -> torch.Tensor:
        """Encoder input: LongTensor [..., T, n_heads] -> FloatTensor [..., T, input_depth]."""
        return self._input(_check_input_indices(indices, self.output_depths))

    @abstractmethod
    def _input(self, indices: torch.Tensor) -> torch.Tensor: ...

    def from_indices(
        self,
        indices: ArrayLike | torch.Tensor,
        qpm: float = 120.0,
        velocity: int = 80,
        start_beat: float = 0.0,
    ) -> NoteSequence:
        """Index array [T, n_heads] (numpy or torch) -> NoteSequence in 4/4 at ``qpm``.

        Notes get ``velocity`` and are shifted by ``start_beat`` beats.
        """
        arr = _as_indices(indices, self.output_depths)
        if not (math.isfinite(qpm) and qpm > 0):
            raise ValueError(f"qpm must be a positive number, got {qpm!r}")
        if not 1 <= velocity <= 127:
            raise ValueError(f"velocity must be in 1..127, got {velocity!r}")
        if not (math.isfinite(start_beat) and start_beat >= 0):
            raise ValueError(f"start_beat must be >= 0, got {start_beat!r}")
        return NoteSequence(tracks=self._decode(arr, velocity, start_beat), qpm=qpm)

    @abstractmethod
    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]: ...


def _tracks_where(seq: NoteSequence, wanted: Any) -> tuple[list[Note], int]:
    """Notes of the tracks for which ``wanted(track)`` holds, and how many tracks that was."""
    tracks = [t for t in seq.tracks if wanted(t)]
    return [n for t in tracks for n in t.notes], len(tracks)


def _in_programs(programs: tuple[int, int]) -> Any:
    return lambda t: not t.is_drum and programs[0] <= t.program <= programs[1]


def _describe(seq: NoteSequence) -> str:
    if not seq.tracks:
        return "the clip has no tracks"
    return "the clip has " + ", ".join(
        f"{_track_label(i, t)} with {_plural(len(t.notes), 'note')}"
        for i, t in enumerate(seq.tracks)
    )


class MelodyRepresentation(Representation):
    """One monophonic line (Magenta's ``OneHotMelodyConverter``).

    Reads every non-drum track whose program lies in the inclusive ``programs`` range and merges
    all their notes into one line (highest pitch wins a shared onset, a new onset ends the
    sounding note). Drum tracks are always ignored. Output: program 0.
    """

    kind = "melody"
    melodic_heads = (0,)

    def __init__(
        self, min_pitch: int = 21, max_pitch: int = 108, programs: Sequence[int] = MELODY_PROGRAMS
    ) -> None:
        programs = tuple(int(p) for p in programs)
        if not 0 <= min_pitch <= max_pitch <= 127:
            raise ValueError(
                f"need 0 <= min_pitch <= max_pitch <= 127, got {min_pitch}, {max_pitch}"
            )
        if len(programs) != 2 or not 0 <= programs[0] <= programs[1] <= 127:
            raise ValueError(f"programs must be an inclusive range (lo, hi) in 0..127: {programs}")
        self.min_pitch, self.max_pitch, self.programs = min_pitch, max_pitch, programs
        self.input_depth = max_pitch - min_pitch + 1 + MELODY_FIRST_PITCH
        self.output_depths = (self.input_depth,)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "min_pitch": self.min_pitch,
            "max_pitch": self.max_pitch,
            "programs": list(self.programs),
        }

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        notes, n_tracks = _tracks_where(seq, _in_programs(self.programs))
        part = _encode_line(notes, self.min_pitch, self.max_pitch, n_steps)
        lo, hi = self.programs
        if not part.used:
            raise EmptyClipError(
                f"no melody notes: need non-drum notes with programs {lo}-{hi} in "
                f"{self.min_pitch}..{self.max_pitch} before the clip's end; {_describe(seq)}"
            )
        ignored = len(seq.tracks) - n_tracks
        messages = list(part.messages)
        if ignored:
            messages.insert(
                0, f"ignored {_plural(ignored, 'track')} (drums or programs outside {lo}-{hi})"
            )
        return ToIndicesResult(part.column[:, None], part.out_of_range, part.polyphonic, messages)

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        return _one_hot(indices[..., 0], self.input_depth)

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        notes = _decode_line(arr[:, 0], self.min_pitch, velocity, start_beat)
        return [Track(notes=notes, program=0, name="melody")]


def _check_table(pitch_table: str) -> None:
    if pitch_table not in DRUM_PITCH_TABLES:
        raise ValueError(f"pitch_table must be one of {sorted(DRUM_PITCH_TABLES)}: {pitch_table!r}")


class DrumsRepresentation(Representation):
    """Nine drum classes per step as a 512-way index (Magenta's ``DrumsConverter``, roll input).

    ``pitch_table="current"`` is note_seq's table; ``"legacy"`` is the pre-2019 one Magenta.js
    still uses (and the 2018 checkpoints were most likely trained with). ``input="one_hot"``
    reads the 512-way index as a one-hot instead of the roll (Magenta.js's DrumsOneHotConverter).
    """

    kind = "drums"
    output_depths = (2**N_DRUM_CLASSES,)

    def __init__(self, pitch_table: str = "current", input: str = "roll") -> None:
        _check_table(pitch_table)
        if input not in ("roll", "one_hot"):
            raise ValueError(f"drum input must be 'roll' or 'one_hot', got {input!r}")
        self.pitch_table, self.input = pitch_table, input
        self.input_depth = N_DRUM_CLASSES + 1 if input == "roll" else 2**N_DRUM_CLASSES

    def to_dict(self) -> dict[str, Any]:
        extra = {"input": self.input} if self.input != "roll" else {}
        return {"kind": self.kind, "pitch_table": self.pitch_table, **extra}

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        notes, n_tracks = _tracks_where(seq, lambda t: t.is_drum)
        part = _encode_drums(notes, self.pitch_table, n_steps)
        if not part.used:
            raise EmptyClipError(
                f"no drum notes: need drum-track notes with pitches in the {self.pitch_table} "
                f"drum table before the clip's end; {_describe(seq)}"
            )
        messages = list(part.messages)
        if len(seq.tracks) > n_tracks:
            messages.insert(0, f"ignored {_plural(len(seq.tracks) - n_tracks, 'non-drum track')}")
        return ToIndicesResult(part.column[:, None], part.out_of_range, 0, messages)

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        if self.input == "one_hot":
            return _one_hot(indices[..., 0], self.input_depth)
        return _drum_roll(indices[..., 0])

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        notes = _decode_drums(arr[:, 0], self.pitch_table, velocity, start_beat)
        return [Track(notes=notes, program=0, is_drum=True, name="drums")]


class TrioRepresentation(Representation):
    """Melody, bass and drums (Magenta's ``TrioConverter``): heads (90, 90, 512), input 692.

    Tracks are typed by program: 0-31 melody, 32-39 bass, ``is_drum`` drums; each typed group is
    merged (melody and bass into one monophonic line each, drums as a union). Output programs:
    melody 0, bass 33, drums on a drum track.
    """

    kind = "trio"
    melodic_heads = (0, 1)

    def __init__(self, pitch_table: str = "current") -> None:
        _check_table(pitch_table)
        self.pitch_table = pitch_table
        self._line = MelodyRepresentation()
        line = self._line.input_depth
        self.output_depths = (line, line, 2**N_DRUM_CLASSES)
        self.input_depth = sum(self.output_depths)

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "pitch_table": self.pitch_table}

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        lo, hi = self._line.min_pitch, self._line.max_pitch
        mel = _encode_line(_tracks_where(seq, _in_programs(MELODY_PROGRAMS))[0], lo, hi, n_steps)
        bass = _encode_line(_tracks_where(seq, _in_programs(BASS_PROGRAMS))[0], lo, hi, n_steps)
        drums = _encode_drums(_tracks_where(seq, lambda t: t.is_drum)[0], self.pitch_table, n_steps)
        parts = {"melody": mel, "bass": bass, "drums": drums}
        if not any(p.used for p in parts.values()):
            raise EmptyClipError(
                f"no trio notes: need melody (programs 0-31) or bass (32-39) notes in {lo}..{hi},"
                f" or drum hits in the {self.pitch_table} drum table; {_describe(seq)}"
            )
        messages = [
            f"track {i} {t.name!r} (program {t.program}) is neither melody (0-31), bass (32-39) "
            "nor drums; ignored"
            for i, t in enumerate(seq.tracks)
            if not t.is_drum and t.program > BASS_PROGRAMS[1]
        ]
        for name, part in parts.items():
            if not part.used:
                messages.append(f"no {name} notes; the {name} part is all rests")
            messages += [f"{name}: {m}" for m in part.messages]
        return ToIndicesResult(
            np.stack([mel.column, bass.column, drums.column], axis=1),
            sum(p.out_of_range for p in parts.values()),
            mel.polyphonic + bass.polyphonic,
            messages,
        )

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        mel, bass, drums = self.output_depths
        return torch.cat(
            [
                _one_hot(indices[..., 0], mel),
                _one_hot(indices[..., 1], bass),
                _one_hot(indices[..., 2], drums),
            ],
            dim=-1,
        )

    def _decode(self, arr: NDArray[np.int64], velocity: int, start_beat: float) -> list[Track]:
        lo = self._line.min_pitch
        return [
            Track(_decode_line(arr[:, 0], lo, velocity, start_beat), program=0, name="melody"),
            Track(
                _decode_line(arr[:, 1], lo, velocity, start_beat),
                program=BASS_OUTPUT_PROGRAM,
                name="bass",
            ),
            Track(
                _decode_drums(arr[:, 2], self.pitch_table, velocity, start_beat),
                is_drum=True,
                name="drums",
            ),
        ]


_KINDS: dict[str, type[Representation]] = {
    "melody": MelodyRepresentation,
    "drums": DrumsRepresentation,
    "trio": TrioRepresentation,
}


# Kinds defined in their own modules (each registers itself on import).
_MODULES = {"groove": "segue.models.groove", "melody_rhythm": "segue.models.rhythm",
            "melody_shape": "segue.models.rhythm", "trio_rhythm": "segue.models.rhythm",
            "multitrack": "segue.models.multitrack"}


def register_kind(cls: type[Representation]) -> type[Representation]:
    """Make ``representation_from_dict`` know a representation class (its ``kind``)."""
    _KINDS[cls.kind] = cls
    return cls


def representation_from_dict(d: dict[str, Any]) -> Representation:
    """Rebuilds a representation from ``to_dict()`` output (as stored in a checkpoint)."""
    args = dict(d)
    kind = args.pop("kind", None)
    if kind not in _KINDS and kind in _MODULES:
        import importlib

        importlib.import_module(_MODULES[kind])
    if kind not in _KINDS:
        raise ValueError(f"unknown representation kind {kind!r}; known: {sorted(set(_KINDS) | set(_MODULES))}")
    try:
        return _KINDS[kind](**args)
    except TypeError as e:
        raise ValueError(f"bad arguments for a {kind} representation {sorted(args)}: {e}") from e


# ---------------------------------------------------------------------------------------------
# Windowing


@dataclass
class ClipWindows:
    """A clip cut into model-sized windows (see ``split_windows``)."""

    windows: NDArray[np.int64]  # [W, window_bars * 16, heads] (float32 features for groove)
    clip_bars: int  # the clip's own length
    padded_bars: int  # rest bars added at the end to fill the last window
    messages: list[str] = field(default_factory=list)


def _note_sounding_at_end(column: NDArray[np.int64]) -> bool:
    events = np.flatnonzero(column != MELODY_NO_EVENT)
    return bool(events.size) and column[events[-1]] >= MELODY_FIRST_PITCH


def split_windows(
    indices: ArrayLike, window_bars: int, melodic_heads: Sequence[int] = ()
) -> ClipWindows:
    """Cuts ``indices`` [T, heads] into bar-aligned, non-overlapping windows of ``window_bars``.

    The last window is filled with rest bars (index 0 on every head). For the heads listed in
    ``melodic_heads`` (pass ``representation.melodic_heads``) a NOTE_OFF is written on the first
    padded step when a note is still sounding at the clip's end, so the padding stays silent;
    with the default ``()`` the padding is plain 0 everywhere.

    Raises:
        EmptyClipError: T is 0.
        ClipLengthError: more than ``MAX_CLIP_BARS`` bars.
        ValueError: T not a whole number of bars, or window_bars < 1.
    """
    arr = np.asarray(indices)
    if arr.ndim != 2 or arr.shape[0] % STEPS_PER_BAR:
        raise ValueError(f"expected indices [T, heads] with T a multiple of 16, got {arr.shape}")
    if not isinstance(window_bars, int | np.integer) or window_bars < 1:
        raise ValueError(f"window_bars must be a positive whole number, got {window_bars!r}")
    clip_bars = arr.shape[0] // STEPS_PER_BAR
    if clip_bars == 0:
        raise EmptyClipError("clip is 0 bars long")
    if clip_bars > MAX_CLIP_BARS:
        raise ClipLengthError(
            f"clip is {clip_bars} bars; the limit is {MAX_CLIP_BARS} bars "
            "(split it into shorter clips)"
        )
    n_windows = -(-clip_bars // window_bars)
    padded_bars = n_windows * window_bars - clip_bars
    dtype = np.float32 if np.issubdtype(arr.dtype, np.floating) else np.int64  # groove features stay float
    padded = np.zeros((n_windows * window_bars * STEPS_PER_BAR, arr.shape[1]), dtype)
    padded[: arr.shape[0]] = arr
    if padded_bars:
        for head in melodic_heads:
            if _note_sounding_at_end(arr[:, head]):
                padded[arr.shape[0], head] = MELODY_NOTE_OFF
    windows = padded.reshape(n_windows, window_bars * STEPS_PER_BAR, arr.shape[1])
    return ClipWindows(windows, clip_bars, padded_bars, _window_messages(clip_bars, window_bars))


def _window_messages(clip_bars: int, window_bars: int) -> list[str]:
    n_windows = -(-clip_bars // window_bars)
    padded_bars = n_windows * window_bars - clip_bars
    said = f"clip is {_plural(clip_bars, 'bar')}"
    if n_windows > 1:
        said += f"; split into {n_windows} windows of {_plural(window_bars, 'bar')}"
    if padded_bars:
        last = "the last window" if n_windows > 1 else f"the {window_bars}-bar window"
        said += f"; padded with {_plural(padded_bars, 'bar')} of rests to fill {last}"
    return [said] if n_windows > 1 or padded_bars else []


def join_windows(windows: ArrayLike, keep_bars: int | None = None) -> NDArray[np.int64]:
    """Concatenates windows [W, S, heads] into [W*S, heads], cut to ``keep_bars`` bars if given."""
    if isinstance(windows, torch.Tensor):
        windows = windows.detach().cpu().numpy()
    arr = np.asarray(windows)
    if arr.ndim != 3 or arr.shape[1] % STEPS_PER_BAR:
        raise ValueError(f"expected windows [W, S, heads] with S a multiple of 16, got {arr.shape}")
    joined = arr.reshape(-1, arr.shape[2])
    joined = joined.astype(np.float32 if np.issubdtype(joined.dtype, np.floating) else np.int64)
    if keep_bars is None:
        return joined
    total_bars = joined.shape[0] // STEPS_PER_BAR
    if not 0 <= keep_bars <= total_bars:
        raise ValueError(f"keep_bars must be in 0..{total_bars}, got {keep_bars}")
    return joined[: keep_bars * STEPS_PER_BAR]
