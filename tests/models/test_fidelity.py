"""Faithful decoding: the kept candidate encodes back at least as near its code as the argmax."""

from __future__ import annotations

import torch

from segue.models.fidelity import faithful_decode


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
