"""The training commands: `segue train`, `segue plot`, `segue attributes`, `segue evaluate` and
`segue sweep`. Each is a pair: ``add_<name>(parser)`` and ``<name>(args, model)``; the work itself
is in ``segue.models.training`` (``trainer``, ``evaluate``, ``sweep``)."""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from segue.models.configs import CONFIGS, get_config
from segue.models.errors import InputError, SegueError
from segue.models.inference import LatentModel
from segue.models.training import trainer
from segue.models.training.evaluate import attribute_report, evaluate_model
from segue.models.training.sweep import run_sweep
from segue.models.training.windows import load_windows

log = logging.getLogger(__name__)


def add_train(p: argparse.ArgumentParser) -> None:
    p.add_argument("--config", required=True, choices=sorted(CONFIGS), help="the model config to train")
    p.add_argument("--data", type=Path, required=True, help="a folder written by `segue data build`")
    p.add_argument("--out", type=Path, required=True, help="the run folder")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config or trainer field, e.g. --set steps=2000 --set z_size=128")
    p.add_argument("--resume", action="store_true", help="continue the run in --out exactly")
    p.add_argument("--init-from", type=Path, metavar="CHECKPOINT",
                   help="start a new run from another run's weights (the same network; loss settings may differ)")
    p.add_argument("--device", default="auto")


def train(args: argparse.Namespace, model: None) -> list[Path]:
    overrides = {"device": args.device, **trainer.parse_sets(args.set)}
    if args.init_from:
        overrides["init_from"] = str(args.init_from)
    cfg, tc = trainer.apply_overrides(get_config(args.config), trainer.TrainerConfig(), overrides)
    result = trainer.train(cfg, args.data, args.out, tc, resume=args.resume)
    if result.pop("rank", 0):
        return []  # under torchrun, only rank 0 reports
    log.info("finished at step %d: %s", result["step"],
             {k: round(v, 4) for k, v in result.items() if isinstance(v, float)})
    return [args.out / "model.safetensors"]


# --- plot ------------------------------------------------------------------------------------------

def add_plot(p: argparse.ArgumentParser) -> None:
    p.add_argument("run_dir", type=Path, metavar="RUN", help="a run folder written by `segue train`")
    p.add_argument("more", type=Path, nargs="*", metavar="NEXT",
                   help="runs that went on from it (`--init-from`), joined after it in order")
    p.add_argument("-o", "--out", type=Path, help="the folder for the PNGs (default: the first run)")


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


def joined_metrics(runs: list[Path]) -> tuple[list[dict], list[tuple[int, str]]]:
    """The metrics of runs that went on from each other (``--init-from``), on one step axis: each
    next run starts at the step of the checkpoint it started from (the first run's rows after it
    are left out), or after the previous run's last row. Returns the rows and where each run begins."""
    rows: list[dict] = []
    starts: list[tuple[int, str]] = []
    offset = 0
    for k, run in enumerate(runs):
        own = read_metrics(run)
        if k:
            offset = _start_of(run, rows)
            rows = [r for r in rows if r.get("step", 0) <= offset]
            starts.append((offset, run.name))
        rows += [{**r, "step": r.get("step", 0) + offset} for r in own]
    return rows, starts


def _start_of(run: Path, before: list[dict]) -> int:
    """The step a run that went on from the rows ``before`` starts at."""
    try:
        facts = LatentModel.load(Path(run) / "model.safetensors", device="cpu").meta.training
        source = LatentModel.load(facts["initialised_from"], device="cpu").meta.training
        return int(source["steps"])
    except (SegueError, KeyError, TypeError, ValueError, OSError):
        return max((r.get("step", 0) for r in before), default=0)


def _curves(rows: list[dict], split: str, keys: list[str], title: str, path: Path,
            starts: list[tuple[int, str]] = ()) -> Path:
    fig = Figure(figsize=(8, 4), dpi=100)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for key in keys:
        pts = [(r["step"], r[key]) for r in rows if r.get("split") == split and key in r]
        if pts:
            ax.plot(*zip(*pts), label=key)
    for step, name in starts:
        ax.axvline(step, color="grey", linestyle="--", linewidth=0.8)
        ax.annotate(f" {name}", (step, 1), xycoords=("data", "axes fraction"), va="top", fontsize=8, color="grey")
    ax.set_xlabel("step")
    ax.set_title(title)
    ax.grid(alpha=0.3)
    ax.legend()
    fig.tight_layout()
    fig.savefig(path)
    return path


