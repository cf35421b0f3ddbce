"""Faithful decoding: of several decodes of a code, keep the one that encodes back nearest to it.

A code's argmax decode is not always the sequence it came from: the decoder is autoregressive,
and one early wrong token sends the rest astray. Decoding a few candidates (the argmax, then
samples at a low temperature), encoding them again and keeping the candidate whose mean code is
nearest the original picks the decode that best says what the code says. It costs one batched
decode and one batched encode of ``candidates`` sequences per code.

The same candidates keep the attribute knobs' promise (``guided_decode``): of the decodes of a
moved code, keep the one whose attributes land nearest where the knobs aim, one standard deviation
of the attribute per unit of a knob from where the unmoved code's decode has it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from segue.models.attributes import ATTRIBUTES, DRUM_ATTRIBUTES, note_count
from segue.models.inference import LatentModel

DEFAULT_CANDIDATES = 8
SAMPLE_TEMPERATURE = 0.5  # the candidates after the argmax one
PART_WAY = (1.0, 1.0, 1.0, 1.0, 0.5, 0.5, 0.25, 0.25)  # how far along a knob's move each guided candidate goes


@torch.no_grad()
def faithful_decode(model: LatentModel, z, candidates: int = DEFAULT_CANDIDATES, temperature: float = 0.0,
                    seed: int = 0, bar_offset: int = 0, controls=None) -> Tensor:
    """Tokens (B, T, heads) for codes ``z`` (B, Z): per code, the candidate whose re-encoded mean
    is nearest to it. With ``temperature`` > 0 every candidate is a sample at that temperature (so
    the result stays a sample); at 0 the first is the argmax and the others samples at
    ``SAMPLE_TEMPERATURE``. ``candidates`` 1 is a plain decode. ``controls`` (B, T, K): a
    conditioned model's chords or key, the same for every candidate of a code."""
    z = torch.as_tensor(z, dtype=torch.float32, device=model.device)
    if z.dim() == 1:
        z = z[None]
    if candidates <= 1:
        return model.decode(z, temperature, seed, bar_offset, controls)
    b = z.shape[0]

    def each(x, n):  # every code's row n times
        return None if x is None else torch.as_tensor(x).repeat_interleave(n, 0)

    rest_t = temperature if temperature > 0 else SAMPLE_TEMPERATURE
    first = model.decode(z, temperature, seed, bar_offset, controls)  # (B, T, H)
    rest = model.decode(each(z, candidates - 1), rest_t, seed + 1, bar_offset, each(controls, candidates - 1))
    tokens = torch.cat([first[:, None], rest.reshape(b, candidates - 1, *rest.shape[1:])], 1)  # (B, C, T, H)
    mu, _ = model.encode(tokens.reshape(b * candidates, *tokens.shape[2:]), each(controls, candidates))
    distance = (mu.reshape(b, candidates, -1) - z[:, None]).norm(dim=-1)  # (B, C)
    best = distance.argmin(dim=1)
    return tokens[torch.arange(b), best]


@dataclass(frozen=True)
class KnobScale:
    """What one unit of an attribute knob means: ``std``, one standard deviation of the attribute
    over the training windows; ``lo`` and ``hi``, the range a knob may aim for (the 2nd and 98th
    percentiles there). Fitted by ``segue.models.training.knobs``, kept in the checkpoint's
    training facts (``knobs``)."""

    std: float
    lo: float
    hi: float

    @classmethod
    def of(cls, model: LatentModel) -> dict[str, KnobScale]:
        """The model's knob scales by attribute (none for a model whose knobs were never calibrated)."""
        found = model.meta.training.get("knobs", {}) if isinstance(model.meta.training, dict) else {}
        out = {}
        for name, facts in found.items() if isinstance(found, dict) else ():
            try:
                scale = cls(float(facts["std"]), float(facts["lo"]), float(facts["hi"]))
            except (KeyError, TypeError, ValueError):
                continue
            if scale.std > 0 and scale.lo <= scale.hi:
                out[name] = scale
        return out


