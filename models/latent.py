"""Operations in latent space: slerp and attribute shifts. Pure tensor maths, batched."""

from __future__ import annotations

import math

import torch
from torch import Tensor

_EPS = 1e-7


def _orthogonal_unit(p: Tensor) -> Tensor:
    """A unit vector orthogonal to each row of p (deterministic): Gram-Schmidt on the basis
    vector where p is smallest in magnitude."""
    e = torch.zeros_like(p)
    e.scatter_(-1, p.abs().argmin(dim=-1, keepdim=True), 1.0)
    p_hat = p / p.norm(dim=-1, keepdim=True).clamp_min(_EPS)
    u = e - (e * p_hat).sum(-1, keepdim=True) * p_hat
    return u / u.norm(dim=-1, keepdim=True).clamp_min(_EPS)


def slerp(p0: Tensor, p1: Tensor, t: Tensor | float) -> Tensor:
    """Spherical interpolation as in Magenta: z(t) = sin((1-t)w)/sin w * p0 + sin(tw)/sin w * p1,
    with w the angle between p0 and p1. Endpoints are exact.

    p0, p1: (..., Z); t: a scalar or a tensor broadcastable to (...). Safe where Magenta's is not:
    - parallel vectors (w ~ 0) fall back to linear interpolation, the limit of the formula;
    - opposite vectors (w ~ pi) have no unique great circle; we rotate p0's direction through a
      deterministic orthogonal one, scaling the length linearly from |p0| to |p1|;
    - a zero vector interpolates linearly.
    """
    t = torch.as_tensor(t, dtype=p0.dtype, device=p0.device)
    t = t[..., None] if t.dim() else t
    n0, n1 = p0.norm(dim=-1, keepdim=True), p1.norm(dim=-1, keepdim=True)
    cos = ((p0 * p1).sum(-1, keepdim=True) / (n0 * n1).clamp_min(_EPS)).clamp(-1.0, 1.0)
    omega = torch.arccos(cos)
    sin = torch.sin(omega)
    lerp = (1 - t) * p0 + t * p1
    safe_sin = torch.where(sin.abs() < 1e-4, torch.ones_like(sin), sin)
    spherical = (torch.sin((1 - t) * omega) * p0 + torch.sin(t * omega) * p1) / safe_sin
    # opposite: half a turn through an orthogonal direction
    u = _orthogonal_unit(p0)
    d0 = p0 / n0.clamp_min(_EPS)
    turn = torch.cos(math.pi * t) * d0 + torch.sin(math.pi * t) * u
    opposite = turn * ((1 - t) * n0 + t * n1)
    degenerate = (n0 < _EPS) | (n1 < _EPS)
    out = torch.where(sin.abs() >= 1e-4, spherical, torch.where(cos > 0, lerp, opposite))
    out = torch.where(degenerate, lerp, out)
    # exact endpoints regardless of rounding in the trigonometry
    out = torch.where(t == 0, p0.expand_as(out), out)
    return torch.where(t == 1, p1.expand_as(out), out)


def interpolate(z0: Tensor, z1: Tensor, steps: int) -> Tensor:
    """``steps`` points from z0 to z1 inclusive along the slerp path: (steps, *z0.shape)."""
    if steps < 2:
        raise ValueError(f"interpolate needs at least 2 steps (both endpoints), got {steps}")
    t = torch.linspace(0.0, 1.0, steps, dtype=z0.dtype, device=z0.device)
    t = t.reshape(steps, *([1] * (z0.dim() - 1)))  # broadcast over z0's leading dims
    return slerp(z0[None], z1[None], t)


def shift(z: Tensor, vector: Tensor, amount: float | Tensor) -> Tensor:
    """An attribute shift: z + amount * vector."""
    return z + torch.as_tensor(amount, dtype=z.dtype, device=z.device) * vector.to(z)
