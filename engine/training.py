"""The training commands: `segue train`, `segue plot`, `segue sweep` (the evaluation behind `segue evaluate`
and `segue attributes` is ``segue.models.training.evaluate``)."""

from __future__ import annotations

import json
import logging
from pathlib import Path

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from segue.models.configs import get_config
from segue.models.errors import InputError
from segue.models.training import trainer
from segue.models.training.sweep import run_sweep

log = logging.getLogger(__name__)


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


def sweep_command(path: Path, data: Path, out: Path, storage: str | None, count: int | None) -> list[Path]:
    """`segue sweep`: returns the files written."""
    run_sweep(path, data, out, storage=storage, count=count)
    return [Path(out) / "summary.json"]

