"""Faithful decoding: the kept candidate encodes back at least as near its code as the argmax.
Guided decoding: the kept candidate lands at least as near the knobs' target as the argmax."""

from __future__ import annotations

import numpy as np
import torch

from segue.models.attributes import note_count, note_density
from segue.models.fidelity import KnobScale, faithful_decode, guided_decode


def test_the_kept_candidate_is_never_farther_from_its_code_than_the_argmax(tiny_model):
    model = tiny_model(seed=3)
    z = model.prior(12, seed=1)
    plain = model.decode(z)
    faithful = faithful_decode(model, z, candidates=6)
    assert faithful.shape == plain.shape

    def distance(tokens):
        mu, _ = model.encode(tokens)
        return (mu - z).norm(dim=-1)

    d_plain, d_faithful = distance(plain), distance(faithful)
    assert torch.all(d_faithful <= d_plain + 1e-6)
    assert torch.any(d_faithful < d_plain - 1e-6)  # and it finds better ones
    assert torch.equal(faithful_decode(model, z, candidates=6), faithful)  # keyed, not random
    assert torch.equal(faithful_decode(model, z, candidates=1), plain)


def test_a_sampled_decode_stays_a_sample(tiny_model):
    model = tiny_model(seed=3)
    z = model.prior(4, seed=2)
    hot = faithful_decode(model, z, candidates=4, temperature=1.0, seed=9)
    assert not torch.equal(hot, model.decode(z))  # every candidate was sampled


def test_guided_decoding_without_calibrated_knobs_is_faithful_decoding(tiny_model):
    model = tiny_model(seed=3)
    z = model.prior(6, seed=1)
    moved = model.shift(z, "note_density", 1.0)
    assert torch.equal(guided_decode(model, moved, z, {"note_density": 1.0}, {}, candidates=4),
                       faithful_decode(model, moved, candidates=4))
    scales = {"note_density": KnobScale(0.1, 0.0, 1.0)}
    assert torch.equal(guided_decode(model, moved, z, {"note_density": 0.0}, scales, candidates=4),
                       faithful_decode(model, moved, candidates=4))  # a knob at 0 moves nothing


def test_guided_decoding_lands_nearer_the_knobs_target_than_the_moved_codes_argmax(tiny_model):
    model = tiny_model(seed=3)
    z = model.prior(16, seed=4)
    now = note_density(model.decode(z)[..., 0])
    for amount, std, better in ((-1.0, 0.3, True), (-2.0, 10.0, True), (1.0, 0.3, False)):
        scales = {"note_density": KnobScale(std, 0.05, 0.9)}
        aim = np.clip(now + amount * std, np.minimum(0.05, now), np.maximum(0.9, now))  # never the wrong way
        moved = model.shift(z, "note_density", amount)
        plain = note_density(model.decode(moved)[..., 0])
        guided = guided_decode(model, moved, z, {"note_density": amount}, scales, candidates=8)
        got = note_density(guided[..., 0])
        assert np.all(np.abs(got - aim) <= np.abs(plain - aim) + 1e-9)  # the argmax is a candidate
        assert np.any(np.abs(got - aim) < np.abs(plain - aim) - 1e-9) or not better
        sparse = note_count(guided[..., 0]) <= 1
        assert not np.any(sparse & (note_count(model.decode(z)[..., 0]) > 1)), "never silence for a knob"


def test_knob_scales_are_read_from_the_training_facts_and_bad_ones_skipped(tiny_model):
    model = tiny_model()
    model.meta.training = {"knobs": {"note_density": {"std": 0.1, "lo": 0.1, "hi": 0.9, "weak": False},
                                     "c_diatonic": {"std": 0.0, "lo": 0, "hi": 1},
                                     "average_interval": {"std": "x"}, "syncopation_8th": "nonsense"}}
    assert KnobScale.of(model) == {"note_density": KnobScale(0.1, 0.1, 0.9)}
    model.meta.training = {}
    assert KnobScale.of(model) == {}
