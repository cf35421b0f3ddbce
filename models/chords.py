"""Chord symbols and the chord encodings Magenta.js conditions MusicVAE on.

A chord-conditioned MusicVAE (Magenta.js's ``chordEncoder``: the mel_chords and multitrack_chords
checkpoints) reads one chord per step, next to its usual inputs. Three encodings exist, each a
vector per chord (``encode``):

==========================  =====  ============================================================
encoder                     depth  vector
==========================  =====  ============================================================
``MajorMinorChordEncoder``  25     one-hot: 0 no chord, 1 + root (major), 13 + root (minor)
``TriadChordEncoder``       49     one-hot: 0 no chord, 1 + 12 * quality + root, qualities
                                   major, minor, augmented, diminished
``PitchChordEncoder``       37     [no chord bit, root one-hot (12), the chord's pitch classes
                                   (12), bass one-hot (12, the root: slash chords are not read)]
==========================  =====  ============================================================

A chord's quality is major, minor, augmented or diminished when its intervals hold exactly one of
the triads 1-3-5, 1-b3-5, 1-3-#5, 1-b3-b5 (so C7 is major, Cm7b5 diminished, Csus4 and C7b5 are
"other"); MajorMinor takes only major and minor chords, Triad all four, Pitch any chord.

**Symbols.** A root (a letter A-G, either case, with any number of ``#``, ``b`` or ``x``), an
optional space, and a chord type from ``CHORD_TYPES`` (``C``, ``Am``, ``F#m7b5``, ``Bbmaj7``,
``Gsus4``, ``E7#9`` ...); ``N.C.`` (or ``NC``) is no chord. Magenta.js parses symbols with the
tonal library, whose parser reads a number right after the root as an octave unless it is 6, 7,
9, 11, 13 or 64: there ``C5``, ``C2``, ``C69`` and ``C-7`` are plain C major triads. Segue refuses
those symbols (naming what to type instead) rather than silently play a major triad. The
encodings of every type here were checked against Magenta.js 1.23.1 (tests/models/test_chords.py);
``maj``, ``min``, ``min7``, ``ø`` and ``NC`` are Segue's additions (Magenta.js rejects them).

**Progressions** (``parse_progression``): chords separated by spaces, one per bar (``"C G Am F"``);
with ``|`` between bars, a bar may hold several chords that share it equally
(``"C G | Am | F G"``). ``chords_from_notes`` reads a progression off a clip, bar by bar.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from segue.models.errors import InputError
from segue.models.notes import BEATS_PER_BAR, Note

__all__ = [
    "CHORD_ENCODERS",
    "CHORD_TYPES",
    "NO_CHORD",
    "Chord",
    "ChordError",
    "chord_depth",
    "chords_from_notes",
    "encode_chord",
    "encode_progression",
    "format_progression",
    "parse_chord",
    "parse_progression",
]

NO_CHORD = "N.C."
_NO_CHORD_NAMES = {"N.C.", "NC", "N.C"}
PITCH_CLASSES = 12
MAJOR, MINOR, AUGMENTED, DIMINISHED, OTHER = range(5)
_QUALITY_NAMES = ("major", "minor", "augmented", "diminished", "other")
_QUALITY_TRIADS = (("1P", "3M", "5P"), ("1P", "3m", "5P"), ("1P", "3M", "5A"), ("1P", "3m", "5d"))

CHORD_ENCODERS = {"MajorMinorChordEncoder": 1 + 2 * PITCH_CLASSES, "TriadChordEncoder": 1 + 4 * PITCH_CLASSES,
                  "PitchChordEncoder": 1 + 3 * PITCH_CLASSES}


class ChordError(InputError):
    """A chord symbol Segue cannot read, or one the model's chord encoder cannot encode."""


