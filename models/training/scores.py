"""music21 scores -> 4/4 melody ``NoteSequence`` (``score_to_sequence``), for the corpus sources of
``segue.models.training.dataset``. music21 is imported inside the functions that use it.

The rules (``docs/data.md``): 4/4 and 2/2 are used as they are (one 4-beat bar); 2/4 is read as
duple (two 2/4 bars make one 4-beat bar); anything else, a meter change, or no meter skips the
piece (``SkipPiece``). Part 0; written repeats expanded; ties stripped; chords reduced to their top
note; grace notes, chord symbols and rests ignored. Measures are laid out one after the other; a
pickup is right-aligned so that the first full measure starts on a 4-beat line, and a full measure
that would start off its bar grid is moved to the next bar line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from segue.models.errors import InputError
from segue.models.notes import Note, NoteSequence, Track

__all__ = ["ScoreConversion", "SkipPiece", "score_to_sequence"]

_BEATS_PER_BAR = 4.0  # the 4-beat bar every representation uses (16 steps)
_EPS = 1e-6


class SkipPiece(InputError):
    """A piece that cannot be used; ``reason`` is one of ``dataset.SKIP_REASONS``."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"piece skipped: {reason}" + (f" ({detail})" if detail else ""))
        self.reason = reason


@dataclass
class ScoreConversion:
    """A music21 score turned into a 4/4 melody ``NoteSequence``, and what happened on the way."""

    seq: NoteSequence
    meter: str  # the written meter, e.g. "2/4"
    duple: bool  # 2/4 read as duple (two 2/4 bars per 4-beat bar)
    repeats_expanded: bool  # False: not asked, or music21 refused; used as written
    pickup: float  # quarter lengths of the pickup (anacrusis), 0 if none
    chords_reduced: int  # chords reduced to their top note
    realigned: int  # full measures moved to the next bar line (they started off the grid)


def _meter_of(part: Any) -> tuple[str, float]:
    """The single written meter and its bar length in beats; raises ``SkipPiece`` otherwise."""
    from music21 import meter

    sigs = list(part.recurse().getElementsByClass(meter.TimeSignature))
    if not sigs:
        raise SkipPiece("no meter")
    kinds = {(int(ts.numerator), int(ts.denominator)) for ts in sigs}
    if len(kinds) > 1:
        raise SkipPiece("meter change", ", ".join(f"{n}/{d}" for n, d in sorted(kinds)))
    ((num, den),) = kinds
    if (num, den) in ((4, 4), (2, 2)):
        return f"{num}/{den}", 4.0
    if (num, den) == (2, 4):
        return "2/4", 2.0
    raise SkipPiece("meter", f"{num}/{den}")


def _is_repeat(barline: Any, direction: str) -> bool:
    from music21 import bar

    return isinstance(barline, bar.Repeat) and barline.direction == direction


def _expand_repeats(part: Any) -> Any:
    """``part.expandRepeats()`` after giving every start-less end repeat its start.

    music21 sends an end repeat without a start back to the very beginning, so the B part of an
    AABB tune would replay A as well (A A B A A B). Folk notation means "back to the previous
    end repeat": a start repeat is set on the first measure after the previous end repeat (after
    any first/second-ending brackets there). Raises whatever music21 raises.
    """
    from music21 import bar, repeat, spanner, stream

    measures = list(part.getElementsByClass(stream.Measure))
    if not any(
        isinstance(b, bar.Repeat) for m in measures for b in (m.leftBarline, m.rightBarline)
    ):
        return part
    bracketed = {
        id(m)
        for sp in part.spanners
        if isinstance(sp, spanner.RepeatBracket)
        for m in sp.getSpannedElements()
    }
    section_start, has_start = 0, False

    def close(last: int) -> None:  # an end repeat after measure ``last``
        nonlocal section_start, has_start
        if not has_start:
            j = section_start
            while j < last and id(measures[j]) in bracketed:
                j += 1
            if j > 0:
                measures[j].leftBarline = bar.Repeat(direction="start")
        section_start, has_start = last + 1, False

    for i, m in enumerate(measures):
        if _is_repeat(m.leftBarline, "end") and i > 0:
            close(i - 1)
        if _is_repeat(m.leftBarline, "start"):
            has_start = True
        if _is_repeat(m.rightBarline, "end"):
            close(i)
    # deepcopy=False: the parsed tune is ours and thrown away; repeated sections are still copied
    return repeat.Expander(part).process(deepcopy=False)


