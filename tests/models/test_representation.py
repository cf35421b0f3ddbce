"""Representations: round trips, Magenta's melody/drum rules, bad input, windowing."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.models.errors import ClipLengthError, EmptyClipError, InputError, MeterError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import (
    DRUM_PITCH_TABLES,
    MAX_CLIP_BARS,
    MELODY_NOTE_OFF,
    STEPS_PER_BAR,
    DrumsRepresentation,
    MelodyRepresentation,
    Representation,
    TrioRepresentation,
    join_windows,
    representation_from_dict,
    split_windows,
)

MELODY = MelodyRepresentation()
DRUMS = DrumsRepresentation()
TRIO = TrioRepresentation()


def pitch_index(pitch: int) -> int:
    return pitch - 21 + 2


def melody(*notes: tuple[int, float, float], program: int = 0) -> NoteSequence:
    """(pitch, start, duration) tuples in beats -> one-track sequence."""
    return NoteSequence([Track([Note(p, s, d) for p, s, d in notes], program=program)])


def drums(*hits: tuple[int, float]) -> NoteSequence:
    return NoteSequence([Track([Note(p, s, 0.25) for p, s in hits], is_drum=True)])


# ---------------------------------------------------------------------------------------------
# Strategies: index arrays that to_indices itself would produce


@st.composite
def melody_columns(draw: st.DrawFn, n_bars: int, allow_empty: bool = False) -> np.ndarray:
    """A canonical melody event stream: NOTE_OFF only ever ends a sounding note."""
    column = np.zeros(n_bars * STEPS_PER_BAR, np.int64)
    sounding = False
    for step in range(len(column)):
        roll = draw(st.integers(0, 9))
        if roll < 2:  # onset
            column[step] = draw(st.integers(2, 89))
            sounding = True
        elif roll == 2 and sounding:
            column[step] = MELODY_NOTE_OFF
            sounding = False
    if not allow_empty and not column.any():
        column[draw(st.integers(0, len(column) - 1))] = draw(st.integers(2, 89))
    return column


@st.composite
def drum_columns(draw: st.DrawFn, n_bars: int, allow_empty: bool = False) -> np.ndarray:
    steps = n_bars * STEPS_PER_BAR
    hits = st.one_of(st.just(0), st.just(0), st.integers(1, 511))
    column = np.array(draw(st.lists(hits, min_size=steps, max_size=steps)), np.int64)
    if not allow_empty and not column.any():
        column[draw(st.integers(0, steps - 1))] = draw(st.integers(1, 511))
    return column


@st.composite
def trio_arrays(draw: st.DrawFn) -> np.ndarray:
    n_bars = draw(st.integers(1, 3))
    arr = np.stack(
        [
            draw(melody_columns(n_bars, allow_empty=True)),
            draw(melody_columns(n_bars, allow_empty=True)),
            draw(drum_columns(n_bars, allow_empty=True)),
        ],
        axis=1,
    )
    if not arr.any():
        arr[0, 2] = 1
    return arr


# ---------------------------------------------------------------------------------------------
# Round trips: indices -> NoteSequence -> indices


@settings(max_examples=50)
@given(n_bars=st.integers(1, 4), data=st.data())
def test_melody_round_trip(n_bars: int, data: st.DataObject) -> None:
    column = data.draw(melody_columns(n_bars))
    seq = MELODY.from_indices(column[:, None])
    result = MELODY.to_indices(seq, num_bars=n_bars)
    np.testing.assert_array_equal(result.indices[:, 0], column)
    assert (result.dropped_out_of_range, result.dropped_polyphonic) == (0, 0)


@settings(max_examples=50)
@given(n_bars=st.integers(1, 4), table=st.sampled_from(["current", "legacy"]), data=st.data())
def test_drums_round_trip(n_bars: int, table: str, data: st.DataObject) -> None:
    rep = DrumsRepresentation(table)
    column = data.draw(drum_columns(n_bars))
    result = rep.to_indices(rep.from_indices(column[:, None]), num_bars=n_bars)
    np.testing.assert_array_equal(result.indices[:, 0], column)


@settings(max_examples=50)
@given(arr=trio_arrays())
def test_trio_round_trip(arr: np.ndarray) -> None:
    seq = TRIO.from_indices(torch.as_tensor(arr))
    result = TRIO.to_indices(seq, num_bars=len(arr) // STEPS_PER_BAR)
    np.testing.assert_array_equal(result.indices, arr)


def test_from_indices_tracks_velocity_and_offset() -> None:
    arr = np.zeros((16, 3), np.int64)
    arr[0] = [pitch_index(72), pitch_index(36), 1 | 2]
    arr[2, 0] = MELODY_NOTE_OFF
    seq = TRIO.from_indices(arr, qpm=90.0, velocity=64, start_beat=8.0)
    mel, bass, kit = seq.tracks
    assert seq.qpm == 90.0
    assert (mel.program, bass.program, kit.is_drum, mel.is_drum) == (0, 33, True, False)
    assert mel.notes == [Note(72, 8.0, 0.5, 64)]
    assert bass.notes == [Note(36, 8.0, 4.0, 64)]  # no NOTE_OFF: lasts to the end
    assert sorted(n.pitch for n in kit.notes) == [36, 38]
    assert all(n.duration == 0.25 and n.velocity == 64 for n in kit.notes)


# ---------------------------------------------------------------------------------------------
# Melody rules


def test_highest_note_wins_shared_onset() -> None:
    result = MELODY.to_indices(melody((60, 0, 1), (67, 0, 1), (64, 0, 1)))
    assert result.indices[0, 0] == pitch_index(67)
    assert result.dropped_polyphonic == 2
    assert any("highest pitch wins" in m for m in result.messages)


def test_tracks_are_merged_into_one_line() -> None:
    seq = NoteSequence(
        [
            Track([Note(60, 0, 1)], program=0),
            Track([Note(72, 0, 1), Note(65, 2, 1)], program=24),
            Track([Note(80, 1, 1)], program=40),  # outside 0-31: ignored
            Track([Note(38, 3, 1)], is_drum=True),  # drums: ignored
        ]
    )
    col = MELODY.to_indices(seq).indices[:, 0]
    assert col[0] == pitch_index(72) and col[4] == MELODY_NOTE_OFF
    assert col[8] == pitch_index(65) and col[12] == MELODY_NOTE_OFF
    assert np.count_nonzero(col) == 4


def test_new_onset_ends_sounding_note() -> None:
    result = MELODY.to_indices(melody((60, 0, 4), (62, 1, 0.5)))
    col = result.indices[:, 0]
    assert col[0] == pitch_index(60) and col[4] == pitch_index(62) and col[6] == MELODY_NOTE_OFF
    assert np.count_nonzero(col) == 3  # the long note's end is gone: the line stops at step 6
    assert any("shortened 1 note" in m for m in result.messages)


def test_note_off_only_where_no_onset_and_not_at_clip_end() -> None:
    col = MELODY.to_indices(melody((60, 0, 1), (62, 1, 1), (64, 3, 1))).indices[:, 0]
    expected = np.zeros(16, np.int64)
    expected[[0, 4, 12]] = [pitch_index(p) for p in (60, 62, 64)]
    expected[8] = MELODY_NOTE_OFF  # 62 ends at step 8; 64 ends on the clip's end: no NOTE_OFF
    np.testing.assert_array_equal(col, expected)


def test_out_of_range_dropped_and_counted() -> None:
    result = MELODY.to_indices(melody((20, 0, 1), (60, 1, 1), (109, 2, 1), (127, 3, 1)))
    assert result.dropped_out_of_range == 3
    assert np.count_nonzero(result.indices[:, 0] >= 2) == 1
    assert any("3 notes outside pitch range 21..108" in m for m in result.messages)


def test_quantization_rounds_to_nearest_16th_and_keeps_one_step() -> None:
    col = MELODY.to_indices(melody((60, 0.13, 0.01), (62, 0.6, 0.2))).indices[:, 0]
    assert col[1] == pitch_index(60) and col[2] == pitch_index(62) and col[3] == MELODY_NOTE_OFF


def test_length_defaults_to_whole_bars_and_num_bars_cuts() -> None:
    seq = melody((60, 0, 1), (62, 5, 1))
    assert MELODY.to_indices(seq).indices.shape == (32, 1)
    assert MELODY.to_indices(melody((60, 0, 4))).indices.shape == (16, 1)
    cut = MELODY.to_indices(melody((60, 0, 1), (62, 3, 4), (64, 6, 1)), num_bars=1)
    assert cut.indices.shape == (16, 1)
    assert any("starting after the end of the 1-bar clip" in m for m in cut.messages)
    assert any("cut 1 note" in m for m in cut.messages)
    assert MELODY.to_indices(seq, num_bars=3).indices.shape == (48, 1)


def test_melody_input_is_one_hot_with_batch_dims() -> None:
    idx = torch.randint(0, 90, (2, 3, 32, 1))
    x = MELODY.to_input(idx)
    assert x.shape == (2, 3, 32, 90) and x.dtype == torch.float32
    assert torch.equal(x.argmax(-1), idx[..., 0]) and torch.all(x.sum(-1) == 1)


# ---------------------------------------------------------------------------------------------
# Drums


@pytest.mark.parametrize(
    ("pitch", "current", "legacy"),
    [(22, 2, None), (26, 3, None), (43, 4, 6), (52, 7, 8)],
)
def test_legacy_and_current_drum_tables_differ(
    pitch: int, current: int, legacy: int | None
) -> None:
    seq = drums((36, 0), (pitch, 1))
    new = DrumsRepresentation("current").to_indices(seq)
    old = DrumsRepresentation("legacy").to_indices(seq)
    assert new.indices[4, 0] == 1 << current and new.dropped_out_of_range == 0
    if legacy is None:
        assert old.indices[4, 0] == 0 and old.dropped_out_of_range == 1
    else:
        assert old.indices[4, 0] == 1 << legacy


def test_drum_tables_cover_nine_classes_without_duplicates() -> None:
    for table in DRUM_PITCH_TABLES.values():
        pitches = [p for cls in table for p in cls]
        assert len(table) == 9 and len(pitches) == len(set(pitches))
        assert [cls[0] for cls in table] == [36, 38, 42, 46, 45, 48, 50, 49, 51]


def test_drums_union_and_unmapped_dropped() -> None:
    seq = NoteSequence(
        [
            Track([Note(36, 0, 0.25), Note(42, 0, 0.25), Note(99, 1, 0.25)], is_drum=True),
            Track([Note(38, 0, 1), Note(35, 0.5, 1)], is_drum=True),
            Track([Note(36, 2, 1)], program=0),  # not a drum track: ignored
        ]
    )
    result = DRUMS.to_indices(seq)
    col = result.indices[:, 0]
    assert col[0] == 1 | 2 | 4 and col[2] == 1 and np.count_nonzero(col) == 2
    assert (result.dropped_out_of_range, result.dropped_polyphonic) == (1, 0)
    assert any("[99]" in m for m in result.messages)


def test_drum_input_roll_and_nor_bit() -> None:
    idx = torch.tensor([[0], [1], [256 + 4], [511]])
    x = DRUMS.to_input(idx[None])[0]
    assert x.shape == (4, 10)
    expected = torch.zeros(4, 10)
    expected[0, 9] = 1  # nothing hit: NOR bit
    expected[1, 0] = 1
    expected[2, [2, 8]] = 1
    expected[3, :9] = 1
    assert torch.equal(x, expected)


# ---------------------------------------------------------------------------------------------
# Trio


def test_trio_widths_and_input() -> None:
    assert TRIO.output_depths == (90, 90, 512) and TRIO.n_heads == 3
    assert TRIO.input_depth == 692
    idx = torch.tensor([[[2, 5, 0], [0, 1, 511]]])
    x = TRIO.to_input(idx)
    assert x.shape == (1, 2, 692)
    assert x[0, 0, 2] == 1 and x[0, 0, 90 + 5] == 1 and x[0, 0, 180] == 1
    assert x[0, 1, 0] == 1 and x[0, 1, 91] == 1 and x[0, 1, 180 + 511] == 1
    assert torch.all(x.sum(-1) == 3)


def test_trio_types_tracks_by_program_and_fills_missing_parts() -> None:
    seq = NoteSequence(
        [
            Track([Note(40, 0, 1)], program=33),
            Track([Note(70, 0, 1)], program=48),  # strings: neither melody nor bass
        ]
    )
    result = TRIO.to_indices(seq)
    assert result.indices[0].tolist() == [0, pitch_index(40), 0]
    assert not result.indices[:, [0, 2]].any()
    text = " | ".join(result.messages)
    assert "no melody notes" in text and "no drums notes" in text and "program 48" in text


def test_trio_all_parts_empty_raises() -> None:
    with pytest.raises(EmptyClipError, match="no trio notes"):
        TRIO.to_indices(NoteSequence([Track([Note(70, 0, 1)], program=48)]))


# ---------------------------------------------------------------------------------------------
# Serialisation


@pytest.mark.parametrize("rep", [MELODY, DRUMS, DrumsRepresentation("legacy"), TRIO])
def test_to_dict_round_trip(rep: Representation) -> None:
    d = json.loads(json.dumps(rep.to_dict()))
    assert d["kind"] == rep.kind
    rebuilt = representation_from_dict(d)
    assert rebuilt == rep and rebuilt.output_depths == rep.output_depths


def test_from_dict_defaults_and_errors() -> None:
    assert representation_from_dict({"kind": "trio"}) == TRIO
    assert representation_from_dict({"kind": "melody", "programs": [0, 31]}) == MELODY
    assert MELODY.output_depths == (90,) and DRUMS.output_depths == (512,)
    assert DRUMS.input_depth == 10
    with pytest.raises(ValueError, match="unknown representation kind"):
        representation_from_dict({"kind": "polyphony"})
    with pytest.raises(ValueError, match="bad arguments"):
        representation_from_dict({"kind": "drums", "pitches": 3})


# ---------------------------------------------------------------------------------------------
# Bad input


def test_meter_error_names_meter() -> None:
    seq = melody((60, 0, 1))
    seq.numerator, seq.denominator = 3, 4
    with pytest.raises(MeterError, match=r"3/4.*needs 4/4"):
        MELODY.to_indices(seq)


def test_empty_melody_says_why() -> None:
    seq = NoteSequence([Track([Note(60, 0, 1)], program=40), Track([Note(36, 0, 1)], is_drum=True)])
    with pytest.raises(EmptyClipError, match=r"programs 0-31 in 21\.\.108"):
        MELODY.to_indices(seq)
    with pytest.raises(EmptyClipError, match="no tracks"):
        MELODY.to_indices(NoteSequence())
    with pytest.raises(EmptyClipError, match="no drum notes"):
        DRUMS.to_indices(melody((60, 0, 1)))


@pytest.mark.parametrize(
    ("note", "problem"),
    [
        (Note(60, -1.0, 1.0), "start is negative"),
        (Note(60, 0.0, 0.0), "duration is not positive"),
        (Note(60, 0.0, -1.0), "duration is not positive"),
        (Note(128, 0.0, 1.0), "pitch"),
        (Note(-1, 0.0, 1.0), "pitch"),
        (Note(60, 0.0, 1.0, velocity=0), "velocity"),
        (Note(60, 0.0, 1.0, velocity=128), "velocity"),
    ],
)
def test_bad_notes_raise_input_error_naming_the_note(note: Note, problem: str) -> None:
    seq = NoteSequence([Track([Note(60, 0, 1), note], program=0, name="lead")])
    with pytest.raises(InputError, match=problem) as info:
        MELODY.to_indices(seq)
    assert str(note) in str(info.value) and "'lead'" in str(info.value)


def test_bad_indices_are_refused() -> None:
    with pytest.raises(ValueError, match="shape"):
        TRIO.to_input(torch.zeros(4, 2, dtype=torch.long))
    with pytest.raises(ValueError, match="out of range"):
        MELODY.to_input(torch.full((4, 1), 90))
    with pytest.raises(ValueError, match="integer"):
        DRUMS.to_input(torch.zeros(4, 1))
    with pytest.raises(ValueError, match="0..511"):
        DRUMS.from_indices(np.array([[512]]))


# ---------------------------------------------------------------------------------------------
# Windowing


def test_short_clip_is_padded_with_rests() -> None:
    idx = MELODY.to_indices(melody((60, 0, 2))).indices
    w = split_windows(idx, window_bars=2)
    assert w.windows.shape == (1, 32, 1) and (w.clip_bars, w.padded_bars) == (1, 1)
    assert w.messages == ["clip is 1 bar; padded with 1 bar of rests to fill the 2-bar window"]
    assert not w.windows[0, 16:].any()


def test_padding_closes_a_note_sounding_at_the_end() -> None:
    idx = MELODY.to_indices(melody((60, 0, 4))).indices  # lasts to the clip's end
    plain = split_windows(idx, 2)
    closed = split_windows(idx, 2, melodic_heads=MELODY.melodic_heads)
    assert plain.windows[0, 16, 0] == 0 and closed.windows[0, 16, 0] == MELODY_NOTE_OFF
    back = MELODY.from_indices(join_windows(closed.windows))
    assert back.tracks[0].notes == [Note(60, 0.0, 4.0, 80)]


def test_long_clip_splits_into_bar_aligned_windows_and_joins_back() -> None:
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 90, size=(5 * STEPS_PER_BAR, 3))
    w = split_windows(idx, window_bars=2)
    assert w.windows.shape == (3, 32, 3) and (w.clip_bars, w.padded_bars) == (5, 1)
    assert "split into 3 windows of 2 bars" in w.messages[0]
    np.testing.assert_array_equal(w.windows[1], idx[32:64])
    np.testing.assert_array_equal(join_windows(w.windows, keep_bars=w.clip_bars), idx)
    assert join_windows(w.windows).shape == (96, 3)
    exact = split_windows(idx[:64], window_bars=2)
    assert exact.padded_bars == 0 and exact.windows.shape == (2, 32, 3)


def test_over_limit_clip_names_the_limit() -> None:
    assert MAX_CLIP_BARS == 64
    split_windows(np.zeros((64 * STEPS_PER_BAR, 1), np.int64), 16)
    with pytest.raises(ClipLengthError, match="clip is 80 bars; the limit is 64 bars"):
        split_windows(np.zeros((80 * STEPS_PER_BAR, 1), np.int64), 2)


def test_window_argument_errors() -> None:
    with pytest.raises(ValueError, match="multiple of 16"):
        split_windows(np.zeros((20, 1), np.int64), 2)
    with pytest.raises(ValueError, match="window_bars"):
        split_windows(np.zeros((16, 1), np.int64), 0)
    with pytest.raises(EmptyClipError):
        split_windows(np.zeros((0, 1), np.int64), 2)
