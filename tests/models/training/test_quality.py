"""Quality metrics on hand-made windows and a tiny model."""

from __future__ import annotations

import numpy as np
import pytest

from segue.models.training import quality


def window(notes: dict[int, int], steps: int = 32) -> np.ndarray:
    w = np.zeros(steps, dtype=np.int64)
    for step, token in notes.items():
        w[step] = token
    return w


def test_note_f1_counts_onsets_and_pitches():
    a = window({0: 40, 4: 42, 8: 44, 12: 45})
    assert quality.note_f1(a, a) == 1.0
    assert quality.note_f1(a, window({0: 40, 4: 42})) == pytest.approx(2 * 2 / 6)
    assert quality.note_f1(a, window({1: 40, 5: 42, 9: 44, 13: 45})) == 0.0  # right pitches, wrong onsets
    assert quality.note_f1(window({}), window({})) == 1.0
    assert quality.note_f1(a, window({})) == 0.0
    held = a.copy()
    held[1] = 0  # holds and note-offs are not notes
    held[2] = 1
    assert quality.note_f1(a, held) == 1.0


def test_statistics_of_known_windows():
    tokens = np.stack([window({0: 41, 8: 43}), window({0: 41, 2: 41, 4: 41, 6: 41})])
    stats = quality.statistics(tokens)
    assert stats["notes"] == (3.0, 1.0)
    assert stats["note_density"][0] == pytest.approx((2 / 32 + 4 / 32) / 2)
    assert stats["pitch"][0] == pytest.approx((60 + 62 + 4 * 60) / 6)  # token 41 is MIDI 60


def test_reconstruction_interpolation_and_samples_on_a_tiny_model(tiny_model, synthetic_windows, tmp_path):
    from segue.models.training.windows import load_windows

    model = tiny_model(seed=1)
    windows = np.asarray(load_windows(synthetic_windows(tmp_path, 80, 0, 40), "melody", 2, "test"))
    plain = quality.reconstruction(model, windows, candidates=1)
    mu, _ = model.encode(windows)
    decoded = model.decode(mu)[..., 0].numpy()
    assert plain.exact == pytest.approx(np.mean(np.all(decoded == windows[..., 0], axis=1)))
    assert plain.token_accuracy == pytest.approx(np.mean(decoded == windows[..., 0]))
    assert plain.ms_per_window > 0 and 0 <= plain.note_f1 <= 1
    many = quality.reconstruction(model, windows, candidates=4)
    assert many.candidates == 4
    morph = quality.interpolation(model, windows, pairs=6, steps=5, candidates=1)
    assert morph.pairs == 6 and -1 <= morph.away_from_a <= 1 and 0 <= morph.largest_jump <= 1
    data, samples = quality.sample_statistics(model, windows, n=32)
    assert set(data) == set(samples) and "note_density" in data and data["notes"][0] > 0


def test_a_shorter_model_reads_longer_windows_as_consecutive_windows(tiny_model):
    model = tiny_model(seed=2)  # 2 bars: 32 steps
    rng = np.random.default_rng(0)
    two = rng.integers(0, 90, size=(6, 32, 1))
    four = np.concatenate([two[:3], two[3:]], axis=1)  # three 4-bar windows, each two of the 2-bar ones
    short, long = quality.reconstruction(model, two), quality.reconstruction(model, four)
    assert long.token_accuracy == pytest.approx(short.token_accuracy)
    with pytest.raises(ValueError, match="do not split"):
        quality.reconstruction(model, two[:, :24])
