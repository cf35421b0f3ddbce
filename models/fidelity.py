"""Faithful decoding: of several decodes of a code, keep the one that encodes back nearest to it.

A code's argmax decode is not always the sequence it came from: the decoder is autoregressive,
and one early wrong token sends the rest astray. Decoding a few candidates (the argmax, then
samples at a low temperature), encoding them again and keeping the candidate whose mean code is
nearest the original picks the decode that best says what the code says. It costs one batched
decode and one batched encode of ``candidates`` sequences per code.
"""

from __future__ import annotations

import torch
from torch import Tensor

from segue.models.inference import LatentModel

DEFAULT_CANDIDATES = 8
SAMPLE_TEMPERATURE = 0.5  # the candidates after the argmax one


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
