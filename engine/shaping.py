"""Output shaping: what the engine does to a decoded bar before sending it to the DAW.

Pure functions on lists of :class:`~segue.models.notes.Note`; nothing here touches a model or a
socket. A bar's note starts are in beats from the bar start (4/4: 4 beats, 16 steps of a 16th
note, 0.25 beat each). The knobs live in a frozen :class:`Shape`; the source clip's feel lives in
a :class:`Groove`. :func:`shape_bar` applies, in this order:

1. octave transposition,
2. scale snap (:func:`snap`),
3. folding by octaves into the output range and into MIDI 0..127 (:func:`fold_into_range`),
4. groove: micro-timing and velocity of the source clip, blended by ``shape.groove``,
5. a fixed velocity when ``shape.velocity > 0``,

then merges notes that collide (same pitch, same start: the longer one is kept) and trims
overlapping same-pitch notes so that no note-on lands inside a sounding note of the same pitch.
Inputs are never mutated; new ``Note`` objects are returned.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass, fields, replace
from typing import Any

from segue.bridge.addresses import LIVE_SCALES, SCALES
from segue.models.notes import Note

STEPS_PER_BEAT = 4
STEPS_PER_BAR = 16  # 4/4 only, as every representation
MAX_GROOVE_OFFSET = 0.5 / STEPS_PER_BEAT  # half a 16th: 0.125 beat
MIN_DURATION = 1 / 32  # beats; no shaped note is shorter
_GRID_EPS = 1e-6  # how close to a 16th a start must be to count as "on the step"


def scale_name(name: str) -> str:
    """Our name for a scale given by our name or by Live's; ValueError listing ours otherwise."""
    if isinstance(name, str):
        if name in SCALES:
            return name
        if name in LIVE_SCALES:
            return LIVE_SCALES[name]
    raise ValueError(f"scale must be one of {', '.join(SCALES)} (or one of Live's names: "
                     f"{', '.join(LIVE_SCALES)}), got {name!r}")


def _check_root(root: int) -> None:
    if not -1 <= root <= 11:
        raise ValueError(f"scale root must be a pitch class 0..11, or -1 for no snapping; got {root!r}")


def in_scale(pitch: int, root: int, scale: str) -> bool:
    """Whether ``pitch`` belongs to the scale (always true for chromatic or root -1)."""
    _check_root(root)
    scale = scale_name(scale)
    return root < 0 or (pitch - root) % 12 in SCALES[scale]


def snap(pitch: int, root: int, scale: str) -> int:
    """The scale pitch nearest to ``pitch``; unchanged for ``chromatic`` or ``root == -1``.

    Ties (a pitch exactly between two scale pitches, e.g. C# between C and D in C major) go
    *down*. A ``pitch`` inside MIDI 0..127 snaps inside it: at the edges, the other neighbour is
    taken even if it is farther. Pitches outside 0..127 (an octave-transposed note, before
    folding) snap on the plain integer line.
    """
    _check_root(root)
    intervals = SCALES[scale_name(scale)]
    if root < 0 or len(intervals) == 12:
        return pitch
    down = pitch
    while (down - root) % 12 not in intervals:
        down -= 1
    up = pitch
    while (up - root) % 12 not in intervals:
        up += 1
    if 0 <= pitch <= 127:
        if down < 0:
            return up
        if up > 127:
            return down
    return down if pitch - down <= up - pitch else up


