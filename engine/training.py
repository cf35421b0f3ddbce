"""The training commands: `segue train`, `segue plot`, `segue attributes`."""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np
import torch
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from segue.models import train as trainer
from segue.models.attributes import ATTRIBUTES, DRUM_ATTRIBUTES
from segue.models.configs import get_config
from segue.models.errors import InputError, ModelError
from segue.models.inference import LatentModel

log = logging.getLogger(__name__)
AMOUNTS = (-1.5, -1.0, -0.5, 0.0, 0.5, 1.0, 1.5)


def train_command(config: str, data: Path, out: Path, sets: list[str], resume: bool,
                  device: str) -> list[Path]:
    cfg = get_config(config)
    overrides = {"device": device, **trainer.parse_sets(sets)}
    cfg, tc = trainer.apply_overrides(cfg, trainer.TrainerConfig(), overrides)
    result = trainer.train(cfg, data, out, tc, resume=resume)
    if result.pop("rank", 0):
        return []  # under torchrun, only rank 0 reports
    log.info("finished at step %d: %s", result["step"],
             {k: round(v, 4) for k, v in result.items() if isinstance(v, float)})
    return [out / "model.safetensors"]


def read_metrics(run: Path) -> list[dict]:
    path = Path(run) / "metrics.jsonl"
    if not path.is_file():
        raise InputError(f"{path} not found: is {run} a run folder written by `segue train`?")
    rows = []
    for n, line in enumerate(path.read_text().splitlines(), 1):
        try:
            rows.append(json.loads(line))
        except json.JSONDecodeError:
            log.warning("%s line %d is not JSON (an interrupted write?): skipped", path, n)
    return rows


def _curves(rows: list[dict], split: str, keys: list[str], title: str, path: Path) -> Path:
    fig = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if r.get("split") == split and key in r]
        if pts:
            ax.plot(*zip(*pts), label=key)
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot_run(run: Path) -> list[Path]:
    rows = read_metrics(run)
    return [
        _curves(rows, "train", ["loss", "r_loss", "kl_bits"], f"{run.name}: training loss", run / "loss.png"),
        _curves(rows, "valid", ["tf_accuracy", "sampled_accuracy"], f"{run.name}: validation accuracy",
                run / "accuracy.png"),
    ]


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
    from segue.models.data import load_windows

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
    from segue.models.data import load_windows

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