# Chord types: name -> intervals above the root (degree and quality: P perfect, M major, m minor,
# A augmented, d diminished). Where several names mean one chord they share a row. Magenta.js
# spells m6 with an added fourth and dim7's seventh as a 13th; the pitch classes are what count.
_TYPES: tuple[tuple[tuple[str, ...], str], ...] = (
    (("", "M", "maj", "Major"), "1P 3M 5P"),
    (("m", "min"), "1P 3m 5P"),
    (("dim", "o", "mb5"), "1P 3m 5d"),
    (("aug", "+", "M#5"), "1P 3M 5A"),
    (("sus4", "sus", "Msus4"), "1P 4P 5P"),
    (("sus2", "Msus2"), "1P 2M 5P"),
    (("6", "M6"), "1P 3M 5P 13M"),
    (("m6",), "1P 3m 4P 5P 13M"),
    (("7", "Dom", "Dominant"), "1P 3M 5P 7m"),
    (("maj7", "M7", "Maj7"), "1P 3M 5P 7M"),
    (("m7", "min7", "minor7"), "1P 3m 5P 7m"),
    (("m7b5", "h7", "half-diminished", "ø"), "1P 3m 5d 7m"),
    (("dim7", "o7", "diminished"), "1P 3m 5d 13M"),
    (("mMaj7", "mM7"), "1P 3m 5P 7M"),
    (("7sus4", "7sus"), "1P 4P 5P 7m"),
    (("7#5", "+7", "7aug", "aug7"), "1P 3M 5A 7m"),
    (("7b5",), "1P 3M 5d 7m"),
    (("7b9",), "1P 3M 5P 7m 9m"),
    (("7#9",), "1P 3M 5P 7m 9A"),
    (("7#11",), "1P 3M 5P 7m 11A"),
    (("maj7#5", "M7#5"), "1P 3M 5A 7M"),
    (("9",), "1P 3M 5P 7m 9M"),
    (("maj9", "M9"), "1P 3M 5P 7M 9M"),
    (("m9",), "1P 3m 5P 7m 9M"),
    (("add9", "Madd9"), "1P 3M 5P 9M"),
    (("madd9",), "1P 3m 5P 9M"),
    (("9sus4", "9sus"), "1P 4P 5P 7m 9M"),
    (("11",), "1P 5P 7m 9M 11P"),
    (("m11",), "1P 3m 5P 7m 9M 11P"),
    (("13",), "1P 3M 5P 7m 9M 13M"),
    (("maj13", "M13"), "1P 3M 5P 7M 9M 13M"),
    (("m13",), "1P 3m 5P 7m 9M 11P 13M"),
)
CHORD_TYPES: dict[str, tuple[str, ...]] = {name: tuple(ivls.split()) for names, ivls in _TYPES for name in names}
SEGUE_ONLY_TYPES = ("maj", "min", "min7", "ø")  # names Magenta.js's tonal does not know

_ROOT = re.compile(r"^([a-gA-G]?)(#+|b+|x+|)(-?\d*)\s*(.*)$")
_CHORD_NUMBERS = {"6", "64", "7", "9", "11", "13"}  # read as part of the type, not as an octave
_LETTER_PC = {"c": 0, "d": 2, "e": 4, "f": 5, "g": 7, "a": 9, "b": 11}
_DEGREE_SEMITONES = (0, 2, 4, 5, 7, 9, 11)
_PERFECT = {0, 3, 4}  # degrees 1, 4, 5 (0-based within the octave)


def _interval_semitones(name: str) -> int:
    number, quality = int(name[:-1]), name[-1]
    degree, octaves = (number - 1) % 7, (number - 1) // 7
    base = _DEGREE_SEMITONES[degree] + 12 * octaves
    if degree in _PERFECT:
        return base + {"P": 0, "A": 1, "d": -1}[quality]
    return base + {"M": 0, "m": -1, "A": 1, "d": -2}[quality]


@dataclass(frozen=True)
class Chord:
    """A parsed chord symbol (``root`` None for no chord)."""

    symbol: str
    root: int | None
    pitch_classes: tuple[int, ...]
    quality: int

    @property
    def is_no_chord(self) -> bool:
        return self.root is None

    @property
    def quality_name(self) -> str:
        return _QUALITY_NAMES[self.quality]


def parse_chord(symbol: str) -> Chord:
    """A chord symbol -> ``Chord``. ChordError says what is wrong with a symbol it cannot read."""
    text = symbol.strip() if isinstance(symbol, str) else symbol
    if not isinstance(text, str) or not text:
        raise ChordError(f"empty chord symbol {symbol!r}")
    if text in _NO_CHORD_NAMES:
        return Chord(NO_CHORD, None, (), OTHER)
    m = _ROOT.match(text)
    letter, accidentals, number, rest = m.groups() if m else ("", "", "", text)
    if not letter or (letter == "A" and rest == "ug"):
        raise ChordError(f"chord {text!r} has no root: start with a note name A-G (C, F#m, Bb7)")
    if number and number not in _CHORD_NUMBERS:
        raise ChordError(f"chord {text!r}: {number!r} after the root is ambiguous (Magenta.js reads it as an "
                         "octave and plays a major triad); write the chord type out, e.g. C, Csus2, Cm7, C6")
    kind = number + rest
    if kind not in CHORD_TYPES:
        raise ChordError(f"unknown chord type {kind!r} after the root {letter + accidentals!r} in {text!r}; "
                         "known types: "
                         f"{', '.join(repr(t) for t in CHORD_TYPES if t)} (and '' for major)")
    shift = {"#": 1, "b": -1, "x": 2, "": 0}[accidentals[:1]] * len(accidentals)
    root = (_LETTER_PC[letter.lower()] + shift) % PITCH_CLASSES
    intervals = CHORD_TYPES[kind]
    pcs = tuple(sorted({(root + _interval_semitones(i)) % PITCH_CLASSES for i in intervals}))
    found = [q for q, triad in enumerate(_QUALITY_TRIADS) if all(i in intervals for i in triad)]
    return Chord(text, root, pcs, found[0] if len(found) == 1 else OTHER)


def chord_depth(encoder: str) -> int:
    if encoder not in CHORD_ENCODERS:
        raise ChordError(f"unknown chord encoder {encoder!r} (Magenta.js has {', '.join(CHORD_ENCODERS)})")
    return CHORD_ENCODERS[encoder]