def fold_into_range(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by as few whole octaves as it takes into ``[low, high]`` (as is if inside).

    The pitch class is kept whenever some octave of it fits. When the range is narrower than an
    octave and none does, the result is clamped to the bound nearest to the pitch's closest
    octaves (the one just below ``low`` and the one just above ``high``), so it stays as close
    as it can to its pitch class; ties go to ``low``. ValueError if ``low > high``.
    """
    if low > high:
        raise ValueError(f"range low ({low}) must not be above range high ({high})")
    if low <= pitch <= high:
        return pitch
    if pitch < low:
        up = low + (pitch - low) % 12  # the lowest octave of pitch at or above low
        if up <= high:
            return up
    else:
        down = high - (high - pitch) % 12  # the highest octave of pitch at or below high
        if down >= low:
            return down
    above = low + (pitch - low) % 12  # no octave fits: the ones just above high and just below low
    below = above - 12
    return low if low - below <= above - high else high


def _nearest_in_scale_within(pitch: int, low: int, high: int, root: int, scale: str) -> int | None:
    """The in-scale pitch of [low, high] nearest to ``pitch`` (ties down), or None if none."""
    candidates = [p for p in range(low, high + 1) if in_scale(p, root, scale)]
    if not candidates:
        return None
    return min(candidates, key=lambda p: (abs(p - pitch), p))


@dataclass(frozen=True)
class Groove:
    """A source clip's feel, per 16th-note position of the clip.

    ``steps[i]`` is ``(offset, velocity)`` for the clip's step ``i``: the micro-timing offset in
    beats (within [-0.125, 0.125)) and the velocity of the note(s) starting there, or None where
    no note starts. ``average_velocity`` is the fallback for positions without a note (None for
    a clip without notes).
    """

    steps: tuple[tuple[float, int] | None, ...]
    average_velocity: int | None

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a groove needs at least one step")

    @property
    def length_steps(self) -> int:
        return len(self.steps)

    @classmethod
    def from_notes(cls, notes: Iterable[Note], length_beats: float) -> Groove:
        """Extract the groove of a clip ``length_beats`` long.

        A note belongs to step ``round(start * 4)`` (halves round up, so offsets lie in
        [-0.125, 0.125)); steps wrap modulo the clip's length, so a note played a little early
        before the loop point is a pushed downbeat. Several notes on one step (a chord, or a
        note per loop pass) give the mean offset and the rounded mean velocity.
        """
        if not length_beats > 0 or not math.isfinite(length_beats):
            raise ValueError(f"groove clip length must be a positive number of beats, got {length_beats!r}")
        length_steps = max(1, round(length_beats * STEPS_PER_BEAT))
        offsets: list[list[float]] = [[] for _ in range(length_steps)]
        velocities: list[list[int]] = [[] for _ in range(length_steps)]
        all_velocities: list[int] = []
        for note in notes:
            step = math.floor(note.start * STEPS_PER_BEAT + 0.5)
            offset = note.start - step / STEPS_PER_BEAT
            offset = min(max(offset, -MAX_GROOVE_OFFSET), MAX_GROOVE_OFFSET)
            offsets[step % length_steps].append(offset)
            velocities[step % length_steps].append(note.velocity)
            all_velocities.append(note.velocity)
        steps = tuple(
            (sum(o) / len(o), round(sum(v) / len(v))) if o else None
            for o, v in zip(offsets, velocities, strict=True)
        )
        average = round(sum(all_velocities) / len(all_velocities)) if all_velocities else None
        return cls(steps, average)

    def at(self, bar_index: int, step_in_bar: int) -> tuple[float, int] | None:
        """``(offset, velocity)`` of the source at this position of the output, or None.

        The position is looked up modulo the source's length: a 1-bar groove applies to every
        bar, a 4-bar groove cycles over 4 bars.
        """
        return self.steps[(bar_index * STEPS_PER_BAR + step_in_bar) % self.length_steps]


@dataclass(frozen=True)
class Dynamics:
    """A source clip's velocities by position: a generated note takes the velocity of the clip's
    note nearest to it in time (the clip looping), so the clip's dynamics survive decoding (the
    model itself writes one velocity for every note)."""

    starts: tuple[float, ...]  # the clip's note starts, in beats, sorted
    velocities: tuple[int, ...]
    length: float  # the clip's length in beats

    @classmethod
    def from_notes(cls, notes: Iterable[Note], length_beats: float) -> Dynamics | None:
        pairs = sorted((n.start % length_beats, n.velocity) for n in notes) if length_beats > 0 else []
        if not pairs:
            return None
        return cls(tuple(p for p, _ in pairs), tuple(v for _, v in pairs), float(length_beats))

    def velocity_at(self, beat: float) -> int:
        """The velocity of the note nearest ``beat`` (beats from the clip's start, any multiple of
        its length), ties to the earlier note."""
        t = beat % self.length
        k = bisect.bisect_left(self.starts, t)
        candidates = [(k - 1) % len(self.starts), k % len(self.starts)]

        def distance(i: int) -> float:
            d = abs(self.starts[i] - t)
            return min(d, self.length - d)

        return self.velocities[min(candidates, key=lambda i: (distance(i), self.starts[i] > t))]

    def apply(self, notes: Iterable[Note], offset: float = 0.0) -> list[Note]:
        """``notes`` (starts in beats from ``offset`` beats into the clip) with the clip's velocities."""
        return [Note(n.pitch, n.start, n.duration, self.velocity_at(offset + n.start)) for n in notes]


def _int_knob(name: str, value: Any, low: int, high: int, note: str = "") -> int:
    integral = isinstance(value, int) or (isinstance(value, float) and value.is_integer())
    if isinstance(value, bool) or not integral or not low <= value <= high:
        raise ValueError(f"{name} must be an integer in {low}..{high}{note}, got {value!r}")
    return int(value)


@dataclass(frozen=True)
class Shape:
    """The output-shaping knobs. Constructing one validates it (see :meth:`with_knob`)."""

    scale_root: int = -1  # pitch class 0..11 of the root; -1 = no snapping
    scale: str = "major"  # a name in SCALES (Live's names are accepted and translated)
    velocity: int = 0  # 0 = keep (model/groove velocity), else every note gets this velocity (1..127)
    groove: float = 0.0  # 0..1: how much of the source clip's groove to apply
    octave: int = 0  # -4..4 octaves of transposition
    range_low: int = 0  # output pitch range; notes outside fold by octaves into it
    range_high: int = 127  # (the two may be set in either order: the range lies between them)

    def __post_init__(self) -> None:
        for f in fields(self):
            object.__setattr__(self, f.name, _check_knob(f.name, getattr(self, f.name)))

    def with_knob(self, name: str, value: Any) -> Shape:
        """A copy with one knob changed. ValueError names the knob and its range (or the
        scale names) for an unknown knob or a value out of range; integer knobs accept
        integral floats (as OSC clients may send them)."""
        if name not in KNOB_NAMES:
            raise ValueError(f"unknown shaping knob {name!r}; knobs are {', '.join(KNOB_NAMES)}")
        return replace(self, **{name: value})

    @property
    def pitch_range(self) -> tuple[int, int]:
        """The output range, ordered and within MIDI 0..127."""
        return min(self.range_low, self.range_high), max(self.range_low, self.range_high)


