"""Training data: MIDI folders or music21's bundled corpus -> de-duplicated windows on disk.

``build_dataset(SOURCE, OUT)`` reads every piece of SOURCE, turns it into a ``NoteSequence`` in
4/4, encodes it with each representation, cuts bar-aligned windows (2, 4 and 16 bars by default,
hop one bar), splits by piece into train / valid / test, transposes the training pieces,
de-duplicates and stores one ``.npy`` per (representation, window length, split). The rules are
written out in ``docs/data.md``; in short:

- **SOURCE** is a folder of MIDI files (``*.mid``/``*.midi``, recursive) or
  ``music21:COLL[,COLL...]``, collections of music21's bundled corpus by folder name.
- **Meter.** 4/4 and 2/2 are used as they are (one 4-beat bar); 2/4 is read as duple (two 2/4
  bars make one 4-beat bar). Anything else, a meter change, or no meter skips the piece.
- **Corpus tunes.** Part 0; written repeats expanded (``expandRepeats``; when music21 refuses,
  the tune is used unexpanded and counted); ties stripped; chords reduced to their top note
  (counted); grace notes, chord symbols and rests ignored. Measures are laid out one after the
  other; a pickup is right-aligned so that the first full measure starts on a 4-beat line, and a
  full measure that would start off its bar grid (an unexpanded first ending, a short bar) is
  moved to the next bar line (counted as realigned).
- **Windows** start on every bar (hop one bar) and need at least ``MIN_ONSETS`` note onsets.
- **Splits** by piece, from a SHA-1 hash of the piece id (and the seed).
- **Transposition** (train only) by every shift in ``-transpose..+transpose`` semitones, or with
  ``transpose="all"`` through all 12 keys and every octave that keeps the piece inside
  ``REGISTER`` (E1..C7 by default).
- **De-duplication** within each split; a valid window found in train, or a test window found in
  train or valid, is dropped (leakage).

``load_windows(data_dir, kind, bars, split)`` opens one stored array (memory-mapped).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import multiprocessing
import time
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from segue.models.configs import MELODY
from segue.models.errors import ClipLengthError, EmptyClipError, InputError, MeterError, SegueError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import (
    MELODY_FIRST_PITCH,
    STEPS_PER_BAR,
    Representation,
    representation_from_dict,
)

__all__ = [
    "CORPUS_LICENCES",
    "DEFAULT_REPRESENTATIONS",
    "FOLK_COLLECTIONS",
    "FOLK_WITH_ESSEN",
    "EXTRA_PD_PIECES",
    "MELODY_SOURCES",
    "REGISTER",
    "TRANSPOSE_ALL",
    "FORMAT_VERSION",
    "MIN_ONSETS",
    "SKIP_REASONS",
    "SPLITS",
    "BuildSummary",
    "CorpusLicence",
    "ScoreConversion",
    "SkipPiece",
    "WindowCounts",
    "build_dataset",
    "load_windows",
    "score_to_sequence",
    "split_of",
    "window_onsets",
    "windows_path",
]

FORMAT_VERSION = 1
SPLITS = ("train", "valid", "test")
MIN_ONSETS = 2  # a window needs at least this many note onsets (drum steps with a hit count too)
SKIP_REASONS = ("meter", "meter change", "no meter", "parse error", "empty", "too short", "too long")
DEFAULT_REPRESENTATIONS: dict[str, dict[str, Any]] = {"melody": MELODY}
CORPUS_PREFIX = "music21:"
MIDI_SUFFIXES = (".mid", ".midi")
CORPUS_SUFFIXES = (".abc", ".xml", ".mxl", ".musicxml", ".krn")

REGISTER = (28, 96)  # transpose="all": shifts that keep every note within E1..C7
TRANSPOSE_ALL = "all"
_BEATS_PER_BAR = 4.0  # the 4-beat bar every representation uses (16 steps)
_EPS = 1e-6
_COMPACT_ROWS = 200_000  # de-duplicate an accumulating split once it holds this many windows


# ---------------------------------------------------------------------------------------------
# Licences


@dataclass(frozen=True)
class CorpusLicence:
    commercial_ok: bool
    note: str


_SEE_LICENCE = (
    "No licence file in the folder; music21's corpus/license.txt says each work is out of "
    "copyright in the US or licensed for use, and that some encodings carry restrictions "
    "(none is stated for this collection)."
)

CORPUS_LICENCES: dict[str, CorpusLicence] = {
    "oneills1850": CorpusLicence(
        True,
        "Tunes from O'Neill's Music of Ireland (Chicago, 1903), out of copyright in the US; "
        "ABC transcriptions by volunteers named in the files (Z: lines). " + _SEE_LICENCE,
    ),
    "ryansMammoth": CorpusLicence(
        True,
        "Tunes from Ryan's Mammoth Collection of Fiddle Tunes (Boston, 1883), out of copyright "
        "in the US; ABC by contributors named in the files (Z: lines). " + _SEE_LICENCE,
    ),
    "airdsAirs": CorpusLicence(
        True,
        "Tunes from James Aird's Selection of Scotch, English, Irish and Foreign Airs "
        "(Glasgow, 1778-1803), out of copyright; ABC by Jack Campin (2009). " + _SEE_LICENCE,
    ),
    "miscFolk": CorpusLicence(
        True,
        "Colonial and Civil War American fife tunes and Bruce & Stokoe's Northumbrian "
        "Minstrelsy (1882), out of copyright; ABC by Jack Campin. " + _SEE_LICENCE,
    ),
    "nottingham-dataset": CorpusLicence(
        True,
        "Two tunes (X:80, X:81) from the Nottingham Music Database (traditional tunes, ABC). "
        + _SEE_LICENCE,
    ),
    "leadSheet/fosterBrownHair.mxl": CorpusLicence(
        True, "Stephen Foster, Jeanie with the Light Brown Hair (1854); the file's rights line says "
        "'Public Domain'.",
    ),
    "liliuokalani/aloha_oe.mxl": CorpusLicence(
        True, "Liliuokalani, Aloha Oe (1884): 'Now, Public Domain; Encoding by MSAC, CC0' (rights line).",
    ),
    "lusitano/allor_che_ignuda.mxl": CorpusLicence(
        True, "Vicente Lusitano (16th c.); 'Copyright 2022 Michael Scott Asato Cuthbert: released as "
        "CC0/Public Domain' (rights line).",
    ),
    "joplin/maple_leaf_rag.mxl": CorpusLicence(
        True, "Scott Joplin, Maple Leaf Rag (1899), out of copyright; no restriction stated in the file. "
        + _SEE_LICENCE,
    ),
    "mozart/k545": CorpusLicence(
        True, "Mozart, piano sonata K. 545 (1788), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "cpebach/h186.mxl": CorpusLicence(
        True, "C. P. E. Bach, H. 186, out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "corelli/opus3no1": CorpusLicence(
        True, "Corelli, trio sonata op. 3 no. 1 (1689); encoding '(c) 2014, Creative Commons License "
        "(CC-BY)': credit the encoders when redistributing the data (the model card does).",
    ),
    "schumann_robert/dichterliebe_no2.xml": CorpusLicence(
        True, "Robert Schumann, Dichterliebe no. 2 (1840), out of copyright; no restriction stated. "
        + _SEE_LICENCE,
    ),
    "schumann_robert/opus48no2.mxl": CorpusLicence(
        True, "Robert Schumann, op. 48 no. 2 (1840), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "handel/rinaldo": CorpusLicence(
        True, "Handel, Rinaldo (1711), out of copyright; no restriction stated. " + _SEE_LICENCE,
    ),
    "weber/concertino_clarinet.mxl": CorpusLicence(
        True, "Weber, Clarinet Concertino (1811); 'Released to Public Domain in 1998' (rights line).",
    ),
    "essenFolksong": CorpusLicence(
        False,
        "NON-COMMERCIAL ONLY: corpus/essenFolksong/license.txt says the legal status of the "
        "Essen database is unclear and that Ewa Dahlig-Turek gave 'permission for "
        "non-commercial distribution and use of these files in music21'; ABC by Seymour Schlien.",
    ),
}
_UNKNOWN_LICENCE = CorpusLicence(
    False,
    "Not reviewed by Segue: read music21's corpus/license.txt and the licences embedded in the "
    "files before any commercial use.",
)

FOLK_COLLECTIONS = ("oneills1850", "ryansMammoth", "airdsAirs", "miscFolk", "nottingham-dataset")
FOLK_WITH_ESSEN = FOLK_COLLECTIONS + ("essenFolksong",)
# Songs and pieces beyond fiddle tunes whose encodings say they are free to use (single files of
# the corpus, named collection/file). Kept out on purpose: bach (the chorales), essenFolksong, and
# every string quartet (beethoven, haydn, mozart's quartets, schumann_robert/opus41): they are how
# Segue tests generalisation. Also out: palestrina (John Miller's licence reserves derivative
# formats), monteverdi (Ut Orpheus copyright), josquin (GPL encodings), trecento (edition copyright).
EXTRA_PD_PIECES = (
    "leadSheet/fosterBrownHair.mxl",
    "liliuokalani/aloha_oe.mxl",
    "lusitano/allor_che_ignuda.mxl",
    "joplin/maple_leaf_rag.mxl",
    "mozart/k545",
    "cpebach/h186.mxl",
    "corelli/opus3no1",
    "schumann_robert/dichterliebe_no2.xml",
    "schumann_robert/opus48no2.mxl",
    "handel/rinaldo",
    "weber/concertino_clarinet.mxl",
)
MELODY_SOURCES = FOLK_COLLECTIONS + EXTRA_PD_PIECES


# ---------------------------------------------------------------------------------------------
# Splits and windows


def split_of(piece_id: str, splits: Sequence[float] = (0.9, 0.05, 0.05), seed: int = 0) -> str:
    """The split of a piece: SHA-1 of ``"{seed}:{piece_id}"`` read as a fraction in [0, 1)."""
    digest = hashlib.sha1(f"{seed}:{piece_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    edge = 0.0
    for name, share in zip(SPLITS, splits):
        edge += share
        if u < edge:
            return name
    return SPLITS[-1]


def _step_onsets(indices: NDArray[Any], rep: Representation) -> NDArray[np.int64]:
    """Onsets per step: melodic heads count pitches (index >= 2), other heads any hit (!= 0)."""
    out = np.zeros(indices.shape[0], np.int64)
    for head in range(indices.shape[1]):
        col = indices[:, head]
        out += col >= MELODY_FIRST_PITCH if head in rep.melodic_heads else col != 0
    return out


def window_onsets(window: NDArray[Any], rep: Representation) -> int:
    """Note onsets in one window [S, heads] (what ``MIN_ONSETS`` is checked against)."""
    return int(_step_onsets(np.asarray(window), rep).sum())


def _cut_windows(indices: NDArray[Any], bars: int, rep: Representation) -> NDArray[Any]:
    """Windows of ``bars`` bars starting on every bar (hop one bar), with >= MIN_ONSETS onsets."""
    steps = bars * STEPS_PER_BAR
    n_bars = indices.shape[0] // STEPS_PER_BAR
    if n_bars < bars:
        return np.zeros((0, steps, indices.shape[1]), indices.dtype)
    starts = np.arange(n_bars - bars + 1) * STEPS_PER_BAR
    cum = np.concatenate([[0], np.cumsum(_step_onsets(indices, rep))])
    starts = starts[cum[starts + steps] - cum[starts] >= MIN_ONSETS]
    return indices[starts[:, None] + np.arange(steps)[None, :]]


def _rows(a: NDArray[Any]) -> NDArray[Any]:
    """Each window as one opaque (void) element, for exact row comparisons."""
    a = np.ascontiguousarray(a)
    width = a.dtype.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))
    return a.reshape(a.shape[0], -1).view(np.dtype((np.void, width))).ravel()


def _unique_windows(a: NDArray[Any]) -> NDArray[Any]:
    """Exact de-duplication, keeping the first occurrence of each window in order."""
    if len(a) < 2:
        return a
    _, first = np.unique(_rows(a), return_index=True)
    return a[np.sort(first)]


def _found_in(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.bool_]:
    """For each window of ``a``: does it occur in ``b``?"""
    if not len(a) or not len(b):
        return np.zeros(len(a), bool)
    _, inverse = np.unique(np.concatenate([_rows(b), _rows(a)]), return_inverse=True)
    inverse = inverse.ravel()
    return np.isin(inverse[len(b) :], inverse[: len(b)])


def _storage_dtype(rep: Representation) -> np.dtype:
    return np.dtype(np.uint8 if max(rep.output_depths) <= 256 else np.uint16)


def windows_path(data_dir: str | Path, kind: str, bars: int, split: str) -> Path:
    """``DATA_DIR/{kind}_{bars}bar_{split}.npy``."""
    return Path(data_dir) / f"{kind}_{bars}bar_{split}.npy"


def load_windows(data_dir: str | Path, kind: str, bars: int, split: str) -> np.ndarray:
    """Stored windows [N, bars*16, heads] (uint8 or uint16), memory-mapped read-only.

    ``kind`` is the representation's name in the build (``"melody"`` by default).

    Raises:
        InputError: the file is missing (the message names it) or the split is unknown.
    """
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    path = windows_path(data_dir, kind, bars, split)
    if not path.is_file():
        raise InputError(
            f"no windows file {path}: build it with `segue data build SOURCE -o {data_dir} "
            f"--windows {bars}` (representation {kind!r})"
        )
    return np.load(path, mmap_mode="r")


# ---------------------------------------------------------------------------------------------
# music21 scores -> NoteSequence


class SkipPiece(InputError):
    """A piece that cannot be used; ``reason`` is one of ``SKIP_REASONS``."""

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


# ---------------------------------------------------------------------------------------------
# Workers: one file -> pieces with their encoded index arrays


@dataclass(frozen=True)
class _Settings:
    reps: tuple[tuple[str, dict[str, Any]], ...]
    transpose: int | str  # semitones each way, or TRANSPOSE_ALL
    splits: tuple[float, float, float]
    seed: int


@dataclass
class _Piece:
    piece_id: str
    split: str = "train"
    skip: str | None = None
    # rep name -> index arrays, one per shift (shift 0 first); a missing shift was empty
    encoded: dict[str, list[NDArray[Any]]] = field(default_factory=dict)
    empty_reps: list[str] = field(default_factory=list)  # no usable notes even untransposed
    polyphony_reduced: bool = False
    repeats_expanded: bool = True
    duple: bool = False
    pickup: bool = False
    realigned: bool = False
    transposed_empty: int = 0  # transposed versions with nothing left in range


def _transposed(seq: NoteSequence, shift: int) -> NoteSequence:
    if not shift:
        return seq
    tracks = [
        t
        if t.is_drum
        else Track(
            [
                Note(n.pitch + shift, n.start, n.duration, n.velocity)
                for n in t.notes
                if 0 <= n.pitch + shift <= 127
            ],
            t.program,
            t.is_drum,
            t.name,
        )
        for t in seq.tracks
    ]
    return NoteSequence(tracks, seq.qpm, seq.numerator, seq.denominator)


def _shifts(split: str, transpose: int | str, rep: Representation, seq: NoteSequence) -> list[int]:
    """Shift 0 first, then the other transpositions of a training piece."""
    if split != "train" or rep.kind == "drums" or not transpose:
        return [0]
    if transpose == TRANSPOSE_ALL:
        pitches = [n.pitch for t in seq.tracks if not t.is_drum for n in t.notes]
        if not pitches:
            return [0]
        lo, hi = REGISTER[0] - min(pitches), REGISTER[1] - max(pitches)
        return [0] + [s for s in range(lo, hi + 1) if s]
    return [0] + [s for s in range(-transpose, transpose + 1) if s]


def _encode_piece(piece: _Piece, seq: NoteSequence, settings: _Settings) -> _Piece:
    piece.split = split_of(piece.piece_id, settings.splits, settings.seed)
    for name, rep_dict in settings.reps:
        rep = representation_from_dict(rep_dict)
        arrays = []
        for shift in _shifts(piece.split, settings.transpose, rep, seq):
            try:
                result = rep.to_indices(_transposed(seq, shift))
            except EmptyClipError:
                if shift == 0:
                    piece.empty_reps.append(name)
                    break
                piece.transposed_empty += 1
                continue
            if shift == 0 and result.dropped_polyphonic:
                piece.polyphony_reduced = True
            arrays.append(result.indices.astype(_storage_dtype(rep)))
        if arrays:
            piece.encoded[name] = arrays
    return piece


def _midi_piece(path: Path, piece_id: str, settings: _Settings) -> _Piece:
    from segue.models.midi import read_midi

    piece = _Piece(piece_id)
    try:
        seq = read_midi(path)
    except MeterError:
        piece.skip = "meter change"
        return piece
    except SegueError:
        piece.skip = "parse error"
        return piece
    meter = (seq.numerator, seq.denominator)
    if meter not in ((4, 4), (2, 2), (2, 4)):
        piece.skip = "meter"
        return piece
    piece.duple = meter == (2, 4)
    seq = NoteSequence(seq.tracks, seq.qpm, 4, 4)
    try:
        return _encode_piece(piece, seq, settings)
    except ClipLengthError:
        piece.skip = "too long"
    except SegueError:
        piece.skip = "parse error"
    return piece


def _tune_number(score: Any, index: int) -> str:
    number = getattr(getattr(score, "metadata", None), "number", None)
    return str(number).strip() if number not in (None, "") else str(index + 1)


def _corpus_pieces(path: Path, file_id: str, settings: _Settings) -> list[_Piece]:
    from music21 import converter, stream

    try:
        parsed = converter.parse(str(path))
    except Exception:  # music21's parsers raise many kinds on malformed files
        return [_Piece(file_id, skip="parse error")]
    scores = list(parsed.scores) if isinstance(parsed, stream.Opus) else [parsed]
    pieces, seen = [], set()
    for index, score in enumerate(scores):
        piece_id = f"{file_id}#{_tune_number(score, index)}"
        if piece_id in seen:
            piece_id = f"{piece_id}.{index + 1}"
        seen.add(piece_id)
        piece = _Piece(piece_id)
        pieces.append(piece)
        try:
            conv = score_to_sequence(score)
        except SkipPiece as skip:
            piece.skip = skip.reason
            continue
        except Exception:  # a tune music21 parsed but cannot walk
            piece.skip = "parse error"
            continue
        piece.duple, piece.pickup = conv.duple, conv.pickup > 0
        piece.repeats_expanded, piece.realigned = conv.repeats_expanded, conv.realigned > 0
        try:
            _encode_piece(piece, conv.seq, settings)
        except ClipLengthError:
            piece.skip = "too long"
        except SegueError:
            piece.skip = "parse error"
        piece.polyphony_reduced |= conv.chords_reduced > 0
    return pieces


def _process_file(job: tuple[str, str, str], settings: _Settings) -> list[_Piece]:
    """One source file -> its pieces (a MIDI file is one piece, an ABC file many tunes)."""
    kind, path, file_id = job
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # music21 and pretty_midi warn freely; we count instead
        if kind == "midi":
            return [_midi_piece(Path(path), file_id, settings)]
        return _corpus_pieces(Path(path), file_id, settings)


# ---------------------------------------------------------------------------------------------
# Summary


@dataclass
class WindowCounts:
    """Windows of one (representation, length, split)."""

    raw: int = 0  # cut from the pieces (train: every transposition)
    untransposed: int = 0  # of ``raw``, cut from the untransposed pieces
    unique: int = 0  # after de-duplication within the split
    leaked: int = 0  # dropped: also in train (valid), or in train or valid (test)
    kept: int = 0  # stored = unique - leaked


@dataclass
class BuildSummary:
    """What ``build_dataset`` read, skipped and stored."""

    source: str
    out_dir: str
    files: int = 0
    pieces_read: int = 0  # every tune / MIDI file met (a file that fails to parse counts as one)
    pieces_used: int = 0  # gave at least one window
    skipped: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SKIP_REASONS, 0))
    polyphony_reduced: int = 0  # used pieces with chords or shared onsets reduced to the top note
    repeats_not_expanded: int = 0  # used pieces whose repeats music21 refused to expand
    duple: int = 0  # used pieces in 2/4 read as duple
    pickups: int = 0  # used pieces with a pickup aligned
    realigned: int = 0  # used pieces where a measure was moved to the next bar line
    transposed_empty: int = 0  # transposed versions with no note left in range (dropped)
    pieces_per_split: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SPLITS, 0))
    windows: dict[str, dict[int, dict[str, WindowCounts]]] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def pieces_skipped(self) -> int:
        return sum(self.skipped.values())

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["windows"] = {
            rep: {str(bars): {s: asdict(c) for s, c in by_split.items()} for bars, by_split in v.items()}
            for rep, v in self.windows.items()
        }
        return d

    def format(self) -> str:
        skipped = ", ".join(f"{r} {n}" for r, n in self.skipped.items() if n) or "none"
        lines = [
            f"source: {self.source}",
            f"output: {self.out_dir}",
            f"files: {self.files}; pieces read: {self.pieces_read}; used: {self.pieces_used}; "
            f"skipped: {self.pieces_skipped} ({skipped})",
            f"used pieces: {self.polyphony_reduced} polyphony reduced to the top note, "
            f"{self.duple} in 2/4 read as duple, {self.pickups} with a pickup, "
            f"{self.realigned} with measures realigned, {self.repeats_not_expanded} with repeats "
            "not expanded",
            "pieces per split: " + ", ".join(f"{s} {n}" for s, n in self.pieces_per_split.items()),
        ]
        if self.transposed_empty:
            lines.append(f"transposed versions dropped (no note in range): {self.transposed_empty}")
        lines.append("windows: raw (untransposed) -> unique -> leaked -> kept")
        for rep, by_bars in self.windows.items():
            for bars, by_split in by_bars.items():
                for split, c in by_split.items():
                    raw = f"{c.raw:>9,}" + (f" ({c.untransposed:,})" if c.raw != c.untransposed else "")
                    lines.append(
                        f"  {rep} {bars:>2} bars {split:<5}  {raw:<22} -> {c.unique:>9,} "
                        f"-> {c.leaked:>7,} -> {c.kept:>9,}"
                    )
        lines += [f"note: {n}" for n in self.notes]
        lines.append(f"time: {self.seconds:.1f} s")
        return "\n".join(lines)


# ---------------------------------------------------------------------------------------------
# Sources


def _corpus_root() -> Path:
    try:
        from music21 import common
    except ImportError as e:
        raise InputError(
            "music21 is needed for music21: sources (pip install 'segue[train]')"
        ) from e
    return Path(common.getCorpusFilePath())


def _collections(source: str) -> list[str]:
    names = [c.strip() for c in source[len(CORPUS_PREFIX) :].split(",") if c.strip()]
    if not names:
        raise InputError(f"{source!r} names no collection; e.g. music21:{','.join(FOLK_COLLECTIONS)}")
    return list(dict.fromkeys(names))


def _source_jobs(source: str) -> tuple[list[tuple[str, str, str]], dict[str, CorpusLicence]]:
    """(kind, path, file id) per file, and the licence of each corpus collection."""
    if source.startswith(CORPUS_PREFIX):
        root = _corpus_root()
        jobs, licences = [], {}
        for name in _collections(source):
            item = root / name  # a collection folder, or one file or sub-folder of one
            if ".." in Path(name).parts or not (item.is_dir() or item.is_file()):
                known = sorted(p.name for p in root.iterdir() if p.is_dir() and not p.name.startswith("_"))
                raise InputError(
                    f"music21's corpus has no collection {name!r} (looked in {item}); "
                    f"known: {', '.join(known)}"
                )
            files = [item] if item.is_file() else sorted(
                p for p in item.rglob("*") if p.is_file() and p.suffix.lower() in CORPUS_SUFFIXES
            )
            jobs += [("corpus", str(p), p.relative_to(root).as_posix()) for p in files]
            licences[name] = CORPUS_LICENCES.get(name, _UNKNOWN_LICENCE)
        return jobs, licences
    folder = Path(source)
    if not folder.is_dir():
        raise InputError(
            f"SOURCE {source!r} is neither a folder of MIDI files nor music21:COLL[,COLL...]"
        )
    files = sorted(
        (p for p in folder.rglob("*") if p.is_file() and p.suffix.lower() in MIDI_SUFFIXES),
        key=lambda p: p.relative_to(folder).as_posix(),
    )
    return [("midi", str(p), p.relative_to(folder).as_posix()) for p in files], {}


def _check_args(
    window_bars: Sequence[int], transpose: int | str, workers: int, splits: Sequence[float]
) -> tuple[tuple[int, ...], tuple[float, float, float]]:
    bars = tuple(sorted({int(b) for b in window_bars}))
    if not bars or any(b < 1 for b in bars) or any(int(b) != b for b in window_bars):
        raise InputError(f"window lengths must be positive whole numbers of bars, got {window_bars}")
    if transpose != TRANSPOSE_ALL and not (isinstance(transpose, int) and 0 <= transpose <= 12):
        raise InputError(
            f"transpose must be a whole number of semitones in 0..12 or {TRANSPOSE_ALL!r}, got {transpose!r}"
        )
    if not (isinstance(workers, int) and workers >= 1):
        raise InputError(f"workers must be a positive whole number, got {workers!r}")
    shares = tuple(float(s) for s in splits)
    if len(shares) != 3 or any(s < 0 for s in shares) or not math.isclose(sum(shares), 1.0):
        raise InputError(f"splits must be 3 non-negative shares (train, valid, test) summing to 1: {splits}")
    return bars, shares  # type: ignore[return-value]


def _representations(
    representations: Mapping[str, dict[str, Any] | Representation], corpus: bool, notes: list[str]
) -> dict[str, Representation]:
    reps: dict[str, Representation] = {}
    for name, r in representations.items():
        try:
            rep = r if isinstance(r, Representation) else representation_from_dict(r)
        except ValueError as e:
            raise InputError(f"representation {name!r}: {e}") from e
        if corpus and rep.kind != "melody":
            notes.append(f"representation {name!r} ({rep.kind}) skipped: the corpus has melodies only")
            continue
        reps[name] = rep
    if not reps:
        raise InputError("no representation to build (the music21 corpus gives melodies only)")
    return reps


# ---------------------------------------------------------------------------------------------
# Build


class _Accumulator:
    """Windows of one (representation, length, split), de-duplicated as they pile up."""

    def __init__(self, steps: int, heads: int, dtype: np.dtype) -> None:
        self.parts: list[NDArray[Any]] = [np.zeros((0, steps, heads), dtype)]
        self.rows = 0
        self.compact_at = _COMPACT_ROWS
        self.counts = WindowCounts()

    def add(self, windows: NDArray[Any], untransposed: bool) -> None:
        if not len(windows):
            return
        self.parts.append(windows)
        self.rows += len(windows)
        self.counts.raw += len(windows)
        self.counts.untransposed += len(windows) if untransposed else 0
        if self.rows > self.compact_at:
            self.unique()

    def unique(self) -> NDArray[Any]:
        arr = _unique_windows(np.concatenate(self.parts))
        self.parts, self.rows = [arr], len(arr)
        self.compact_at = max(_COMPACT_ROWS, 2 * self.rows)  # amortised: no quadratic re-sorting
        return arr


def _iterate(jobs: list[tuple[str, str, str]], settings: _Settings, workers: int) -> Iterable[list[_Piece]]:
    work = functools.partial(_process_file, settings=settings)
    if workers == 1:
        yield from map(work, jobs)
        return
    with multiprocessing.Pool(min(workers, max(1, len(jobs)))) as pool:
        yield from pool.imap(work, jobs, chunksize=1)


def build_dataset(
    source: str | Path,
    out_dir: str | Path,
    representations: Mapping[str, dict[str, Any] | Representation] = DEFAULT_REPRESENTATIONS,
    window_bars: Sequence[int] = (2, 4, 16),
    transpose: int | str = 5,
    workers: int = 2,
    seed: int = 0,
    splits: Sequence[float] = (0.9, 0.05, 0.05),
    progress: bool = True,
    limit: int | None = None,
) -> BuildSummary:
    """Reads SOURCE and stores de-duplicated training windows in ``out_dir``.

    Args:
        source: a folder of MIDI files, or ``"music21:COLL[,COLL...]"`` (corpus folder names).
        out_dir: created if needed; ``manifest.json``, ``pieces.json`` and one
            ``{name}_{bars}bar_{split}.npy`` per representation, window length and split.
        representations: name -> representation (or its ``to_dict()``); the name is the
            ``kind`` argument of ``load_windows``. Corpus sources keep the melody ones only.
        window_bars: window lengths in bars (hop one bar).
        transpose: training pieces are used at every shift in ``-transpose..+transpose``; with
            ``"all"``, at every shift that keeps the piece within ``REGISTER`` (all 12 keys, every
            octave that fits).
        workers: parsing processes (1: in this process).
        seed: mixed into the split hash.
        splits: shares of train, valid and test.
        progress: show a tqdm progress bar.
        limit: read only the first ``limit`` files (quick tries).

    Raises:
        InputError: a bad argument, an unknown collection or a missing folder.
    """
    t0 = time.monotonic()
    source = str(source)
    bars_list, shares = _check_args(window_bars, transpose, workers, splits)
    corpus = source.startswith(CORPUS_PREFIX)
    summary = BuildSummary(source=source, out_dir=str(out_dir))
    reps = _representations(representations, corpus, summary.notes)
    jobs, licences = _source_jobs(source)
    if limit is not None:
        jobs = jobs[: max(0, int(limit))]
    if not jobs:
        raise InputError(f"no files to read in {source}")
    settings = _Settings(tuple((n, r.to_dict()) for n, r in reps.items()), transpose, shares, seed)

    acc = {
        (name, b, s): _Accumulator(b * STEPS_PER_BAR, rep.n_heads, _storage_dtype(rep))
        for name, rep in reps.items()
        for b in bars_list
        for s in SPLITS
    }
    piece_ids: dict[str, list[str]] = {s: [] for s in SPLITS}
    from tqdm import tqdm

    bar = tqdm(total=len(jobs), unit="file", disable=not progress, desc="segue data")
    try:
        for pieces in _iterate(jobs, settings, workers):
            summary.files += 1
            for piece in pieces:
                _collect(piece, reps, bars_list, acc, summary, piece_ids)
            bar.update(1)
            bar.set_postfix(pieces=summary.pieces_read, used=summary.pieces_used, refresh=False)
    finally:
        bar.close()

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in reps:
        for b in bars_list:
            _finish(name, b, acc, out, summary)
    summary.seconds = time.monotonic() - t0
    _write_manifest(out, summary, reps, bars_list, licences, settings, piece_ids)
    return summary


def _collect(
    piece: _Piece,
    reps: dict[str, Representation],
    bars_list: tuple[int, ...],
    acc: dict[tuple[str, int, str], _Accumulator],
    summary: BuildSummary,
    piece_ids: dict[str, list[str]],
) -> None:
    summary.pieces_read += 1
    cut = {
        (name, b): [_cut_windows(arr, b, reps[name]) for arr in arrays]
        for name, arrays in piece.encoded.items()
        for b in bars_list
    }
    if piece.skip is None and len(piece.empty_reps) == len(reps):
        piece.skip = "empty"
    elif piece.skip is None and not any(len(w) for ws in cut.values() for w in ws):
        piece.skip = "too short"
    if piece.skip is not None:
        summary.skipped[piece.skip] = summary.skipped.get(piece.skip, 0) + 1
        return
    for (name, b), ws in cut.items():
        for i, w in enumerate(ws):
            acc[name, b, piece.split].add(w, untransposed=i == 0)
    summary.pieces_used += 1
    summary.pieces_per_split[piece.split] += 1
    piece_ids[piece.split].append(piece.piece_id)
    summary.polyphony_reduced += piece.polyphony_reduced
    summary.repeats_not_expanded += not piece.repeats_expanded
    summary.duple += piece.duple
    summary.pickups += piece.pickup
    summary.realigned += piece.realigned
    summary.transposed_empty += piece.transposed_empty


def _finish(
    name: str, b: int, acc: dict[tuple[str, int, str], _Accumulator], out: Path, summary: BuildSummary
) -> None:
    """De-duplicates, drops leaked windows and saves the three splits of one (rep, length)."""
    unique = {s: acc[name, b, s].unique() for s in SPLITS}
    leaked = {
        "train": np.zeros(len(unique["train"]), bool),
        "valid": _found_in(unique["valid"], unique["train"]),
        "test": _found_in(unique["test"], np.concatenate([unique["train"], unique["valid"]])),
    }
    by_split = summary.windows.setdefault(name, {}).setdefault(b, {})
    for s in SPLITS:
        kept = unique[s][~leaked[s]]
        counts = acc[name, b, s].counts
        counts.unique, counts.leaked, counts.kept = len(unique[s]), int(leaked[s].sum()), len(kept)
        by_split[s] = counts
        np.save(windows_path(out, name, b, s), np.ascontiguousarray(kept))
        acc[name, b, s].parts = []


def _write_manifest(
    out: Path,
    summary: BuildSummary,
    reps: dict[str, Representation],
    bars_list: tuple[int, ...],
    licences: dict[str, CorpusLicence],
    settings: _Settings,
    piece_ids: dict[str, list[str]],
) -> None:
    try:
        from music21 import __version__ as m21_version
    except ImportError:
        m21_version = None
    summary_dict = summary.to_dict()
    manifest = {
        "format_version": FORMAT_VERSION,
        "source": summary.source,
        "collections": {name: asdict(lic) for name, lic in licences.items()},
        "commercial_ok": all(lic.commercial_ok for lic in licences.values()) if licences else None,
        "representations": {name: rep.to_dict() for name, rep in reps.items()},
        "dtypes": {name: _storage_dtype(rep).name for name, rep in reps.items()},
        "window_bars": list(bars_list),
        "steps_per_bar": STEPS_PER_BAR,
        "min_onsets": MIN_ONSETS,
        "transpose": settings.transpose,
        "splits": dict(zip(SPLITS, settings.splits)),
        "seed": settings.seed,
        "counts": {
            name: {str(b): {s: c["kept"] for s, c in by.items()} for b, by in v.items()}
            for name, v in summary_dict["windows"].items()
        },
        "summary": summary_dict,
        "music21_version": m21_version if summary.source.startswith(CORPUS_PREFIX) else None,
        "built_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "build_seconds": round(summary.seconds, 2),
    }
    (out / "pieces.json").write_text(json.dumps(piece_ids, indent=1) + "\n")
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2) + "\n")
