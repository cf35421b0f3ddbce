"""Evaluating a trained model: held-out accuracy, KL and ELBO (``evaluate_model``), what each
attribute vector does to held-out windows (``attribute_effects``, ``attribute_report``), and a
markdown model card (``model_card``). Used by ``segue evaluate``, ``segue attributes`` and
``bench/ship_model.py``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from segue.models.attributes import ATTRIBUTES, DRUM_ATTRIBUTES
from segue.models.errors import InputError, ModelError
from segue.models.inference import LatentModel
from segue.models.training import trainer
from segue.models.training.windows import load_windows

__all__ = ["AMOUNTS", "PAPER_TABLE_1", "attribute_effects", "attribute_report", "evaluate_model", "model_card"]

AMOUNTS = (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def attribute_effects(model: LatentModel, windows: np.ndarray, amounts=AMOUNTS) -> dict[str, list[float]]:
    """For each attribute vector: shift the windows' codes by each amount, decode (argmax),
    and measure the attribute: {name: [mean value per amount]}."""
    drums = model.representation.kind == "drums"
    mu, _ = model.encode(windows)
    out = {}
    for name in sorted(model.attributes):
        metric = ATTRIBUTES[name]
        if drums and name not in DRUM_ATTRIBUTES:
            continue
        means = []
        for amount in amounts:
            tokens = model.decode(model.shift(mu, name, amount))
            means.append(float(np.mean(metric(tokens[..., 0].numpy(), drums=drums))))
        out[name] = means
    return out


def _spearman(values: list[float]) -> float:
    ranks = np.argsort(np.argsort(values)).astype(float)
    ideal = np.arange(len(values), dtype=float)
    if ranks.std() == 0:
        return 0.0
    return float(np.corrcoef(ranks, ideal)[0, 1])


def attribute_report(model: LatentModel, data: Path, split: str, n: int, fit_out: Path | None) -> str:
    kind, bars = model.representation.kind, model.window_bars
    if fit_out:
        train_w = load_windows(data, kind, bars, "train")
        vectors = trainer.fit_attributes(model.model, train_w, len(train_w), trainer.TrainerConfig())
        model.attributes.update({k: v.to(model.device) for k, v in vectors.items()})
        model.save(fit_out)
    if not model.attributes:
        raise ModelError("this model has no attribute vectors; add --fit OUT to fit them on the training data")
    windows = np.array(load_windows(data, kind, bars, split)[:n])
    if len(windows) == 0:
        raise InputError(f"no {split} windows in {data}")
    with torch.no_grad():
        effects = attribute_effects(model, windows)
    header = "| attribute | " + " | ".join(f"{a:+.1f}" for a in AMOUNTS) + " | monotonic | Spearman |"
    lines = [f"{len(windows)} {split} windows, decoded at temperature 0", "", header,
             "|---" * (len(AMOUNTS) + 3) + "|"]
    for name, means in effects.items():
        mono = all(b >= a for a, b in zip(means, means[1:]))
        lines.append(f"| {name} | " + " | ".join(f"{m:.3f}" for m in means)
                     + f" | {'yes' if mono else 'no'} | {_spearman(means):+.2f} |")
    return "\n".join(lines)


# Table 1 of the paper (held-out accuracy; as recorded in shared/reference/musicvae.md, unverified there)
PAPER_TABLE_1 = {
    "2-bar melody": {"tf_flat": 0.986, "sampled_flat": 0.951},
    "2-bar drum": {"tf_flat": 0.979, "sampled_flat": 0.917},
    "16-bar melody": {"tf_flat": 0.883, "tf_hier": 0.919, "sampled_flat": 0.620, "sampled_hier": 0.812},
}


def evaluate_model(model: LatentModel, data: Path, split: str, n: int) -> dict:
    windows = np.array(load_windows(data, model.representation.kind, model.window_bars, split)[:n])
    if len(windows) == 0:
        raise InputError(f"no {split} windows in {data}")
    steps = int(model.meta.training.get("steps", 0))
    result = trainer.evaluate(model.model, windows, model.config, steps)
    model.model.eval()
    return {"split": split, **result}


def model_card(model: LatentModel, path: Path, evaluation: dict, title: str, why: str) -> str:
    """A markdown model card from the checkpoint's own facts and a held-out evaluation."""
    c, t = model.config, model.meta.training
    kind = "melody" if c.representation["kind"] == "melody" else c.representation["kind"]
    hier = c.decoder == "hierarchical"
    paper_row = PAPER_TABLE_1.get(f"{c.bars}-bar {kind}") or PAPER_TABLE_1.get(f"2-bar {kind}", {})
    ref_tf = paper_row.get("tf_hier" if hier else "tf_flat")
    ref_s = paper_row.get("sampled_hier" if hier else "sampled_flat")
    minutes = t.get("wall_seconds", 0) / 60
    lines = [
        f"# {title}", "", why, "",
        "| | |", "|---|---|",
        f"| file | `{path.name}` |",
        f"| config | `{c.name}`: encoder {c.encoder} {list(c.enc_rnn_size)}, z {c.z_size}, "
        f"decoder {c.decoder} {list(c.dec_rnn_size)}, {c.bars} bars |",
        f"| licence | {model.meta.licence} |",
        f"| data | {t.get('data_source', t.get('data'))}: {t.get('train_windows')} training windows |",
        f"| training | {t.get('steps')} steps of batch {t.get('batch_size')}, "
        f"{minutes:.0f} min wall time on {t.get('hardware')} ({t.get('processes', 1)} process) |",
        f"| attribute vectors | {', '.join(sorted(model.attributes)) or 'none'} |",
        "", f"## Held-out metrics ({evaluation['split']} split, {evaluation['windows']} windows)", "",
        "| metric | Segue | paper, Table 1 |", "|---|---|---|",
        f"| teacher-forced accuracy | {evaluation['tf_accuracy']:.3f} | {ref_tf if ref_tf else '-'} |",
        f"| sampled accuracy | {evaluation['sampled_accuracy']:.3f} | {ref_s if ref_s else '-'} |",
        f"| KL (bits) | {evaluation['kl_bits']:.1f} | - |",
        f"| reconstruction loss (nats / window) | {evaluation['r_loss']:.2f} | - |",
        f"| ELBO (nats / window) | {evaluation['elbo']:.2f} | - |",
        "", "The paper's figures come from models trained for days on far larger MIDI collections "
        "(the reference's Table 1 figures are recorded from memory and unverified); they are the "
        "scale to read these against, not a like-for-like comparison.", "",
    ]
    return "\n".join(lines)