KNOB_NAMES: tuple[str, ...] = ("velocity", "groove", "octave", "range_low", "range_high", "scale_root", "scale")


def _check_knob(name: str, value: Any) -> Any:
    if name == "velocity":
        return _int_knob(name, value, 0, 127, " (0 = keep the model's/groove's velocity)")
    if name == "groove":
        if isinstance(value, bool) or not isinstance(value, int | float) or not 0.0 <= value <= 1.0:
            raise ValueError(f"groove must be a number in 0..1, got {value!r}")
        return float(value)
    if name == "octave":
        return _int_knob(name, value, -4, 4)
    if name in ("range_low", "range_high"):
        return _int_knob(name, value, 0, 127)
    if name == "scale_root":
        return _int_knob(name, value, -1, 11, " (-1 = no snapping)")
    if name == "scale":
        return scale_name(value)
    raise ValueError(f"unknown shaping knob {name!r}; knobs are {', '.join(KNOB_NAMES)}")


def _shape_pitch(pitch: int, shape: Shape) -> int:
    low, high = shape.pitch_range
    pitch = snap(pitch + 12 * shape.octave, shape.scale_root, shape.scale)
    folded = fold_into_range(pitch, low, high)
    if not in_scale(folded, shape.scale_root, shape.scale):
        # Only when the range is narrower than an octave and none of the snapped pitch's fits:
        # rather than a clamped bound outside the scale, the nearest scale pitch in the range.
        nearest = _nearest_in_scale_within(folded, low, high, shape.scale_root, shape.scale)
        if nearest is not None:
            folded = nearest
    return folded


def _apply_groove(note: Note, amount: float, groove: Groove, bar_index: int) -> Note:
    step = round(note.start * STEPS_PER_BEAT)
    if abs(note.start * STEPS_PER_BEAT - step) > _GRID_EPS:
        return note  # off the 16th grid: the groove has nothing to say about it
    source = groove.at(bar_index, step)
    if source is not None:
        offset, source_velocity = source
    else:
        offset, source_velocity = 0.0, groove.average_velocity
    velocity = note.velocity
    if source_velocity is not None:
        velocity = min(127, max(1, round((1 - amount) * note.velocity + amount * source_velocity)))
    start = max(0.0, note.start + amount * offset)
    duration = note.duration
    if start != note.start:
        duration = max(note.end - start, MIN_DURATION)
    return Note(note.pitch, start, duration, velocity)


def _longer(a: Note, b: Note) -> Note:
    return a if (a.duration, a.velocity) >= (b.duration, b.velocity) else b


def resolve_collisions(notes: Iterable[Note]) -> list[Note]:
    """Notes sorted by (start, pitch) with no two note-ons of a pitch inside each other.

    Same pitch and same start: merged, the longer kept (then the louder). Same pitch,
    overlapping: the earlier is trimmed to end where the later starts. Starts closer than
    ``MIN_DURATION`` count as the same start, so a trimmed note is never shorter than that.
    """
    by_pitch: dict[int, list[Note]] = {}
    for note in sorted(notes, key=lambda n: (n.pitch, n.start)):
        kept = by_pitch.setdefault(note.pitch, [])
        if kept and note.start - kept[-1].start < MIN_DURATION:
            kept[-1] = _longer(kept[-1], note)
            continue
        if kept and kept[-1].end > note.start:
            prev = kept[-1]
            kept[-1] = Note(prev.pitch, prev.start, note.start - prev.start, prev.velocity)
        kept.append(note)
    return sorted((n for kept in by_pitch.values() for n in kept), key=lambda n: (n.start, n.pitch))


def shape_bar(notes: Iterable[Note], shape: Shape, groove: Groove | None = None, bar_index: int = 0) -> list[Note]:
    """Shape one generated bar (starts in beats from the bar start); see the module docstring.

    ``bar_index`` is the bar's index in the output stream, used to cycle a multi-bar groove.
    The groove step moves a note's start by ``shape.groove * offset`` (never below 0) and keeps
    its end where it was, but never makes it shorter than 1/32 beat; velocity becomes
    ``round((1 - g) * v + g * v_source)``, with the source's average velocity where the source
    has no note at that position. Notes off the 16th grid get no groove.
    """
    out: list[Note] = []
    for note in notes:
        shaped = Note(_shape_pitch(note.pitch, shape), note.start, note.duration, note.velocity)
        if groove is not None and shape.groove > 0:
            shaped = _apply_groove(shaped, shape.groove, groove, bar_index)
        if shape.velocity > 0:
            shaped = Note(shaped.pitch, shaped.start, shaped.duration, shape.velocity)
        out.append(shaped)
    return resolve_collisions(out)
