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

The windows themselves (cutting, splits, de-duplication, storage, ``load_windows``) are
``segue.models.training.windows``; corpus scores become sequences in ``scores``; the corpus
licences are ``corpus``.
"""

from __future__ import annotations

import functools
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
from segue.models.representation import STEPS_PER_BAR, Representation, representation_from_dict
from segue.models.training.corpus import CORPUS_LICENCES, FOLK_COLLECTIONS, UNKNOWN_LICENCE, CorpusLicence
from segue.models.training.scores import SkipPiece, score_to_sequence
from segue.models.training.windows import (
    MIN_ONSETS,
    SPLITS,
    cut_windows,
    found_in,
    split_of,
    storage_dtype,
    unique_windows,
    windows_path,
)

__all__ = [
    "DEFAULT_REPRESENTATIONS",
    "FORMAT_VERSION",
    "REGISTER",
    "SKIP_REASONS",
    "TRANSPOSE_ALL",
    "BuildSummary",
    "WindowCounts",
    "build_dataset",
]

FORMAT_VERSION = 1
SKIP_REASONS = ("meter", "meter change", "no meter", "parse error", "empty", "too short", "too long")
DEFAULT_REPRESENTATIONS: dict[str, dict[str, Any]] = {"melody": MELODY}
CORPUS_PREFIX = "music21:"
MIDI_SUFFIXES = (".mid", ".midi")
CORPUS_SUFFIXES = (".abc", ".xml", ".mxl", ".musicxml", ".krn")

REGISTER = (28, 96)  # transpose="all": shifts that keep every note within E1..C7
TRANSPOSE_ALL = "all"
_COMPACT_ROWS = 200_000  # de-duplicate an accumulating split once it holds this many windows


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
            arrays.append(result.indices.astype(storage_dtype(rep)))
        if arrays:
            piece.encoded[name] = arrays
    return piece


def _midi_piece(path: Path, piece_id: str, settings: _Settings) -> _Piece:
    from segue.models.midifile import read_midi

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
            licences[name] = CORPUS_LICENCES.get(name, UNKNOWN_LICENCE)
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
        arr = unique_windows(np.concatenate(self.parts))
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
        (name, b, s): _Accumulator(b * STEPS_PER_BAR, rep.n_heads, storage_dtype(rep))
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
        (name, b): [cut_windows(arr, b, reps[name]) for arr in arrays]
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
        "valid": found_in(unique["valid"], unique["train"]),
        "test": found_in(unique["test"], np.concatenate([unique["train"], unique["valid"]])),
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
        "dtypes": {name: storage_dtype(rep).name for name, rep in reps.items()},
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
