"""How good a model sounds on held-out melodies, in numbers (docs/model.md, Quality):

- ``reconstruction``: encode, decode (with ``candidates``, ``models/fidelity.py``), compare:
  windows reproduced exactly, token accuracy, and note F1 (a note is its onset step and pitch);
- ``interpolation``: morph between pairs of windows: does each step move away from A and toward B
  (Spearman of the step and its note F1 distance from A), how big the largest jump between
  neighbouring steps is, and how often the first step is A exactly;
- ``sample_statistics``: the attributes of prior samples against those of the data.

Works on index arrays of melody windows (``[N, T, 1]``); ``bench/bench_quality.py`` runs them.
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import numpy as np
import torch

from segue.models.attributes import ATTRIBUTES, note_count
from segue.models.fidelity import faithful_decode
from segue.models.inference import LatentModel
from segue.models.latent import interpolate

FIRST_PITCH_TOKEN = 2  # melody tokens: 0 no event, 1 note off, 2.. pitches


def notes_of(tokens: np.ndarray) -> set[tuple[int, int]]:
    """A melody window's notes as (onset step, token) pairs."""
    steps = np.flatnonzero(tokens >= FIRST_PITCH_TOKEN)
    return {(int(s), int(tokens[s])) for s in steps}


def note_f1(a: np.ndarray, b: np.ndarray) -> float:
    """F1 of the notes (onset step and pitch) of window ``b`` against window ``a``; 1 when both are empty."""
    na, nb = notes_of(a), notes_of(b)
    if not na and not nb:
        return 1.0
    hits = len(na & nb)
    return 2 * hits / (len(na) + len(nb))


def _decode(model: LatentModel, z: torch.Tensor, candidates: int, batch: int = 256) -> np.ndarray:
    out = [faithful_decode(model, z[k : k + batch], candidates)[..., 0].cpu().numpy() for k in range(0, len(z), batch)]
    return np.concatenate(out)


def _encode(model: LatentModel, windows: np.ndarray, batch: int = 256) -> torch.Tensor:
    return torch.cat([model.encode(np.array(windows[k : k + batch]))[0] for k in range(0, len(windows), batch)])


@dataclass(frozen=True)
class Reconstruction:
    candidates: int
    exact: float  # share of windows reproduced token for token
    token_accuracy: float
    note_f1: float  # mean over the windows
    ms_per_window: float  # decoding only (the encode of the originals is not counted)


@torch.no_grad()
def reconstruction(model: LatentModel, windows: np.ndarray, candidates: int = 1) -> Reconstruction:
    """Windows longer than the model's (4-bar windows for a 2-bar model) are read as consecutive
    model windows and compared whole, so that models of different lengths meet the same melodies."""
    windows = np.asarray(windows)
    tokens = windows[..., 0]
    steps = model.config.max_seq_len
    if windows.shape[1] % steps:
        raise ValueError(f"windows of {windows.shape[1]} steps do not split into the model's {steps}")
    parts = windows.shape[1] // steps
    mu = _encode(model, windows.reshape(len(windows) * parts, steps, *windows.shape[2:]))
    start = time.perf_counter()
    out = _decode(model, mu, candidates).reshape(len(windows), -1)
    ms = (time.perf_counter() - start) * 1000 / len(windows)
    f1 = float(np.mean([note_f1(a, b) for a, b in zip(tokens, out)]))
    return Reconstruction(candidates, float(np.mean(np.all(out == tokens, axis=1))), float(np.mean(out == tokens)),
                          f1, ms)


@dataclass(frozen=True)
class Interpolation:
    pairs: int
    steps: int
    away_from_a: float  # mean over pairs of the Spearman of step and (1 - note F1 against A)
    largest_jump: float  # mean over pairs of the largest (1 - note F1) between neighbouring steps
    first_is_a: float  # share of pairs whose first step decodes to A exactly
    last_is_b: float


def _spearman(x: np.ndarray, y: np.ndarray) -> float:
    rx, ry = _rank(x), _rank(y)
    rx, ry = rx - rx.mean(), ry - ry.mean()
    den = np.sqrt((rx**2).sum() * (ry**2).sum())
    return float((rx * ry).sum() / den) if den > 0 else 0.0


def _rank(v: np.ndarray) -> np.ndarray:
    order = np.argsort(v, kind="stable")
    ranks = np.empty(len(v))
    ranks[order] = np.arange(len(v))
    for value in np.unique(v):  # ties share their mean rank
        same = v == value
        ranks[same] = ranks[same].mean()
    return ranks


@torch.no_grad()
def interpolation(model: LatentModel, windows: np.ndarray, pairs: int = 64, steps: int = 9, candidates: int = 8,
                  seed: int = 0) -> Interpolation:
    """Morphs (slerp of the posterior means) between ``pairs`` random pairs of ``windows``."""
    rng = np.random.default_rng(seed)
    picks = rng.choice(len(windows), size=(pairs, 2), replace=len(windows) < 2 * pairs)
    tokens = np.asarray(windows)[..., 0]
    mu = _encode(model, np.asarray(windows)[picks.reshape(-1)]).reshape(pairs, 2, -1)
    path = torch.stack([interpolate(mu[p, 0], mu[p, 1], steps) for p in range(pairs)])  # (pairs, steps, Z)
    out = _decode(model, path.reshape(pairs * steps, -1), candidates).reshape(pairs, steps, -1)
    away, jumps, first, last = [], [], [], []
    for p in range(pairs):
        a, b = tokens[picks[p, 0]], tokens[picks[p, 1]]
        dist = np.array([1 - note_f1(a, out[p, k]) for k in range(steps)])
        away.append(_spearman(np.arange(steps, dtype=float), dist))
        jumps.append(max(1 - note_f1(out[p, k], out[p, k + 1]) for k in range(steps - 1)))
        first.append(np.array_equal(out[p, 0], a))
        last.append(np.array_equal(out[p, -1], b))
    return Interpolation(pairs, steps, float(np.mean(away)), float(np.mean(jumps)), float(np.mean(first)),
                         float(np.mean(last)))


def statistics(tokens: np.ndarray) -> dict[str, tuple[float, float]]:
    """Mean and standard deviation of each attribute, of the notes per window and of the pitch."""
    out = {name: metric(tokens) for name, metric in ATTRIBUTES.items()}
    out["notes"] = note_count(tokens).astype(float)
    pitches = tokens[tokens >= FIRST_PITCH_TOKEN] - FIRST_PITCH_TOKEN + 21
    out["pitch"] = pitches.astype(float) if len(pitches) else np.zeros(1)
    return {k: (float(np.mean(v)), float(np.std(v))) for k, v in out.items()}


@torch.no_grad()
def sample_statistics(model: LatentModel, windows: np.ndarray, n: int = 512, temperature: float = 0.5,
                      seed: int = 0) -> tuple[dict[str, tuple[float, float]], dict[str, tuple[float, float]]]:
    """(the data's statistics, those of ``n`` prior samples at ``temperature``)."""
    z = model.prior(n, seed)
    samples = np.concatenate([model.decode(z[k : k + 256], temperature, seed)[..., 0].cpu().numpy()
                              for k in range(0, n, 256)])
    return statistics(np.asarray(windows)[..., 0]), statistics(samples)