def _measure_notes(m: Any) -> tuple[list[tuple[float, float, int]], int]:
    """(offset in the measure, quarter length, MIDI pitch) of each note, and chords reduced."""
    from music21 import chord, harmony, note

    out, chords = [], 0
    for el in m.recurse().notes:
        if isinstance(el, harmony.Harmony) or el.duration.isGrace:
            continue
        ql = float(el.duration.quarterLength)
        if ql <= 0:
            continue
        if isinstance(el, chord.Chord):
            pitches = {int(p.midi) for p in el.pitches}
            if not pitches:
                continue
            chords += len(pitches) > 1
            pitch = max(pitches)
        elif isinstance(el, note.Note):
            pitch = int(el.pitch.midi)
        else:  # unpitched percussion
            continue
        if 0 <= pitch <= 127:
            out.append((float(el.getOffsetInHierarchy(m)), ql, pitch))
    return out, chords


def _on_grid(x: float, grid: float) -> bool:
    r = x % grid
    return r < _EPS or grid - r < _EPS


_PLAIN_BARLINES = ("regular", "dotted", "dashed", "tick", "short", "none")


def _section_line(barline: Any) -> bool:
    """A repeat sign, double or final bar line: the end or start of a section."""
    return barline is not None and getattr(barline, "type", "regular") not in _PLAIN_BARLINES


def _layout(measures: Sequence[Any], lengths: Sequence[float], bar: float) -> tuple[list[float | None], float, int]:
    """Start beat of each measure (None when empty), the pickup length and measures realigned.

    Measures are laid end to end. A full measure starting off the ``bar`` grid moves to the next
    bar line. A partial measure is left-aligned (a tail or a short ending) unless it is a pickup:
    it starts on a bar line, a full measure follows, and it is the first measure with notes or
    opens a section (a section bar line before it, none after it); a pickup is right-aligned so
    that the full measure after it starts on a bar line (at the start of the tune: on beat 4, the
    pickup at the end of a padding bar).
    """
    starts: list[float | None] = [None] * len(lengths)
    nonempty = [i for i, d in enumerate(lengths) if d > _EPS]
    cursor, pickup, realigned = 0.0, 0.0, 0
    for k, i in enumerate(nonempty):
        d = lengths[i]
        if d >= bar - _EPS:  # a full (or overfull) measure
            if not _on_grid(cursor, bar):
                cursor += bar - cursor % bar
                realigned += 1
            start = cursor
        else:
            m = measures[i]
            following_full = k + 1 < len(nonempty) and lengths[nonempty[k + 1]] >= bar - _EPS
            opens_section = not _section_line(getattr(m, "rightBarline", None)) and (
                _section_line(getattr(m, "leftBarline", None))
                or _section_line(getattr(measures[nonempty[k - 1]], "rightBarline", None))
            )
            if k == 0 and following_full:
                pickup, start = d, _BEATS_PER_BAR - d
            elif following_full and opens_section and _on_grid(cursor, bar):
                start = cursor + bar - d
            else:
                start = cursor
        starts[i] = start
        cursor = start + d
    return starts, pickup, realigned


def score_to_sequence(score: Any, expand_repeats: bool = True) -> ScoreConversion:
    """A music21 ``Score`` (or a ``Part``/``Stream`` with measures) -> 4/4 melody ``NoteSequence``.

    Part 0 (the stream itself when it has no parts); repeats expanded (see ``_expand_repeats``);
    ties stripped; chords -> top note; grace notes, chord symbols and rests ignored; measures laid
    out by ``_layout`` (pickups right-aligned, drifting full measures moved to the next bar line).
    For 2/4 the bar grid is 2 beats and the first full measure starts on a 4-beat line.

    Raises:
        SkipPiece: its ``reason`` is "meter", "meter change", "no meter" or "empty".
    """
    from music21 import stream

    parts = list(getattr(score, "parts", []))
    part = parts[0] if parts else score
    meter, bar = _meter_of(part)
    expanded = False
    if expand_repeats:
        try:
            part, expanded = _expand_repeats(part), True
        except Exception:  # music21 raises several kinds for repeats it cannot follow
            pass
    measures = list(part.getElementsByClass(stream.Measure))
    if measures:
        lengths = [float(m.duration.quarterLength) for m in measures]  # before stripTies grows notes
    else:
        measures, lengths = [part], [float(part.highestTime)]
    part.stripTies(inPlace=True)  # the stream is ours: parsed for this build, or an expanded copy
    starts, pickup, realigned = _layout(measures, lengths, bar)

    notes: list[Note] = []
    chords = 0
    for m, start in zip(measures, starts):
        if start is None:
            continue
        found, n_chords = _measure_notes(m)
        chords += n_chords
        notes += [Note(p, start + off, ql) for off, ql, p in found]
    if not notes:
        raise SkipPiece("empty")
    notes.sort(key=lambda n: (n.start, -n.pitch))
    seq = NoteSequence(tracks=[Track(notes=notes, program=0, name="melody")])
    return ScoreConversion(seq, meter, bar == 2.0, expanded, pickup, chords, realigned)