@torch.no_grad()
def guided_decode(model: LatentModel, z, reference, amounts: dict[str, float], scales: dict[str, KnobScale],
                  candidates: int = DEFAULT_CANDIDATES, temperature: float = 0.0, seed: int = 0,
                  bar_offset: int = 0, controls=None) -> Tensor:
    """Tokens (B, T, heads) for codes ``z`` (B, Z) moved along attribute vectors by ``amounts``
    from the codes ``reference`` (B, Z), so that every knob keeps its promise: an amount of one
    moves its attribute by one standard deviation (``scales``) from where the reference's argmax
    decode has it, within the range the knob may aim for (widened to include where the melody
    is, so that a knob never aims the wrong way).

    Per code, ``candidates`` decodes are measured: the moved code's argmax and samples (as
    ``faithful_decode`` makes them), and the argmax and samples of codes moved only part of the way
    (``PART_WAY``), which is where a melody far from the training data finds its target when the
    whole move overshoots it. The candidate nearest every target (the sum of the distances in
    standard deviations) is kept; a candidate with at most one note comes last unless the
    reference has at most one too; ties go to the earlier candidate (the whole move's argmax
    first). Attributes without a scale are left to the vectors alone. With no scaled amount this
    is ``faithful_decode``."""
    drums = model.representation.kind == "drums"
    guided = {k: a for k, a in amounts.items() if a and k in scales and k in ATTRIBUTES
              and (not drums or k in DRUM_ATTRIBUTES)}
    z = torch.as_tensor(z, dtype=torch.float32, device=model.device)
    reference = torch.as_tensor(reference, dtype=torch.float32, device=model.device)
    if z.dim() == 1:
        z, reference = z[None], reference[None]
    if not guided or candidates <= 1:
        return faithful_decode(model, z, candidates, temperature, seed, bar_offset, controls)
    b = z.shape[0]
    parts = [PART_WAY[k] if k < len(PART_WAY) else 1.0 for k in range(candidates)]
    argmax = [k == 0 or parts[k] != parts[k - 1] for k in range(candidates)]  # the first of each part

    def codes(which):  # (B * n, Z): each code moved by the candidates' parts, code by code
        f = torch.tensor([parts[k] for k in which], dtype=z.dtype, device=z.device)
        return (reference[:, None] + f[None, :, None] * (z - reference)[:, None]).reshape(-1, z.shape[1])

    def each(x, n):
        return None if x is None else torch.as_tensor(x).repeat_interleave(n, 0)

    base = model.decode(reference, 0.0, seed, bar_offset, controls)[..., 0].cpu().numpy()  # (B, T)
    tokens = None
    for flag, temp, noise in ((True, temperature, seed), (False, temperature or SAMPLE_TEMPERATURE, seed + 1)):
        which = [k for k in range(candidates) if argmax[k] == flag]
        if not which:
            continue
        out = model.decode(codes(which), temp, noise, bar_offset, each(controls, len(which)))
        out = out.reshape(b, len(which), *out.shape[1:])
        if tokens is None:
            tokens = torch.empty((b, candidates, *out.shape[2:]), dtype=out.dtype, device=out.device)
        tokens[:, which] = out
    flat = tokens[..., 0].cpu().numpy()  # (B, C, T)
    miss = np.zeros(flat.shape[:2])
    for name, amount in guided.items():
        s = scales[name]
        now = ATTRIBUTES[name](base, drums=drums)  # (B,)
        # within the range a knob may aim for, widened to where the melody is: never the wrong way
        target = np.clip(now + amount * s.std, np.minimum(s.lo, now), np.maximum(s.hi, now))
        miss += np.abs(ATTRIBUTES[name](flat, drums=drums) - target[:, None]) / s.std
    sparse = (note_count(flat, drums=drums) <= 1) & (note_count(base, drums=drums) > 1)[:, None]
    miss += np.where(sparse, 1e6, 0.0)
    best = torch.as_tensor(miss.argmin(axis=1))
    return tokens[torch.arange(b), best]
