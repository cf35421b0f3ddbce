"""Chord symbols and encodings: Segue's parser against Magenta.js's chord encoders (tonal), the
progression text, and reading chords off a clip."""

from __future__ import annotations

import numpy as np
import pytest

from segue.models.chords import (
    CHORD_ENCODERS,
    CHORD_TYPES,
    NO_CHORD,
    SEGUE_ONLY_TYPES,
    ChordError,
    chords_from_notes,
    encode_chord,
    encode_progression,
    format_progression,
    parse_chord,
    parse_progression,
)
from segue.models.configs import MusicVAEConfig
from segue.models.formats.magenta_js import export_magenta_js
from segue.models.inference import LatentModel
from segue.models.notes import Note

ROOTS = ("C", "F#", "Bb", "e", "Abb", "G#", "Dx", "Cb")


def _symbols() -> list[str]:
    return [root + kind for kind in CHORD_TYPES for root in ROOTS[: 2 if kind else len(ROOTS)]]


def test_every_chord_type_encodes_as_magenta_js_does(tmp_path, run_magenta):
    """Every type and a spread of roots (double sharps and flats, lower case), in all three
    encoders: the same vector as Magenta.js, or an error on both sides (MajorMinor refuses
    augmented, diminished and other chords; Triad refuses other chords)."""
    cfg = MusicVAEConfig(name="t", representation={"kind": "melody"}, z_size=4, enc_rnn_size=(4,),
                         dec_rnn_size=(4,), max_seq_len=16, controls={"chords": "PitchChordEncoder"})
    export_magenta_js(LatentModel.fresh(cfg, device="cpu"), tmp_path / "ck")
    symbols = [s for s in _symbols() if not any(s.endswith(t) and s[: -len(t)] in ROOTS for t in SEGUE_ONLY_TYPES)]
    symbols += [NO_CHORD]
    checks = [{"encoder": e, "symbols": symbols} for e in CHORD_ENCODERS]
    segue_only = [root + kind for kind in SEGUE_ONLY_TYPES for root in ("C", "F#")] + ["NC"]
    checks.append({"encoder": "PitchChordEncoder", "symbols": segue_only + ["C5", "C-7", "C2"]})
    result = run_magenta(tmp_path / "ck", {"chord_checks": checks}, tmp_path / "run")
    compared = errors = 0
    for check, got in zip(checks[:3], result["chords"][:3]):
        for symbol, theirs in zip(check["symbols"], got):
            try:
                ours = encode_chord(symbol, check["encoder"])
            except ChordError as e:
                assert isinstance(theirs, dict), f"{check['encoder']} {symbol!r}: Segue refuses ({e}), not Magenta.js"
                errors += 1
                continue
            assert not isinstance(theirs, dict), f"{check['encoder']} {symbol!r}: Magenta.js refuses: {theirs}"
            assert np.array_equal(ours, np.array(theirs, np.float32)), f"{check['encoder']} {symbol!r} differs"
            compared += 1
    assert compared > 250 and errors > 50
    # Segue's extra names are refused by Magenta.js; the octave-like numbers are major triads there
    extra = result["chords"][3]
    assert all(isinstance(x, dict) for x in extra[: len(segue_only)])
    c_major = encode_chord("C", "PitchChordEncoder")
    assert all(np.array_equal(np.array(x, np.float32), c_major) for x in extra[len(segue_only):])


@pytest.mark.parametrize("symbol,root,pcs,quality", [
    ("C", 0, (0, 4, 7), "major"), ("Am", 9, (0, 4, 9), "minor"), ("F#m7b5", 6, (0, 4, 6, 9), "diminished"),
    ("Bbmaj7", 10, (2, 5, 9, 10), "major"), ("Gsus4", 7, (0, 2, 7), "other"), ("Eaug", 4, (0, 4, 8), "augmented"),
    ("C7", 0, (0, 4, 7, 10), "major"), ("C7b5", 0, (0, 4, 6, 10), "other"), ("dm", 2, (2, 5, 9), "minor"),
])
def test_parse_chord(symbol, root, pcs, quality):
    c = parse_chord(symbol)
    assert (c.root, c.pitch_classes, c.quality_name) == (root, pcs, quality)


@pytest.mark.parametrize("symbol,why", [("C5", "ambiguous"), ("C-7", "ambiguous"), ("Xm", "no root"),
                                        ("Cfoo", "unknown chord type"), ("", "empty"), ("Aug", "no root")])
def test_bad_symbols_say_why(symbol, why):
    with pytest.raises(ChordError, match=why):
        parse_chord(symbol)


def test_encoders_refuse_what_they_cannot_encode():
    with pytest.raises(ChordError, match="not major or minor"):
        encode_chord("Cdim", "MajorMinorChordEncoder")
    with pytest.raises(ChordError, match="triad"):
        encode_chord("Csus4", "TriadChordEncoder")
    assert encode_chord("N.C.", "TriadChordEncoder").argmax() == 0
    assert encode_chord("Dm", "MajorMinorChordEncoder").argmax() == 1 + 12 + 2
    with pytest.raises(ChordError, match="unknown chord encoder"):
        encode_chord("C", "NoSuchEncoder")


def test_progressions():
    assert parse_progression("C G Am F") == [["C"], ["G"], ["Am"], ["F"]]
    assert parse_progression("C G | Am") == [["C", "G"], ["Am"]]
    assert parse_progression(["C", "Dm"]) == [["C"], ["Dm"]]
    assert format_progression(parse_progression("C G | Am")) == "C G | Am"
    assert format_progression(parse_progression("C G")) == "C G"
    with pytest.raises(ChordError, match="no chords"):
        parse_progression("  ")
    with pytest.raises(ChordError, match="unknown chord type"):
        parse_progression("C Gfoo")
    enc = encode_progression(["C", "G"], 32, "MajorMinorChordEncoder")
    assert enc.shape == (32, 25)
    assert enc[:16].argmax(-1).tolist() == [1] * 16 and enc[16:].argmax(-1).tolist() == [8] * 16


def test_chords_from_notes():
    notes = [Note(p, 0, 4, 80) for p in (48, 52, 55)] + [Note(p, 4, 4, 80) for p in (45, 57, 60, 64)] + \
            [Note(p, 12, 2, 80) for p in (43, 47, 50, 53)]
    assert chords_from_notes(notes, 4) == ["C", "Am", "Am", "G7"]
    assert chords_from_notes([], 2) == [NO_CHORD, NO_CHORD]
