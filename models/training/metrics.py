"""Losses and metrics as Magenta defines them (shared/reference/musicvae.md section 3).

- Reconstruction loss: cross-entropy summed over the steps of each sequence (and over the heads).
- KL(q(z|x) || N(0, I)) in nats, summed over z; free bits subtract free_bits * ln 2 from it,
  clipped at zero, over the whole latent.
- beta = (1 - beta_rate^step) * max_beta; loss = mean(r_loss) + beta * mean(kl_cost).
- Accuracy: argmax(logits) against the target over every step (Table 1 of the paper); "sampled"
  accuracy is the same with the decoder reading its own samples (p = 1).
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F
from torch import Tensor

from segue.models.configs import MusicVAEConfig


def learning_rate(cfg: MusicVAEConfig, step: int) -> float:
    return (cfg.learning_rate - cfg.min_learning_rate) * cfg.decay_rate**step + cfg.min_learning_rate


def beta(cfg: MusicVAEConfig, step: int) -> float:
    return (1.0 - cfg.beta_rate**step) * cfg.max_beta


def sampling_probability(cfg: MusicVAEConfig, step: int) -> float:
    """Probability of feeding the decoder its own sample instead of the target (training)."""
    k = cfg.sampling_rate
    if cfg.sampling_schedule == "constant":
        return float(k)
    if cfg.sampling_schedule == "inverse_sigmoid":
        return 1.0 - k / (k + math.exp(min(step / k, 700.0)))
    if cfg.sampling_schedule == "exponential":
        return 1.0 - k**step
    raise ValueError(f"unknown sampling schedule {cfg.sampling_schedule!r}")


def kl_divergence(mu: Tensor, sigma: Tensor) -> Tensor:
    """KL(N(mu, sigma^2) || N(0, 1)) summed over z, in nats: (B,)."""
    return 0.5 * (sigma.square() + mu.square() - 1.0 - 2.0 * torch.log(sigma)).sum(-1)


def reconstruction_loss(logits: list[Tensor], targets: Tensor) -> Tensor:
    """Cross-entropy summed over steps and heads: (B,)."""
    total = targets.new_zeros(targets.shape[0], dtype=logits[0].dtype)
    for k, lg in enumerate(logits):
        ce = F.cross_entropy(lg.transpose(1, 2), targets[..., k], reduction="none")  # (B, T)
        total = total + ce.sum(-1)
    return total


def vae_loss(logits: list[Tensor], targets: Tensor, mu: Tensor, sigma: Tensor,
             cfg: MusicVAEConfig, step: int) -> dict[str, Tensor]:
    r = reconstruction_loss(logits, targets)
    kl = kl_divergence(mu, sigma)
    free_nats = cfg.free_bits * math.log(2.0)
    kl_cost = (kl - free_nats).clamp_min(0.0)
    b = beta(cfg, step)
    return {
        "loss": r.mean() + b * kl_cost.mean(),
        "r_loss": r.mean().detach(),
        "kl_bits": (kl.mean() / math.log(2.0)).detach(),
        "elbo": (-(r + kl)).mean().detach(),  # nats per sequence
        "beta": torch.tensor(b),
    }


def correct_and_total(logits: list[Tensor], targets: Tensor) -> tuple[int, int]:
    """Steps where argmax(logits) equals the target, over every head and step."""
    correct = sum(int((lg.argmax(-1) == targets[..., k]).sum()) for k, lg in enumerate(logits))
    return correct, targets.numel()


def accuracy(logits: list[Tensor], targets: Tensor) -> float:
    c, n = correct_and_total(logits, targets)
    return c / n
