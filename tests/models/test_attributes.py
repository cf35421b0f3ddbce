"""Tests for segue.models.attributes: hand-computed metrics, a loop reference, attribute vectors."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from segue.models.attributes import (
    ATTRIBUTES,
    DRUM_ATTRIBUTES,
    PRODUCER_NAMES,
    attribute_vector,
    average_interval,
    c_diatonic,
    fit_attribute_vectors,
    note_density,
    resolve_attribute,
    syncopation_8th,
    syncopation_16th,
)
from segue.models.errors import ModelError

NOTE_OFF = 1


def melody(onsets: dict[int, int], steps: int = 16, note_offs: tuple[int, ...] = ()) -> np.ndarray:
    """A melody index array with MIDI pitch onsets at the given steps and NOTE_OFFs elsewhere."""
    arr = np.zeros(steps, dtype=np.int64)
    for step in note_offs:
        arr[step] = NOTE_OFF
    for step, pitch in onsets.items():
        arr[step] = pitch - 21 + 2
    return arr


def reference(arr: np.ndarray, drums: bool = False) -> dict[str, float]:
    """Every metric for one row, written as plain loops straight from the definitions."""
    row = [int(v) for v in arr]
    on = [(v > 0) if drums else (v >= 2) for v in row]
    idx = [i for i, o in enumerate(on) if o]
    n = len(idx)
    pitches = [row[i] - 2 + 21 for i in idx]
    s16 = sum(1 for i in idx if i % 2 == 1 and not on[i - 1])
    s8 = sum(1 for i in idx if i % 4 == 2 and not on[i - 1] and not on[i - 2])
    out = {
        "note_density": n / len(row),
        "syncopation_16th": s16 / n if n else 0.0,
        "syncopation_8th": s8 / n if n else 0.0,
    }
    if not drums:
        out["c_diatonic"] = (
            sum(1 for p in pitches if p % 12 in (0, 2, 4, 5, 7, 9, 11)) / n if n else 0.0
        )
        jumps = [abs(b - a) for a, b in zip(pitches, pitches[1:], strict=False)]
        out["average_interval"] = sum(jumps) / len(jumps) if jumps else 0.0
    return out


def random_melodies(rng: np.random.Generator, n: int, steps: int) -> np.ndarray:
    kind = rng.choice(3, size=(n, steps), p=[0.5, 0.1, 0.4])
    pitches = rng.integers(2, 90, size=(n, steps))
    return np.where(kind == 2, pitches, kind)


# --- hand-computed metrics -------------------------------------------------------------------


def test_quarter_notes_on_the_beat() -> None:
    bar = melody({0: 60, 4: 62, 8: 64, 12: 65})  # C D E F on the four beats
    assert note_density(bar) == pytest.approx(4 / 16)
    assert c_diatonic(bar) == pytest.approx(1.0)
    assert average_interval(bar) == pytest.approx((2 + 2 + 1) / 3)
    assert syncopation_16th(bar) == 0.0
    assert syncopation_8th(bar) == 0.0


def test_syncopated_chromatic_bar() -> None:
    # C4 at 0, C#4 at 3, G4 at 6, Bb4 at 7, C5 at 10; NOTE_OFFs at 2, 5 and 9 are not onsets.
    bar = melody({0: 60, 3: 61, 6: 67, 7: 70, 10: 72}, note_offs=(2, 5, 9))
    assert note_density(bar) == pytest.approx(5 / 16)
    assert c_diatonic(bar) == pytest.approx(3 / 5)  # C, G, C are white keys; C#, Bb are not
    assert average_interval(bar) == pytest.approx((1 + 6 + 3 + 2) / 4)
    # Odd steps with an onset: 3 (step 2 is a NOTE_OFF: counts), 7 (onset at 6: does not).
    assert syncopation_16th(bar) == pytest.approx(1 / 5)
    # Steps = 2 mod 4 with an onset: 6 and 10, neither preceded by an onset within 2 steps.
    assert syncopation_8th(bar) == pytest.approx(2 / 5)


def test_eighth_syncopation_needs_two_quiet_steps() -> None:
    assert syncopation_8th(melody({0: 60, 2: 62})) == 0.0  # onset two steps earlier
    assert syncopation_8th(melody({1: 60, 2: 62})) == 0.0  # onset one step earlier
    assert syncopation_8th(melody({2: 62})) == 1.0
    assert syncopation_8th(melody({14: 62})) == 1.0


def test_sixteenth_syncopation_on_last_step() -> None:
    bar = melody({0: 60, 15: 60})
    assert syncopation_16th(bar) == pytest.approx(1 / 2)
    assert syncopation_16th(melody({14: 60, 15: 60})) == pytest.approx(0.0)


def test_holds_between_onsets_do_not_break_intervals() -> None:
    bar = melody({0: 48, 12: 72}, note_offs=(4,))  # a rest between two onsets, 24 semitones
    assert average_interval(bar) == pytest.approx(24.0)


def test_no_onsets_gives_zeros() -> None:
    silent = np.zeros((2, 16), dtype=np.int64)
    silent[1, ::3] = NOTE_OFF
    for name, metric in ATTRIBUTES.items():
        np.testing.assert_array_equal(metric(silent), [0.0, 0.0], err_msg=name)


def test_one_onset() -> None:
    bar = melody({5: 61})  # C#4 on an odd step
    assert note_density(bar) == pytest.approx(1 / 16)
    assert c_diatonic(bar) == 0.0
    assert c_diatonic(melody({5: 62})) == 1.0
    assert average_interval(bar) == 0.0
    assert syncopation_16th(bar) == 1.0
    assert syncopation_8th(bar) == 0.0


def test_extreme_pitches() -> None:
    bar = melody({0: 21, 8: 108})  # A0 (pc 9) and C8 (pc 0)
    assert c_diatonic(bar) == 1.0
    assert average_interval(bar) == pytest.approx(87.0)


# --- drums --------------------------------------------------------------------------------------


def test_drum_density_counts_steps_with_any_hit() -> None:
    bar = np.zeros(16, dtype=np.int64)
    bar[[0, 3, 8]] = [1, 0b110, 511]  # kick; snare + closed hat; everything
    assert note_density(bar, drums=True) == pytest.approx(3 / 16)
    assert syncopation_16th(bar, drums=True) == pytest.approx(1 / 3)
    assert syncopation_8th(bar, drums=True) == 0.0


def test_pitch_metrics_refuse_drums() -> None:
    bar = np.zeros(16, dtype=np.int64)
    for metric in (c_diatonic, average_interval):
        with pytest.raises(ValueError, match="not defined for drum"):
            metric(bar, drums=True)


def test_out_of_range_values_are_rejected() -> None:
    with pytest.raises(ValueError, match=r"0\.\.89.*drums=True"):
        note_density(np.array([0, 300, 0, 0]))
    with pytest.raises(ValueError, match=r"0\.\.511"):
        note_density(np.array([0, 512]), drums=True)
    with pytest.raises(ValueError, match="integer"):
        note_density(np.array([0.0, 2.0]))
    with pytest.raises(ValueError, match="T >= 1"):
        note_density(np.zeros((3, 0), dtype=np.int64))


# --- vectorisation ------------------------------------------------------------------------------


def test_batch_equals_rows_and_loop_reference() -> None:
    rng = np.random.default_rng(0)
    batch = random_melodies(rng, 64, 32)
    for name, metric in ATTRIBUTES.items():
        batched = metric(batch)
        assert batched.shape == (64,) and batched.dtype == np.float64
        per_row = [metric(row) for row in batch]
        np.testing.assert_allclose(batched, per_row, err_msg=name)
        np.testing.assert_allclose(batched, [reference(r)[name] for r in batch], err_msg=name)


def test_leading_dimensions_and_torch_input() -> None:
    rng = np.random.default_rng(1)
    batch = random_melodies(rng, 12, 16)
    for name, metric in ATTRIBUTES.items():
        flat = metric(batch)
        grid = metric(batch.reshape(3, 4, 16))
        np.testing.assert_allclose(grid, flat.reshape(3, 4), err_msg=name)
        np.testing.assert_allclose(metric(torch.from_numpy(batch)), flat, err_msg=name)


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40),
                  elements=st.integers(0, 89)))
def test_melody_metrics_match_reference(batch: np.ndarray) -> None:
    expected = [reference(row) for row in batch]
    for name, metric in ATTRIBUTES.items():
        np.testing.assert_allclose(metric(batch), [e[name] for e in expected], err_msg=name)


@settings(max_examples=40, deadline=None)
@given(hnp.arrays(np.int64, hnp.array_shapes(min_dims=2, max_dims=2, max_side=40),
                  elements=st.sampled_from([0, 0, 0, 1, 5, 256, 511])))
def test_drum_metrics_match_reference(batch: np.ndarray) -> None:
    expected = [reference(row, drums=True) for row in batch]
    for name in DRUM_ATTRIBUTES:
        got = ATTRIBUTES[name](batch, drums=True)
        np.testing.assert_allclose(got, [e[name] for e in expected], err_msg=name)


# --- names --------------------------------------------------------------------------------------


def test_registry_names() -> None:
    assert set(ATTRIBUTES) == {
        "note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"
    }
    assert PRODUCER_NAMES == {
        "denser": "note_density",
        "syncopated": "syncopation_16th",
        "wider": "average_interval",
        "diatonic": "c_diatonic",
        "offbeat": "syncopation_8th",
    }
    assert DRUM_ATTRIBUTES < set(ATTRIBUTES)
    assert resolve_attribute("denser") == "note_density"
    assert resolve_attribute("c_diatonic") == "c_diatonic"
    with pytest.raises(ModelError, match="unknown attribute 'louder'.*denser"):
        resolve_attribute("louder")


# --- attribute vectors --------------------------------------------------------------------------


def test_attribute_vector_points_along_the_attribute_dimension() -> None:
    rng = np.random.default_rng(2)
    values = rng.permutation(100).astype(np.float64)
    z = torch.from_numpy(rng.normal(scale=0.1, size=(100, 8))).float()
    z[:, 0] = torch.from_numpy(values).float()
    vec = attribute_vector(z, values)
    assert vec.shape == (8,) and vec.dtype == torch.float32
    # Top quartile is 75..99 (mean 87), bottom is 0..24 (mean 12).
    assert vec[0].item() == pytest.approx(75.0)
    assert vec[1:].abs().max().item() < 0.2
    cosine = torch.nn.functional.cosine_similarity(vec, torch.eye(8)[0], dim=0)
    assert cosine.item() > 0.999


def test_attribute_vector_sign_follows_values() -> None:
    values = np.arange(16, dtype=np.float64)
    z = torch.zeros(16, 2)
    z[:, 1] = -torch.arange(16.0)
    vec = attribute_vector(z, torch.from_numpy(values))
    torch.testing.assert_close(vec, torch.tensor([0.0, -12.0]))  # -(13.5 - 1.5)


def test_attribute_vector_ties_are_broken_by_row_order() -> None:
    values = np.array([1, 0, 1, 0, 1, 0, 1, 0], dtype=np.float64)
    z = torch.arange(8.0).unsqueeze(1)  # z = row number
    # Stable sort: bottom quartile = rows 1, 3 (first two zeros); top = rows 4, 6 (last two ones).
    vec = attribute_vector(z, values)
    assert vec.item() == pytest.approx((4 + 6) / 2 - (1 + 3) / 2)
    assert torch.equal(attribute_vector(z, values), vec)


def test_attribute_vector_errors() -> None:
    z = torch.zeros(8, 3)
    with pytest.raises(ValueError, match="at least 8"):
        attribute_vector(torch.zeros(7, 3), np.arange(7.0))
    with pytest.raises(ValueError, match="all 8 attribute values equal"):
        attribute_vector(z, np.full(8, 0.25))
    with pytest.raises(ValueError, match=r"shape \[N\] = \[8\]"):
        attribute_vector(z, np.arange(9.0))
    with pytest.raises(ValueError, match=r"\[N, Z\]"):
        attribute_vector(torch.zeros(8), np.arange(8.0))
    with pytest.raises(ValueError, match="finite"):
        attribute_vector(z, np.array([0, 1, 2, 3, 4, 5, 6, np.nan]))


# --- fitting ------------------------------------------------------------------------------------


def test_fit_melody_vectors() -> None:
    rng = np.random.default_rng(3)
    arrays = random_melodies(rng, 40, 32)
    z = torch.randn(40, 16, generator=torch.Generator().manual_seed(0))
    vectors = fit_attribute_vectors(z, arrays)
    assert list(vectors) == list(ATTRIBUTES)
    for name, vec in vectors.items():
        assert vec.shape == (16,)
        torch.testing.assert_close(vec, attribute_vector(z, ATTRIBUTES[name](arrays)))


def test_fit_selected_names_accepts_knob_names() -> None:
    rng = np.random.default_rng(4)
    arrays = random_melodies(rng, 16, 16)
    vectors = fit_attribute_vectors(torch.randn(16, 4), arrays, names=["denser", "c_diatonic"])
    assert set(vectors) == {"note_density", "c_diatonic"}


def test_fit_drums_skips_melody_metrics() -> None:
    rng = np.random.default_rng(5)
    drums = np.where(rng.random((24, 32)) < 0.4, rng.integers(1, 512, (24, 32)), 0)
    z = torch.randn(24, 4)
    assert set(fit_attribute_vectors(z, drums, drums=True)) == DRUM_ATTRIBUTES
    picked = fit_attribute_vectors(z, drums, names=["c_diatonic", "denser"], drums=True)
    assert set(picked) == {"note_density"}


def test_fit_errors() -> None:
    arrays = random_melodies(np.random.default_rng(6), 10, 16)
    with pytest.raises(ModelError, match="unknown attribute"):
        fit_attribute_vectors(torch.zeros(10, 2), arrays, names=["loudness"])
    with pytest.raises(ValueError, match="N = 9"):
        fit_attribute_vectors(torch.zeros(9, 2), arrays)
    constant = np.tile(melody({0: 60, 4: 62}), (10, 1))
    with pytest.raises(ValueError, match="attribute 'note_density'.*equal"):
        fit_attribute_vectors(torch.zeros(10, 2), constant)
