"""Output shaping: scale snap, range folding, groove, fixed velocity, collisions, knobs."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from segue.engine.shaping import (
    KNOB_NAMES,
    LIVE_SCALES,
    MIN_DURATION,
    SCALES,
    Groove,
    Shape,
    fold_into_range,
    in_scale,
    resolve_collisions,
    shape_bar,
    snap,
)
from segue.models.notes import Note

C, Cs, D, Ds, E, F, Fs, G, Gs, A, As, B = range(60, 72)


def sixteenths(pitch: int = 60, velocity: int = 100, duration: float = 0.25) -> list[Note]:
    return [Note(pitch + (i % 2) * 2, i / 4, duration, velocity) for i in range(16)]


def swung_clip(bars: int = 1, swing: float = 0.08) -> list[Note]:
    """16th notes, every odd 16th late by ``swing`` beat; downbeats loud (110), odd ones soft (70)."""
    notes = []
    for i in range(16 * bars):
        odd = i % 2 == 1
        notes.append(Note(C, i / 4 + (swing if odd else 0.0), 0.2, 70 if odd else 110 if i % 4 == 0 else 90))
    return notes


# --- scales and snapping ---------------------------------------------------------------------------


def test_scale_tables():
    for name, intervals in SCALES.items():
        assert intervals[0] == 0 and list(intervals) == sorted(set(intervals)), name
        assert all(0 <= i < 12 for i in intervals), name
    assert len(SCALES["chromatic"]) == 12
    assert set(LIVE_SCALES.values()) <= set(SCALES)
    for live in ("Major", "Minor", "Dorian", "Mixolydian", "Lydian", "Phrygian", "Locrian", "Harmonic Minor",
                 "Melodic Minor", "Major Pentatonic", "Minor Pentatonic", "Blues"):
        assert live in LIVE_SCALES


def test_snap_c_major():
    assert [snap(p, 0, "major") for p in range(C, C + 13)] == [C, C, D, D, E, F, F, G, G, A, A, B, C + 12]


def test_snap_ties_go_down():
    assert snap(Cs, 0, "major") == C  # C# is 1 from C and 1 from D
    assert snap(Fs, 0, "major") == F
    assert snap(As, 0, "major") == A
    assert snap(Cs, 0, "pentatonic_major") == C


def test_snap_a_minor():
    assert [snap(p, 9, "minor") for p in (Gs, As, Cs, Fs)] == [G, A, C, F]
    assert snap(Gs, 9, "harmonic_minor") == Gs  # the raised seventh is in the scale
    assert snap(G, 9, "harmonic_minor") == Gs  # G natural is not: 1 below G#, 2 above F


def test_snap_pentatonic():
    # C major pentatonic: C D E G A
    assert snap(F, 0, "pentatonic_major") == E  # 1 from E, 2 from G
    assert snap(Fs, 0, "pentatonic_major") == G
    assert snap(As, 0, "pentatonic_major") == A
    assert snap(B, 0, "pentatonic_major") == C + 12
    # A minor pentatonic: A C D E G, the same pitch classes
    assert [snap(p, 9, "pentatonic_minor") for p in range(C, C + 12)] == [
        snap(p, 0, "pentatonic_major") for p in range(C, C + 12)]


def test_snap_chromatic_and_no_root_are_no_ops():
    for p in range(128):
        assert snap(p, -1, "major") == p
        assert snap(p, 5, "chromatic") == p


def test_snap_stays_in_midi_range():
    assert snap(0, 2, "major") == 1  # the tie would go down to -1
    assert snap(127, 1, "pentatonic_major") == 125  # 128 is nearer but not MIDI


def test_snap_rejects_bad_root_and_scale():
    with pytest.raises(ValueError, match="0..11"):
        snap(60, 12, "major")
    with pytest.raises(ValueError, match="pentatonic_minor"):
        snap(60, 0, "bogus")
    assert snap(Cs, 0, "Major") == C  # Live's names are understood


@settings(max_examples=60)
@given(st.integers(0, 127), st.integers(0, 11), st.sampled_from(sorted(SCALES)))
def test_snap_property_nearest_in_scale(pitch, root, scale):
    out = snap(pitch, root, scale)
    assert 0 <= out <= 127 and in_scale(out, root, scale)
    nearer = [p for p in range(128) if abs(p - pitch) < abs(out - pitch) and in_scale(p, root, scale)]
    assert nearer == []


# --- range folding ---------------------------------------------------------------------------------


def test_fold_into_range_by_octaves():
    assert fold_into_range(64, 60, 72) == 64
    assert fold_into_range(40, 60, 72) == 64
    assert fold_into_range(90, 60, 72) == 66
    assert fold_into_range(30, 48, 59) == 54
    assert fold_into_range(127, 0, 127) == 127
    assert fold_into_range(132, 0, 127) == 120  # the fewest octaves: down one, not to the bottom
    assert fold_into_range(-5, 0, 127) == 7


def test_fold_narrow_range_clamps_to_nearest_bound():
    assert fold_into_range(50, 60, 64) == 62  # D fits
    assert fold_into_range(67, 60, 64) == 64  # G: 67 is 3 above, 55 is 5 below
    assert fold_into_range(71, 60, 64) == 60  # B: 59 is 1 below
    assert fold_into_range(43, 60, 62) == 60  # G: 55 and 67 are both 5 away: ties go low


def test_fold_degenerate_range():
    assert {fold_into_range(p, 60, 60) for p in range(128)} == {60}
    with pytest.raises(ValueError, match="range"):
        fold_into_range(60, 70, 60)


@settings(max_examples=60)
@given(st.integers(-60, 190), st.integers(0, 127), st.integers(0, 127))
def test_fold_property(pitch, a, b):
    low, high = min(a, b), max(a, b)
    out = fold_into_range(pitch, low, high)
    assert low <= out <= high
    octaves_inside = [p for p in range(low, high + 1) if (p - pitch) % 12 == 0]
    if octaves_inside:  # always so when the range spans an octave
        assert out == min(octaves_inside, key=lambda p: abs(p - pitch))
    else:
        assert out in (low, high)
    if high - low >= 11:
        assert octaves_inside


# --- groove ----------------------------------------------------------------------------------------


def test_groove_from_swung_clip():
    groove = Groove.from_notes(swung_clip(), 4.0)
    assert groove.length_steps == 16
    assert groove.at(0, 0) == (0.0, 110)
    offset, velocity = groove.at(0, 1)
    assert offset == pytest.approx(0.08) and velocity == 70
    assert groove.at(0, 2) == (0.0, 90)
    assert groove.average_velocity == round((4 * 110 + 4 * 90 + 8 * 70) / 16)


def test_groove_missing_positions_and_wrap():
    groove = Groove.from_notes([Note(C, 1.0, 0.5, 80), Note(C, 3.95, 0.5, 40)], 4.0)
    assert groove.at(0, 1) is None
    assert groove.at(0, 4) == (0.0, 80)
    offset, velocity = groove.at(0, 0)  # a note played just before the loop point is a pushed downbeat
    assert offset == pytest.approx(-0.05) and velocity == 40
    assert groove.average_velocity == 60
    with pytest.raises(ValueError):
        Groove.from_notes([], 0)


def test_groove_chord_averages():
    groove = Groove.from_notes([Note(C, 0.02, 1, 100), Note(E, 0.04, 1, 60)], 4.0)
    offset, velocity = groove.at(0, 0)
    assert offset == pytest.approx(0.03) and velocity == 80


def test_groove_zero_is_identity():
    bar = sixteenths(velocity=64)
    groove = Groove.from_notes(swung_clip(), 4.0)
    assert shape_bar(bar, Shape(groove=0.0), groove) == bar
    assert shape_bar(bar, Shape(), None) == bar


def test_groove_full():
    bar = sixteenths(velocity=64)
    out = shape_bar(bar, Shape(groove=1.0), Groove.from_notes(swung_clip(), 4.0))
    assert len(out) == 16
    for before, after in zip(bar, out, strict=True):
        odd = round(before.start * 4) % 2
        assert after.start == pytest.approx(before.start + (0.08 if odd else 0.0))
        assert after.end == pytest.approx(before.end)  # the end stays where it was
        assert after.velocity == (70 if odd else 110 if round(before.start * 4) % 4 == 0 else 90)


def test_groove_half():
    bar = sixteenths(velocity=64)
    out = shape_bar(bar, Shape(groove=0.5), Groove.from_notes(swung_clip(), 4.0))
    assert out[1].start == pytest.approx(0.25 + 0.04)
    assert out[1].velocity == round(0.5 * 64 + 0.5 * 70)
    assert out[0].start == 0.0 and out[0].velocity == round(0.5 * 64 + 0.5 * 110)


def test_groove_fallback_velocity_where_source_is_silent():
    groove = Groove.from_notes([Note(C, 0.0, 1, 100), Note(C, 2.0, 1, 20)], 4.0)  # average 60
    out = shape_bar([Note(E, 1.0, 0.5, 100)], Shape(groove=1.0), groove)
    assert out == [Note(E, 1.0, 0.5, 60)]


def test_groove_cycles_over_bars():
    source = [Note(C, 0.0, 1, 100), Note(C, 4.1, 1, 50)]  # bar 1's downbeat is late
    groove = Groove.from_notes(source, 8.0)
    starts = [shape_bar([Note(E, 0.0, 1, 80)], Shape(groove=1.0), groove, bar)[0].start for bar in range(4)]
    assert starts == pytest.approx([0.0, 0.1, 0.0, 0.1])
    one_bar = Groove.from_notes(swung_clip(), 4.0)
    for bar in range(3):
        assert shape_bar([Note(E, 0.25, 0.25, 80)], Shape(groove=1.0), one_bar, bar)[0].start == pytest.approx(0.33)


def test_groove_keeps_start_non_negative_and_min_duration():
    groove = Groove.from_notes([Note(C, 3.95, 0.1, 100), Note(C, 0.35, 0.1, 100)], 4.0)
    first, second = shape_bar([Note(E, 0.0, 0.5, 100), Note(G, 0.25, 0.0625, 100)], Shape(groove=1.0), groove)
    assert first.start == 0.0 and first.duration == 0.5
    assert second.start == pytest.approx(0.35) and second.duration == MIN_DURATION


def test_groove_leaves_off_grid_notes_alone():
    groove = Groove.from_notes(swung_clip(), 4.0)
    note = Note(E, 0.3, 0.2, 64)
    assert shape_bar([note], Shape(groove=1.0), groove) == [note]


# --- pitch knobs, velocity ---------------------------------------------------------------------------


def test_fixed_velocity_overrides_groove():
    groove = Groove.from_notes(swung_clip(), 4.0)
    out = shape_bar(sixteenths(), Shape(velocity=90, groove=1.0), groove)
    assert {n.velocity for n in out} == {90}


def test_octave_transposition_and_midi_fold():
    assert [n.pitch for n in shape_bar([Note(C, 0, 1)], Shape(octave=2))] == [C + 24]
    assert [n.pitch for n in shape_bar([Note(C, 0, 1)], Shape(octave=-1))] == [C - 12]
    assert [n.pitch for n in shape_bar([Note(120, 0, 1)], Shape(octave=1))] == [120]  # 132 folds back down
    assert [n.pitch for n in shape_bar([Note(5, 0, 1)], Shape(octave=-4))] == [5]


def test_order_octave_then_snap_then_range():
    shape = Shape(octave=1, scale_root=0, scale="major", range_low=48, range_high=59)
    assert [n.pitch for n in shape_bar([Note(Cs, 0, 1)], shape)] == [48]  # 73 -> 72 (C) -> 48


def test_narrow_range_prefers_scale_pitches_over_clamped_bound():
    shape = Shape(scale_root=0, scale="major", range_low=61, range_high=63)
    assert [n.pitch for n in shape_bar([Note(C, 0, 1)], shape)] == [D]
    lone = Shape(scale_root=0, scale="major", range_low=61, range_high=61)
    assert [n.pitch for n in shape_bar([Note(C, 0, 1)], lone)] == [Cs]  # no scale pitch at all: clamped


def test_range_knobs_in_either_order():
    shape = Shape(range_low=72, range_high=60)
    assert shape.pitch_range == (60, 72)
    assert [n.pitch for n in shape_bar([Note(40, 0, 1)], shape)] == [64]


# --- collisions ------------------------------------------------------------------------------------


def test_same_pitch_same_start_merged_keeping_longer():
    out = shape_bar([Note(C, 0, 0.5, 100), Note(C, 0, 1.0, 50)], Shape())
    assert out == [Note(C, 0, 1.0, 50)]


def test_snap_collisions_merge():
    out = shape_bar([Note(C, 0, 1.0, 90), Note(Cs, 0, 2.0, 80), Note(E, 0, 1.0, 70)], Shape(scale_root=0))
    assert out == [Note(C, 0, 2.0, 80), Note(E, 0, 1.0, 70)]


def test_overlaps_trimmed():
    out = shape_bar([Note(C, 1, 1, 90), Note(C, 0, 2, 80), Note(E, 0, 4, 70)], Shape())
    assert out == [Note(C, 0, 1, 80), Note(E, 0, 4, 70), Note(C, 1, 1, 90)]


def test_near_simultaneous_starts_merge():
    out = resolve_collisions([Note(C, 0.0, 0.5, 90), Note(C, 0.01, 1.0, 80)])
    assert out == [Note(C, 0.01, 1.0, 80)]


# --- knobs -----------------------------------------------------------------------------------------


def test_with_knob_sets_and_validates():
    shape = Shape()
    assert shape.with_knob("octave", 3.0).octave == 3  # OSC may send integral floats
    assert shape.with_knob("groove", 1).groove == 1.0
    assert shape.with_knob("scale", "Minor Pentatonic").scale == "pentatonic_minor"
    assert shape.with_knob("velocity", 0).velocity == 0
    assert shape == Shape()  # unchanged
    assert set(KNOB_NAMES) == {"velocity", "groove", "octave", "range_low", "range_high", "scale_root", "scale"}


@pytest.mark.parametrize("name, value, message", [
    ("velocity", 128, r"velocity.*0\.\.127"),
    ("velocity", -1, r"velocity.*0\.\.127"),
    ("velocity", 64.5, r"velocity.*0\.\.127"),
    ("groove", 1.5, r"groove.*0\.\.1"),
    ("groove", float("nan"), r"groove.*0\.\.1"),
    ("octave", 5, r"octave.*-4\.\.4"),
    ("octave", True, r"octave.*-4\.\.4"),
    ("range_low", -1, r"range_low.*0\.\.127"),
    ("range_high", 128, r"range_high.*0\.\.127"),
    ("scale_root", 12, r"scale_root.*-1\.\.11"),
    ("scale", "bogus", r"major.*harmonic_minor.*chromatic"),
    ("scale", 3, r"scale must be one of"),
    ("tempo", 1, r"unknown shaping knob 'tempo'.*velocity"),
])
def test_with_knob_errors(name, value, message):
    with pytest.raises(ValueError, match=message):
        Shape().with_knob(name, value)


def test_shape_constructor_validates():
    with pytest.raises(ValueError, match="velocity"):
        Shape(velocity=200)


# --- properties ------------------------------------------------------------------------------------

notes_st = st.lists(
    st.builds(Note, st.integers(0, 127), st.integers(0, 15).map(lambda s: s / 4),
              st.sampled_from([0.0625, 0.125, 0.25, 0.5, 1.0, 2.0, 4.0]), st.integers(1, 127)),
    max_size=24)
shapes_st = st.builds(Shape, scale_root=st.integers(-1, 11), scale=st.sampled_from(sorted(SCALES)),
                      velocity=st.sampled_from([0, 0, 1, 64, 127]), groove=st.floats(0, 1),
                      octave=st.integers(-4, 4), range_low=st.integers(0, 127), range_high=st.integers(0, 127))
source_st = st.lists(st.builds(Note, st.just(60), st.floats(0, 8), st.just(0.25), st.integers(1, 127)), max_size=20)
grooves_st = st.one_of(st.none(), st.builds(Groove.from_notes, source_st, st.sampled_from([1.0, 4.0, 8.0, 16.0])))


@settings(max_examples=80, deadline=None)
@given(notes_st, shapes_st, grooves_st, st.integers(0, 7))
def test_shape_bar_properties(notes, shape, groove, bar_index):
    before = list(notes)
    out = shape_bar(notes, shape, groove, bar_index)
    assert notes == before  # inputs unchanged (Note itself is frozen)
    low, high = shape.pitch_range
    scale_fits = any(in_scale(p, shape.scale_root, shape.scale) for p in range(low, high + 1))
    for n in out:
        assert 0 <= low <= n.pitch <= high <= 127
        assert not scale_fits or in_scale(n.pitch, shape.scale_root, shape.scale)
        assert n.start >= 0 and n.duration >= MIN_DURATION - 1e-12 and 1 <= n.velocity <= 127
        if shape.velocity:
            assert n.velocity == shape.velocity
    assert out == sorted(out, key=lambda n: (n.start, n.pitch))
    by_pitch: dict[int, list[Note]] = {}
    for n in out:
        by_pitch.setdefault(n.pitch, []).append(n)
    for same in by_pitch.values():
        for a, b in zip(same, same[1:]):
            assert a.end <= b.start + 1e-9
    assert len(out) <= len(notes)


@settings(max_examples=40, deadline=None)
@given(notes_st, grooves_st, st.integers(0, 7))
def test_neutral_shape_is_identity(notes, groove, bar_index):
    clean = resolve_collisions(notes)
    assert shape_bar(clean, Shape(), groove, bar_index) == clean
