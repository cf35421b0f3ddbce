"""Losses, schedules and accuracy on hand-made cases with known answers."""

import math

import pytest
import torch
from torch.distributions import Normal, kl_divergence

from segue.models.configs import CONFIGS
from segue.models.training import metrics

SMALL = CONFIGS["cat-mel_2bar_small"]
DRUMS = CONFIGS["cat-drums_2bar_small"]


def test_kl_matches_torch_distributions():
    g = torch.Generator().manual_seed(0)
    mu = torch.randn(3, 5, generator=g)
    sigma = torch.rand(3, 5, generator=g) + 0.1
    want = kl_divergence(Normal(mu, sigma), Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(metrics.kl_divergence(mu, sigma), want)
    assert metrics.kl_divergence(torch.zeros(1, 4), torch.ones(1, 4)).item() == 0.0


def test_reconstruction_loss_is_summed_over_steps_and_heads():
    # uniform logits over V classes: cross-entropy ln V per step
    logits = [torch.zeros(2, 4, 8), torch.zeros(2, 4, 16)]
    targets = torch.zeros(2, 4, 2, dtype=torch.long)
    r = metrics.reconstruction_loss(logits, targets)
    torch.testing.assert_close(r, torch.full((2,), 4 * math.log(8) + 4 * math.log(16)))


def test_free_bits_threshold_the_whole_latent():
    cfg = DRUMS  # free_bits 48, max_beta 0.2, beta_rate 0: beta = 0.2 from step 1
    mu = torch.zeros(1, 4)
    sigma = torch.full((1, 4), 0.05)  # KL well above 0 but below 48 bits
    kl = metrics.kl_divergence(mu, sigma)
    assert 0 < kl.item() < 48 * math.log(2)
    logits = [torch.zeros(1, 2, 512)]
    out = metrics.vae_loss(logits, torch.zeros(1, 2, 1, dtype=torch.long), mu, sigma, cfg, step=10)
    torch.testing.assert_close(out["loss"], torch.tensor(2 * math.log(512)))  # KL term is free
    torch.testing.assert_close(out["kl_bits"], kl[0] / math.log(2))
    torch.testing.assert_close(out["elbo"], -(2 * math.log(512) + kl[0]))


def test_beta_schedules():
    assert metrics.beta(DRUMS, 0) == 0.0 and metrics.beta(DRUMS, 1) == pytest.approx(0.2)
    assert metrics.beta(SMALL, 0) == 0.0
    assert metrics.beta(SMALL, 100_000) == pytest.approx((1 - 0.99999**100_000) * 0.2)


def test_learning_rate_decay():
    assert metrics.learning_rate(SMALL, 0) == pytest.approx(1e-3)
    assert metrics.learning_rate(SMALL, 10_000) == pytest.approx((1e-3 - 1e-5) * 0.9999**10_000 + 1e-5)
    assert metrics.learning_rate(SMALL, 10**7) == pytest.approx(1e-5)


def test_inverse_sigmoid_sampling_schedule():
    k = 1000.0
    assert metrics.sampling_probability(SMALL, 0) == pytest.approx(1 - k / (k + 1))
    assert metrics.sampling_probability(SMALL, 6908) == pytest.approx(0.5, abs=1e-3)  # e^(6.908) ~ 1000
    assert metrics.sampling_probability(SMALL, 20_000) > 0.999
    assert metrics.sampling_probability(CONFIGS["hierdec-mel_16bar"], 10_000) == 0.0  # teacher forcing


def test_accuracy_counts_every_step_of_every_head():
    logits = [torch.tensor([[[5.0, 0.0], [0.0, 5.0], [5.0, 0.0]]])]  # predicts 0, 1, 0
    targets = torch.tensor([[[0], [1], [1]]])
    assert metrics.accuracy(logits, targets) == pytest.approx(2 / 3)
    assert metrics.correct_and_total(logits, targets) == (2, 3)