def plot(args: argparse.Namespace, model: None) -> list[Path]:
    runs = [args.run_dir, *args.more]
    rows, starts = joined_metrics(runs)
    out = args.out or args.run_dir
    out.mkdir(parents=True, exist_ok=True)
    name = " + ".join(r.name for r in runs)
    return [
        _curves(rows, "train", ["loss", "r_loss", "kl_bits"], f"{name}: training loss", out / "loss.png", starts),
        _curves(rows, "valid", ["tf_accuracy", "sampled_accuracy"], f"{name}: validation accuracy",
                out / "accuracy.png", starts),
    ]


# --- attributes, evaluate: a trained model on held-out windows -------------------------------------

def add_attributes(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True, help="held-out windows: a `segue data build` folder")
    p.add_argument("--split", default="test")
    p.add_argument("--windows", type=int, default=512)
    p.add_argument("--candidates", type=int, default=8,
                   help="decode as the engine does, among this many candidates (1: the vectors alone)")
    p.add_argument("--fit", type=Path, metavar="OUT",
                   help="first calibrate the knobs on the --data folder's training and validation splits "
                        "(models/training/knobs.py) and save the model with them to OUT")
    p.add_argument("--fit-windows", type=int, default=32768, help="training windows the vectors are fitted on")
    p.add_argument("--fit-valid", type=int, default=256, help="validation windows the vectors' lengths are chosen on")


def attributes(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    if args.fit:
        from segue.models.training import knobs

        kind, bars = model.representation.kind, model.window_bars
        train_w = load_windows(args.data, kind, bars, "train")
        valid_w = load_windows(args.data, kind, bars, "valid")
        if len(train_w) < 8 or len(valid_w) == 0:
            raise InputError(f"{args.data} needs training and validation windows to calibrate the knobs")
        rng = np.random.default_rng(0)
        train = np.asarray(train_w[np.sort(rng.permutation(len(train_w))[: args.fit_windows])])
        valid = np.asarray(valid_w[: args.fit_valid])
        vectors, scales, rows = knobs.calibrate(model, train, valid, candidates=args.candidates)
        knobs.install(model, vectors, scales, rows)
        print(knobs.calibration_table(rows) + "\n")
        if args.model and Path(args.fit).resolve() == Path(args.model).resolve():
            raise InputError(f"--fit {args.fit}: choose another file than the model read (it is never overwritten)")
        model.save(args.fit)
    print(attribute_report(model, args.data, args.split, args.windows, args.candidates))
    return [args.fit] if args.fit else []


def add_evaluate(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--split", default="test", choices=["train", "valid", "test"])
    p.add_argument("--windows", type=int, default=4096)


def evaluate(args: argparse.Namespace, model: LatentModel) -> None:
    print(json.dumps(evaluate_model(model, args.data, args.split, args.windows), indent=2))


# --- sweep -----------------------------------------------------------------------------------------

def add_sweep(p: argparse.ArgumentParser) -> None:
    p.add_argument("sweep", type=Path, help="a W&B-format sweep file (.json; .yaml/.yml with PyYAML)")
    p.add_argument("--data", type=Path, required=True, help="a folder written by `segue data build`")
    p.add_argument("--out", type=Path, required=True, help="the sweep folder: trial-NNN/, sweep.db, summary.json")
    p.add_argument("--storage", help="an Optuna storage URL shared by several machines; default: OUT/sweep.db")
    p.add_argument("--count", type=int, help="trials to run here (default: the file's run_cap; grid: all)")


def sweep(args: argparse.Namespace, model: None) -> list[Path]:
    run_sweep(args.sweep, args.data, args.out, storage=args.storage, count=args.count)
    return [Path(args.out) / "summary.json"]
