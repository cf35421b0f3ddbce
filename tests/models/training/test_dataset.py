"""Training data builds: music21 corpus and MIDI folders -> windows on disk (docs/data.md).

Kept fast: the corpus build parses only nottingham-dataset's one ABC file (2 tunes), and the
MIDI builds use a handful of tiny files written here.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from segue.engine.cli.data import data_main
from segue.models.configs import DRUMS, MELODY
from segue.models.errors import InputError
from segue.models.midifile import write_midi
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import MELODY_FIRST_PITCH, MelodyRepresentation
from segue.models.training.corpus import CORPUS_LICENCES, FOLK_COLLECTIONS, FOLK_WITH_ESSEN
from segue.models.training.dataset import SKIP_REASONS, BuildSummary, build_dataset
from segue.models.training.scores import SkipPiece, score_to_sequence
from segue.models.training.windows import MIN_ONSETS, SPLITS, load_windows, split_of, window_onsets, windows_path

music21 = pytest.importorskip("music21")

MEL = MelodyRepresentation()
NOTTINGHAM = "music21:nottingham-dataset"


def check_totals(summary: BuildSummary) -> None:
    """The counts of a summary add up."""
    assert summary.pieces_read == summary.pieces_used + sum(summary.skipped.values())
    assert sum(summary.pieces_per_split.values()) == summary.pieces_used
    for by_bars in summary.windows.values():
        for by_split in by_bars.values():
            for c in by_split.values():
                assert c.untransposed <= c.raw
                assert c.unique <= c.raw
                assert c.kept == c.unique - c.leaked


# ---------------------------------------------------------------------------------------------
# A real corpus build


@pytest.fixture(scope="module")
def folk(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, BuildSummary]:
    out = tmp_path_factory.mktemp("folk")
    return out, build_dataset(NOTTINGHAM, out, workers=1, progress=False)


def test_corpus_build_writes_windows(folk: tuple[Path, BuildSummary]) -> None:
    out, summary = folk
    assert summary.files == 1 and summary.pieces_read == 2 and summary.pieces_used == 2
    check_totals(summary)
    for bars in (2, 4, 16):
        for split in SPLITS:
            w = load_windows(out, "melody", bars, split)
            assert w.dtype == np.uint8
            assert w.shape[1:] == (bars * 16, 1)
            assert len(w) == summary.windows["melody"][bars][split].kept
            assert all(window_onsets(x, MEL) >= MIN_ONSETS for x in w)
            assert w.max(initial=0) < MEL.output_depths[0]
        assert summary.windows["melody"][bars]["train"].kept > 0


def test_corpus_tunes_expand_repeats_and_align_pickups(folk: tuple[Path, BuildSummary]) -> None:
    _, summary = folk
    # both tunes open with a one-beat pickup; AABB (tune 80) and AABBCC (tune 81) expanded: 32
    # bars each plus the padding bar, so 32 two-bar windows each
    assert summary.pickups == 2 and summary.repeats_not_expanded == 0 and summary.realigned == 0
    train = summary.windows["melody"][2]["train"]
    assert summary.pieces_per_split["train"] == 2  # both ids hash into train
    assert train.untransposed == 64


def test_corpus_train_holds_transposed_copies(folk: tuple[Path, BuildSummary]) -> None:
    out, summary = folk
    train = summary.windows["melody"][2]["train"]
    assert train.raw == 11 * train.untransposed  # every note stays in 21..108 here
    assert train.unique > 5 * train.untransposed // 2
    windows = np.asarray(load_windows(out, "melody", 2, "train"))
    stored = {w.tobytes() for w in windows}
    shifted = 0
    for w in windows[:20]:
        up = w.copy()
        up[up >= MELODY_FIRST_PITCH] += 1
        shifted += up.tobytes() in stored
    assert shifted >= 10  # a semitone up is there too (except at the +5 edge)


def test_corpus_manifest_and_pieces(folk: tuple[Path, BuildSummary]) -> None:
    out, summary = folk
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["format_version"] == 1
    assert manifest["source"] == NOTTINGHAM
    assert manifest["collections"]["nottingham-dataset"]["commercial_ok"] is True
    assert manifest["commercial_ok"] is True
    assert manifest["representations"] == {"melody": MELODY}
    assert manifest["window_bars"] == [2, 4, 16]
    assert manifest["counts"]["melody"]["2"]["train"] == summary.windows["melody"][2]["train"].kept
    assert manifest["summary"]["skipped"] == dict.fromkeys(SKIP_REASONS, 0)
    assert manifest["build_seconds"] >= 0 and manifest["built_at"]
    pieces = json.loads((out / "pieces.json").read_text())
    assert sorted(pieces["train"]) == [
        "nottingham-dataset/reelsa-c.abc#80",
        "nottingham-dataset/reelsa-c.abc#81",
    ]
    text = summary.format()
    assert "pieces read: 2" in text and "melody  2 bars train" in text


def test_licences() -> None:
    assert set(FOLK_COLLECTIONS) <= set(CORPUS_LICENCES)
    assert all(CORPUS_LICENCES[c].commercial_ok for c in FOLK_COLLECTIONS)
    essen = CORPUS_LICENCES["essenFolksong"]
    assert not essen.commercial_ok and "non-commercial" in essen.note
    assert FOLK_WITH_ESSEN == FOLK_COLLECTIONS + ("essenFolksong",)


# ---------------------------------------------------------------------------------------------
# music21 tunes -> NoteSequence


def abc(body: str, meter: str = "4/4", length: str = "1/4") -> object:
    text = f"X:1\nT:test\nM:{meter}\nL:{length}\nK:C\n{body}\n"
    return music21.converter.parse(text, format="abc")


def starts(conv) -> list[tuple[float, int]]:
    return [(n.start, n.pitch) for n in conv.seq.tracks[0].notes]


def test_pickup_lands_at_the_end_of_a_padding_bar() -> None:
    conv = score_to_sequence(abc("G|c d e f|\ng a b c'|]"))
    assert conv.pickup == 1.0 and not conv.duple and conv.realigned == 0
    assert starts(conv)[:3] == [(3.0, 67), (4.0, 72), (5.0, 74)]  # first full measure on beat 4
    indices = MEL.to_indices(conv.seq).indices[:, 0]
    assert indices[12] == 67 - 21 + MELODY_FIRST_PITCH and indices[16] == 72 - 21 + MELODY_FIRST_PITCH


def test_two_four_is_read_as_duple() -> None:
    conv = score_to_sequence(abc("G|c d|e f|\ng a|b c'|]", meter="2/4"))
    assert conv.duple and conv.meter == "2/4" and conv.pickup == 1.0
    # the first full 2/4 measure starts on a 4-beat line; two 2/4 measures fill one 4/4 bar
    assert starts(conv) == [(3.0, 67), (4.0, 72), (5.0, 74), (6.0, 76), (7.0, 77),
                            (8.0, 79), (9.0, 81), (10.0, 83), (11.0, 84)]
    assert (conv.seq.numerator, conv.seq.denominator) == (4, 4)
    no_pickup = score_to_sequence(abc("c d|e f|\ng a|b c'|]", meter="2/4"))
    assert no_pickup.pickup == 0 and starts(no_pickup)[0] == (0.0, 72)


def test_meters_that_are_skipped() -> None:
    with pytest.raises(SkipPiece) as e:
        score_to_sequence(abc("c d e|f g a|\nb c' d'|]", meter="3/4"))
    assert e.value.reason == "meter"
    part = music21.stream.Part()
    for sig, pitches in (("4/4", "C D E F"), ("3/4", "G A B")):
        m = music21.stream.Measure()
        m.append(music21.meter.TimeSignature(sig))
        m.append([music21.note.Note(p) for p in pitches.split()])
        part.append(m)
    with pytest.raises(SkipPiece) as e:
        score_to_sequence(part)
    assert e.value.reason == "meter change" and "3/4, 4/4" in str(e.value)
    with pytest.raises(SkipPiece) as e:
        score_to_sequence(music21.converter.parse("X:1\nT:t\nL:1/4\nK:C\nc d e f|g a b c|\nc d e f|]\n",
                                                  format="abc"))
    assert e.value.reason == "no meter"


def test_two_two_chords_grace_notes_and_chord_symbols() -> None:
    conv = score_to_sequence(abc('"C"[CEG] {d}c e f|g2 g2|\nc4|]', meter="C|"))
    assert conv.meter == "2/2" and not conv.duple and conv.chords_reduced == 1
    assert starts(conv) == [(0.0, 67), (1.0, 72), (2.0, 76), (3.0, 77), (4.0, 79), (6.0, 79), (8.0, 72)]


def test_end_repeats_without_a_start_go_back_to_the_previous_section() -> None:
    # folk convention: A A B B (music21 alone would play A A B A A B)
    conv = score_to_sequence(abc("c d e f|g a b c':|\nC D E F|G A B c:|"))
    assert conv.repeats_expanded
    pitches = [p for _, p in starts(conv)]
    a, b = [72, 74, 76, 77, 79, 81, 83, 84], [60, 62, 64, 65, 67, 69, 71, 72]
    assert pitches == a + a + b + b


def test_first_and_second_endings() -> None:
    tune = "|:c d e f|g a b c'|\n[1 c' b a:|[2 g f e d|C D E F|]"
    conv = score_to_sequence(abc(tune))
    pitches = [p for _, p in starts(conv)]
    assert pitches == [72, 74, 76, 77, 79, 81, 83, 84, 84, 83, 81,
                       72, 74, 76, 77, 79, 81, 83, 84, 79, 77, 76, 74, 60, 62, 64, 65]
    assert conv.realigned == 1  # the 3-beat first ending: the repeat restarts on a bar line
    assert starts(conv)[11] == (12.0, 72)
    # unexpanded, the second ending would start on beat 11: it moves to the bar line
    flat = score_to_sequence(abc(tune), expand_repeats=False)
    assert not flat.repeats_expanded and flat.realigned == 1
    assert starts(flat)[11] == (12.0, 79)


# ---------------------------------------------------------------------------------------------
# MIDI folders


def melody(pitches: list[int], step: float = 0.5, numerator: int = 4, denominator: int = 4,
           drums: bool = False) -> NoteSequence:
    notes = [Note(p, i * step, step * 0.9) for i, p in enumerate(pitches)]
    tracks = [Track(notes, program=0, name="lead")]
    if drums:
        tracks.append(Track([Note(36 if i % 2 else 38, i * 0.5, 0.25) for i in range(len(pitches))],
                            is_drum=True, name="kit"))
    return NoteSequence(tracks, numerator=numerator, denominator=denominator)


TUNE_A = [60 + (5 * i) % 12 for i in range(32)]  # 4 bars of eighths, no two bars alike
TUNE_B = [84 - (7 * i) % 12 for i in range(32)]


def names_in(split: str, count: int, prefix: str = "piece") -> list[str]:
    """File names whose piece ids hash into ``split``."""
    found, i = [], 0
    while len(found) < count:
        name = f"{prefix}{i}.mid"
        if split_of(name) == split:
            found.append(name)
        i += 1
    return found


def test_midi_folder_build(tmp_path: Path) -> None:
    src = tmp_path / "midi"
    (src / "sub").mkdir(parents=True)
    train_names = names_in("train", 3)
    write_midi(melody(TUNE_A, drums=True), src / train_names[0])
    write_midi(melody(TUNE_B), src / "sub" / train_names[1])
    write_midi(melody(TUNE_A[:16], numerator=2, denominator=4), src / train_names[2])
    write_midi(melody(TUNE_A[:24], numerator=3, denominator=4), src / "waltz.mid")
    write_midi(melody([60, 62]), src / "tiny.midi")  # 2 onsets in bar 1 only: no 2-bar window
    (src / "broken.mid").write_bytes(b"MThd\x00\x00\x00\x06garbage")
    (src / "notes.txt").write_text("not MIDI")

    out = tmp_path / "out"
    summary = build_dataset(src, out, representations={"melody": MELODY, "drums": DRUMS},
                            window_bars=(2, 4), transpose=1, workers=2, progress=False)
    check_totals(summary)
    assert summary.files == 6 and summary.pieces_read == 6 and summary.pieces_used == 3
    assert summary.skipped["meter"] == 1 and summary.skipped["parse error"] == 1
    assert summary.skipped["too short"] == 1 and summary.duple == 1
    mel = load_windows(out, "melody", 2, "train")
    drums = load_windows(out, "drums", 4, "train")
    assert mel.dtype == np.uint8 and mel.shape[1:] == (32, 1)
    assert drums.dtype == np.uint16 and drums.shape[1:] == (64, 1)
    # drums are never transposed: 4-bar clip, one 4-bar window
    assert summary.windows["drums"][4]["train"].raw == summary.windows["drums"][4]["train"].untransposed == 1
    assert summary.windows["melody"][2]["train"].raw == 3 * summary.windows["melody"][2]["train"].untransposed
    pieces = json.loads((out / "pieces.json").read_text())
    assert sorted(pieces["train"]) == sorted([train_names[0], f"sub/{train_names[1]}", train_names[2]])


def test_leaked_windows_are_dropped(tmp_path: Path) -> None:
    src = tmp_path / "midi"
    src.mkdir()
    (t,), (v1, v2), (s1, s2) = names_in("train", 1), names_in("valid", 2), names_in("test", 2)
    tune_c = [48, 50, 52, 53, 55, 57, 59, 60] * 4
    write_midi(melody(TUNE_A), src / t)
    write_midi(melody(TUNE_A), src / v1)  # the same as the train piece
    write_midi(melody(TUNE_B), src / v2)
    write_midi(melody(TUNE_B), src / s1)  # the same as a valid piece
    write_midi(melody(tune_c, step=1.0), src / s2)  # 8 bars, all its own
    out = tmp_path / "out"
    summary = build_dataset(src, out, window_bars=(2,), transpose=2, workers=1, progress=False)
    check_totals(summary)
    counts = summary.windows["melody"][2]
    assert summary.pieces_per_split == {"train": 1, "valid": 2, "test": 2}
    assert counts["valid"].leaked == counts["valid"].unique - counts["valid"].kept > 0
    assert counts["test"].leaked > 0
    train = {w.tobytes() for w in load_windows(out, "melody", 2, "train")}
    valid = {w.tobytes() for w in load_windows(out, "melody", 2, "valid")}
    test = {w.tobytes() for w in load_windows(out, "melody", 2, "test")}
    assert valid and test and not valid & train and not test & (train | valid)
    # what is left in valid is tune B, in test tune C
    for tune, step, left in ((TUNE_B, 0.5, valid), (tune_c, 1.0, test)):
        windows = MEL.to_indices(melody(tune, step=step)).indices.astype(np.uint8).reshape(-1, 32, 1)
        assert {w.tobytes() for w in windows} <= left


def test_load_windows_round_trip_and_missing_file(tmp_path: Path) -> None:
    src = tmp_path / "midi"
    src.mkdir()
    write_midi(melody(TUNE_A), src / names_in("train", 1)[0])
    out = tmp_path / "out"
    build_dataset(src, out, window_bars=(2,), transpose=0, workers=1, progress=False)
    w = load_windows(out, "melody", 2, "train")
    assert isinstance(w, np.memmap) and not w.flags.writeable
    np.testing.assert_array_equal(w, np.load(windows_path(out, "melody", 2, "train")))
    expected = MEL.to_indices(melody(TUNE_A)).indices
    np.testing.assert_array_equal(w, [expected[16 * b : 16 * b + 32] for b in range(3)])
    assert len(w) == 3  # 4 bars, hop one bar, all distinct
    with pytest.raises(InputError, match="melody_4bar_train.npy"):
        load_windows(out, "melody", 4, "train")
    with pytest.raises(InputError, match="unknown split"):
        load_windows(out, "melody", 2, "dev")


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no collection 'nope'"):
        build_dataset("music21:nope", tmp_path, progress=False)
    with pytest.raises(InputError, match="neither a folder"):
        build_dataset(tmp_path / "missing", tmp_path, progress=False)
    with pytest.raises(InputError, match="window lengths"):
        build_dataset(NOTTINGHAM, tmp_path, window_bars=(0,), progress=False)
    with pytest.raises(InputError, match="splits"):
        build_dataset(NOTTINGHAM, tmp_path, splits=(0.5, 0.2, 0.2), progress=False)
    with pytest.raises(InputError, match="no files"):
        build_dataset(tmp_path, tmp_path / "out", progress=False)


# ---------------------------------------------------------------------------------------------
# CLI


def test_cli_build(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "out"
    code = data_main(["build", NOTTINGHAM, "-o", str(out), "--windows", "2", "--transpose", "0",
                      "--workers", "1", "--limit", "1", "--quiet"])
    assert code == 0
    printed = capsys.readouterr().out
    assert "pieces read: 2" in printed and "melody  2 bars train" in printed
    assert load_windows(out, "melody", 2, "train").shape[1:] == (32, 1)
    assert not windows_path(out, "melody", 4, "train").exists()


def test_cli_errors(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert data_main(["build", "music21:nope", "-o", str(tmp_path), "--quiet"]) == 2
    assert "segue data: error: music21's corpus has no collection 'nope'" in capsys.readouterr().err
    assert data_main(["build"]) == 2


def test_transpose_all_covers_every_key_and_octave_in_the_register(tmp_path: Path) -> None:
    """transpose="all": every shift that keeps the piece inside REGISTER, so low and high registers
    are trained too; valid and test stay as written."""
    from segue.models.training.dataset import REGISTER

    src = tmp_path / "midi"
    src.mkdir()
    write_midi(melody(TUNE_A), src / names_in("train", 1)[0])  # pitches 60..71
    write_midi(melody(TUNE_B), src / names_in("test", 1)[0])
    out = tmp_path / "out"
    summary = build_dataset(src, out, window_bars=(4,), transpose="all", workers=1, progress=False)
    shifts = (REGISTER[1] - 71) - (REGISTER[0] - 60) + 1
    assert shifts > 24  # more than two octaves of shifts: all 12 keys in several octaves
    train = summary.windows["melody"][4]["train"]
    assert train.untransposed == 1 and train.raw == shifts
    windows = np.asarray(load_windows(out, "melody", 4, "train"))
    pitches = windows[windows >= MELODY_FIRST_PITCH].astype(int) - MELODY_FIRST_PITCH + MELODY["min_pitch"]
    assert (pitches.min(), pitches.max()) == REGISTER
    assert summary.windows["melody"][4]["test"].raw == 1
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["transpose"] == "all"
    with pytest.raises(InputError, match="'all'"):
        build_dataset(src, out, window_bars=(4,), transpose="most", workers=1, progress=False)


def test_single_corpus_files_are_sources_with_their_own_licence(tmp_path: Path) -> None:
    from segue.models.training.corpus import EXTRA_PD_PIECES

    for item in EXTRA_PD_PIECES:
        assert CORPUS_LICENCES[item].commercial_ok, item
        assert not item.startswith(("bach", "essenFolksong", "beethoven", "haydn")), item
    summary = build_dataset("music21:liliuokalani/aloha_oe.mxl", tmp_path / "out", window_bars=(2,),
                            transpose=0, workers=1, progress=False)
    assert summary.pieces_used == 1
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())
    assert manifest["commercial_ok"] is True
    with pytest.raises(InputError, match="no collection"):
        build_dataset("music21:liliuokalani/../bach", tmp_path / "x", window_bars=(2,), workers=1, progress=False)