def encode_chord(chord: str | Chord, encoder: str) -> np.ndarray:
    """One chord as ``encoder`` encodes it: float32 [depth]."""
    depth = chord_depth(encoder)
    c = chord if isinstance(chord, Chord) else parse_chord(chord)
    out = np.zeros(depth, np.float32)
    if c.is_no_chord:
        out[0] = 1.0
        return out
    if encoder == "PitchChordEncoder":
        out[1 + c.root] = 1.0
        out[1 + PITCH_CLASSES + np.array(c.pitch_classes)] = 1.0
        out[1 + 2 * PITCH_CLASSES + c.root] = 1.0
        return out
    index = 1 + c.quality * PITCH_CLASSES + c.root
    if index >= depth:
        wanted = "major or minor" if encoder == "MajorMinorChordEncoder" else "a major, minor, augmented or " \
                                                                              "diminished triad"
        raise ChordError(f"chord {c.symbol!r} ({c.quality_name}) is not {wanted}: this model's "
                         f"{encoder} cannot encode it")
    out[index] = 1.0
    return out


def encode_progression(chords: Sequence[str | Chord], steps: int, encoder: str) -> np.ndarray:
    """Chords spread evenly over ``steps`` steps (step t plays chord floor(t * n / steps)), as
    Magenta.js's ``encodeProgression``: float32 [steps, depth]."""
    if not chords:
        raise ChordError("a chord progression needs at least one chord")
    encoded = [encode_chord(c, encoder) for c in chords]
    return np.stack([encoded[t * len(encoded) // steps] for t in range(steps)]) if steps else \
        np.zeros((0, chord_depth(encoder)), np.float32)


def parse_progression(text: str | Sequence[str]) -> list[list[str]]:
    """``"C G Am F"`` -> one chord per bar; ``"C G | Am"`` -> bars split at ``|``. A list of
    symbols is one per bar. Every symbol is checked (ChordError names a bad one)."""
    if isinstance(text, str):
        if "|" in text:
            bars = [bar.split() for bar in text.split("|")]
        else:
            bars = [[c] for c in text.split()]
    else:
        bars = [[str(c)] for c in text]
    if not bars or any(not bar for bar in bars):
        raise ChordError(f"no chords in {text!r}: give one chord symbol per bar, e.g. \"C G Am F\" "
                         "(bars with several chords between '|')")
    return [[parse_chord(c).symbol for c in bar] for bar in bars]


def format_progression(bars: Iterable[Sequence[str]]) -> str:
    """The inverse of ``parse_progression``: one bar per chord unless a bar holds several."""
    bars = [list(b) for b in bars]
    if all(len(b) == 1 for b in bars):
        return " ".join(b[0] for b in bars)
    return " | ".join(" ".join(b) for b in bars)


# --- reading chords off a clip -----------------------------------------------------------------------

_GUESS_TYPES = ("", "m", "7", "maj7", "m7", "dim", "aug", "sus4")
_TEMPLATES = [(root, kind, parse_chord(name + kind).pitch_classes)
              for kind in _GUESS_TYPES
              for root, name in enumerate(("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B"))]
_ROOT_NAMES = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")


def _best_chord(weights: np.ndarray, bass: int | None) -> str:
    total = float(weights.sum())
    best, best_score = NO_CHORD, -np.inf
    for root, kind, pcs in _TEMPLATES:
        inside = float(weights[list(pcs)].sum())
        score = inside - 0.6 * (total - inside) - 0.08 * total * (len(pcs) - 3)
        score += 0.15 * total * (bass == root)
        score -= 0.3 * total * (weights[root] == 0)  # a chord whose root is not played is a worse guess
        if score > best_score + 1e-9:
            best, best_score = _ROOT_NAMES[root] + kind, score
    return best


def chords_from_notes(notes: Iterable[Note], bars: int) -> list[str]:
    """One chord per bar read off a clip's notes (a heuristic: the triad or seventh chord whose
    pitch classes cover the most of the bar's sounding time, preferring a chord whose root is the
    lowest note). A bar without notes keeps the chord before it (``N.C.`` at the start)."""
    if bars < 1:
        raise ChordError(f"bars must be at least 1, got {bars}")
    weights = np.zeros((bars, PITCH_CLASSES))
    lowest: list[tuple[int, float] | None] = [None] * bars
    for n in notes:
        for bar in range(max(0, int(n.start // BEATS_PER_BAR)), min(bars, int(-(-n.end // BEATS_PER_BAR)))):
            lo, hi = max(n.start, bar * BEATS_PER_BAR), min(n.end, (bar + 1) * BEATS_PER_BAR)
            if hi > lo:
                weights[bar, n.pitch % PITCH_CLASSES] += hi - lo
                if lowest[bar] is None or n.pitch < lowest[bar][0]:
                    lowest[bar] = (n.pitch, hi - lo)
    out: list[str] = []
    for bar in range(bars):
        if weights[bar].sum() <= 0:
            out.append(out[-1] if out else NO_CHORD)
        else:
            bass = lowest[bar][0] % PITCH_CLASSES if lowest[bar] else None
            out.append(_best_chord(weights[bar], bass))
    return out
