"""Attribute knobs that keep their promise: directions fitted on many training windows, scaled on
held-out ones.

An attribute vector moves a code so that its decode has more (or less) of the attribute. Two
things decide whether a knob keeps its promise on melodies the model never saw: the direction,
and how far one unit of the knob goes along it. This module fits both:

- the direction, two ways: the paper's (mean code of the top quartile minus the bottom quartile),
  and a ridge regression of the attribute on the code (which leaves out what merely goes with it,
  such as density with syncopation); each is scaled so that one unit is one standard deviation of
  the attribute over the training windows, as far as a straight line through the codes can tell;
- the scale, by decoding validation windows moved by -1.5 ... +1.5 units at a few multiples of that
  and keeping the direction and scale whose within-window Spearman (does every melody move the
  way the knob says?) is highest while at most ``MAX_EMPTY`` of the outputs at ±1.5 are empty or
  a single note.

``calibrate`` returns the vectors and a row per attribute saying what it found; a knob whose best
Spearman stays under ``GOOD_SPEARMAN`` is reported as weak, so that the device, the panel and
`segue info` can say so.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from segue.models.attributes import ATTRIBUTES, attribute_vector
from segue.models.fidelity import DEFAULT_CANDIDATES, KnobScale
from segue.models.inference import LatentModel
from segue.models.training.evaluate import AMOUNTS, AttributeEffect, attribute_effects

SCALES = (1.0, 2.0, 4.0)  # multiples of the one-standard-deviation vector tried
MAX_EMPTY = 0.05
GOOD_SPEARMAN = 0.8
RANGE = (2.0, 98.0)  # percentiles of the training windows' attribute a knob may aim between


@dataclass(frozen=True)
class Calibration:
    name: str
    direction: str  # "quartiles" or "ridge"
    scale: float  # multiple of the one-standard-deviation vector
    effect: AttributeEffect  # on the validation windows, at that direction and scale

    @property
    def weak(self) -> bool:
        return self.effect.spearman < GOOD_SPEARMAN


def encode_all(model: LatentModel, windows: np.ndarray, batch: int = 512) -> torch.Tensor:
    with torch.no_grad():
        return torch.cat([model.encode(np.array(windows[k : k + batch]))[0].cpu()
                          for k in range(0, len(windows), batch)])


def directions(mu: torch.Tensor, tokens: np.ndarray, name: str, ridge: float = 10.0) -> dict[str, torch.Tensor]:
    """Two directions for one attribute, each scaled so that one unit moves the attribute by one
    standard deviation of its spread over the windows (as far as a straight line through the codes
    can tell): the quartiles' difference of means (the paper's), and a ridge regression of the
    attribute on the codes."""
    values = np.asarray(ATTRIBUTES[name](tokens), dtype=np.float64)
    sigma = float(values.std())
    if sigma == 0:
        raise ValueError(f"{name} does not vary over the windows")
    order = np.argsort(values, kind="stable")
    quarter = len(values) // 4
    gap = float(values[order[-quarter:]].mean() - values[order[:quarter]].mean())
    out = {"quartiles": attribute_vector(mu, values).double() * (sigma / gap)}
    x = (mu - mu.mean(0)).double()
    y = torch.as_tensor(values - values.mean())
    w = torch.linalg.solve(x.T @ x + ridge * torch.eye(x.shape[1], dtype=x.dtype), x.T @ y)
    out["ridge"] = w * (sigma / float(w @ w))  # x . vector = sigma: one unit, one standard deviation
    return {key: v.float() for key, v in out.items()}


def knob_scales(tokens: np.ndarray, names) -> dict[str, KnobScale]:
    """One standard deviation of each attribute over the windows, and the range a knob may aim for."""
    out = {}
    for name in names:
        values = np.asarray(ATTRIBUTES[name](tokens), dtype=np.float64)
        lo, hi = np.percentile(values, RANGE)
        out[name] = KnobScale(float(values.std()), float(lo), float(hi))
    return out


def calibrate(model: LatentModel, train: np.ndarray, valid: np.ndarray, names=None, scales=SCALES,
              kinds=("quartiles",), candidates: int = DEFAULT_CANDIDATES
              ) -> tuple[dict[str, torch.Tensor], dict[str, KnobScale], list[Calibration]]:
    """Vectors for ``names`` (default: every attribute) from ``train`` windows, the knob scales
    (``KnobScale``) from them too, and each vector's length chosen on ``valid`` windows decoded as
    the engine decodes a knob's bars (``guided_decode`` among ``candidates``; 1: the vectors
    alone). ``kinds``: the directions tried ("quartiles", "ridge")."""
    mu = encode_all(model, train)
    tokens = np.asarray(train)[..., 0]
    names = list(names or ATTRIBUTES)
    knobs = knob_scales(tokens, names)
    saved_vectors, saved_training = dict(model.attributes), model.meta.training
    model.meta.training = {**saved_training, "knobs": {k: vars(v) for k, v in knobs.items()}}
    vectors, rows = {}, []
    try:
        for name in names:
            best: Calibration | None = None
            for key, unit in directions(mu, tokens, name).items():
                if key not in kinds:
                    continue
                for scale in scales:
                    model.attributes.clear()
                    model.attributes[name] = (unit * scale).to(model.device)
                    with torch.no_grad():
                        effect = attribute_effects(model, valid, AMOUNTS, candidates)[name]
                    candidate = Calibration(name, key, scale, effect)
                    if _better(candidate, best):
                        best = candidate
                        vectors[name] = unit * scale
            rows.append(best)
    finally:
        model.attributes.clear()
        model.attributes.update(saved_vectors)
        model.meta.training = saved_training
    return vectors, knobs, rows


def install(model: LatentModel, vectors: dict[str, torch.Tensor], knobs: dict[str, KnobScale],
            rows: list[Calibration]) -> None:
    """Give the model the calibrated vectors, and record each knob's scale and how it did in its
    training facts (``knobs``), where ``KnobScale.of``, the engine and `segue info` read them."""
    model.attributes.update({k: v.to(model.device) for k, v in vectors.items()})
    facts = {r.name: {**vars(knobs[r.name]), "direction": r.direction, "scale": r.scale,
                      "spearman": round(r.effect.spearman, 4), "empty": round(r.effect.empty, 4), "weak": r.weak}
             for r in rows}
    model.meta.training = {**model.meta.training, "knobs": facts}


def _better(c: Calibration, best: Calibration | None) -> bool:
    ok, best_ok = c.effect.empty <= MAX_EMPTY, best is not None and best.effect.empty <= MAX_EMPTY
    if best is None or ok != best_ok:
        return best is None or ok
    if ok:
        return c.effect.spearman > best.effect.spearman + 1e-9
    return c.effect.empty < best.effect.empty  # none keeps empties down: the fewest empties


def calibration_table(rows: list[Calibration]) -> str:
    lines = ["| attribute | direction | scale (× one std) | Spearman (validation) | empty at ±1.5 | |",
             "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r.name} | {r.direction} | {r.scale:g} | {r.effect.spearman:+.2f} | {r.effect.empty:.1%} "
                     f"| {'weak' if r.weak else ''} |")
    return "\n".join(lines)
