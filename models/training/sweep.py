"""Hyperparameter sweeps: a W&B sweep file (``sweep_file``), run by Optuna (see docs/sweeps.md).

    segue sweep sweep.json --data DATA --out sweeps/NAME [--storage URL] [--count N]

Each trial binds its parameters to config and trainer fields by name (``trainer.apply_overrides``),
trains into ``OUT/trial-NNN``, reports its metric after every evaluation
(``trial.report(value, evaluation)``) and stops early when the pruner says so. At the end
``OUT/summary.json`` holds the best trial and the parameter importances. Optuna is imported when a
sweep runs (``sweep_file.import_optuna``).
"""

from __future__ import annotations

import json
import logging
import math
import re
import socket
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

from segue.models.configs import CONFIGS
from segue.models.errors import InputError
from segue.models.training import trainer
from segue.models.training.sweep_file import Sweep, import_optuna, load_sweep

__all__ = ["Reporter", "format_summary", "run_sweep", "summarize"]

log = logging.getLogger(__name__)


class Reporter:
    """The ``report`` callback of one trial: reports the metric after each evaluation as
    ``trial.report(value, evaluation)`` (evaluations count from 1, like W&B's iterations) and
    returns True (stop) when the pruner says so."""

    def __init__(self, trial: Any, metric: str):
        self.trial, self.metric = trial, metric
        self.evaluations = 0
        self.last: float | None = None
        self.pruned_at: int | None = None  # the training step

    def __call__(self, step: int, metrics: dict[str, float]) -> bool:
        if self.metric not in metrics:
            return False
        self.evaluations += 1
        self.last = float(metrics[self.metric])
        self.trial.report(self.last, self.evaluations)
        if self.trial.should_prune():
            self.pruned_at = step
            return True
        return False

    def check(self) -> None:
        """Raise optuna.TrialPruned if the run was stopped by the pruner."""
        if self.pruned_at is not None:
            raise import_optuna().TrialPruned(f"pruned at evaluation {self.evaluations} (step {self.pruned_at}), "
                                        f"{self.metric} = {self.last:.4g}")


def _mask(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@/]*@", r"://\1:***@", url)


def _jsonable(v: Any) -> Any:
    if isinstance(v, dict):
        return {str(k): _jsonable(x) for k, x in v.items()}
    if isinstance(v, list | tuple):
        return [_jsonable(x) for x in v]
    if isinstance(v, float) and not math.isfinite(v):
        return None
    return v


def _objective(sweep: Sweep, data_dir: Path, out: Path, use_wandb: bool) -> Callable[[Any], float]:
    base = CONFIGS[sweep.config]

    def objective(trial: Any) -> float:
        settings = sweep.settings(trial)
        run_dir = out / f"trial-{trial.number:03d}"
        trial.set_user_attr("settings", _jsonable(settings))
        trial.set_user_attr("run", str(run_dir))
        trial.set_user_attr("host", socket.gethostname())
        overrides = dict(settings)
        if use_wandb:
            overrides.setdefault("wandb", True)
            overrides.setdefault("wandb_mode", "offline")
        cfg, tc = trainer.apply_overrides(base, trainer.TrainerConfig(), overrides)
        log.info("trial %d: %s", trial.number, ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v}"
                                                        for k, v in settings.items() if k in sweep.sampled))
        reporter = Reporter(trial, sweep.metric)
        result = trainer.train(cfg, data_dir, run_dir, tc, report=reporter, progress=False)
        reporter.check()
        value = result.get(sweep.metric, reporter.last)
        if value is None:
            raise InputError(f"trial {trial.number}: no evaluation reported {sweep.metric} "
                             "(is the data's valid split empty?)")
        return float(value)

    return objective


def _check_data(sweep: Sweep, data_dir: Path) -> None:
    from segue.models.training.windows import load_windows

    cfg, _ = trainer.apply_overrides(CONFIGS[sweep.config], trainer.TrainerConfig(), sweep.fixed)
    for split in ("train", "valid"):
        windows = load_windows(data_dir, cfg.representation["kind"], cfg.bars, split)
        if split == "valid" and not len(windows):
            raise InputError(f"{data_dir}: the valid split is empty; a sweep needs evaluations")


def _importances(study: Any) -> tuple[dict[str, float] | None, str | None]:
    optuna = import_optuna()
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(done) < 2:
        return None, f"parameter importances need at least 2 completed trials ({len(done)} so far)"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            imp = optuna.importance.get_param_importances(study)
        except (ValueError, RuntimeError) as e:
            return None, f"parameter importances unavailable: {e}"
    note = "; ".join(dict.fromkeys(str(w.message) for w in caught)) or None  # e.g. too few trials to tell
    return {k: float(v) for k, v in imp.items()}, note


def summarize(study: Any, sweep: Sweep, storage: str) -> dict[str, Any]:
    """The best trial and the parameter importances, as summary.json holds them."""
    optuna = import_optuna()
    counts: dict[str, int] = {}
    for t in study.trials:
        counts[t.state.name.lower()] = counts.get(t.state.name.lower(), 0) + 1
    best = None
    done = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if done:
        b = study.best_trial
        best = {"number": b.number, "value": b.value, "params": _jsonable(sweep.decode_params(b.params)),
                "settings": b.user_attrs.get("settings"), "run": b.user_attrs.get("run"),
                "host": b.user_attrs.get("host")}
    importances, note = _importances(study)
    return {"sweep": sweep.name, "study": study.study_name, "storage": _mask(storage), "method": sweep.method,
            "config": sweep.config, "metric": {"name": sweep.metric, "goal": sweep.goal}, "trials": counts,
            "best": best, "importances": importances, "importances_note": note}


def format_summary(summary: dict[str, Any]) -> str:
    m = summary["metric"]
    lines = [f"sweep {summary['study']}: {sum(summary['trials'].values())} trials "
             f"({', '.join(f'{n} {k}' for k, n in sorted(summary['trials'].items()))}), "
             f"{m['goal']} {m['name']}"]
    best = summary["best"]
    if best is None:
        lines.append("best trial: none completed")
    else:
        lines.append(f"best trial: #{best['number']}  {m['name']} = {best['value']:.6g}  ({best['run']})")
        for k, v in best["params"].items():
            lines.append(f"  {k} = {v:.6g}" if isinstance(v, float) else f"  {k} = {v}")
    if summary["importances"] is None:
        lines.append(summary["importances_note"])
    else:
        lines.append("parameter importances:")
        for k, v in summary["importances"].items():
            lines.append(f"  {k:<24} {v:.3f}")
    return "\n".join(lines)


def run_sweep(sweep: Sweep | str | Path, data_dir: str | Path, out_dir: str | Path,
              storage: str | None = None, count: int | None = None) -> dict[str, Any]:
    """Run (or join: the study is loaded if it exists) a sweep; write OUT/summary.json, print the
    best trial and the importances, and return the summary."""
    optuna = import_optuna()
    if not isinstance(sweep, Sweep):
        sweep = load_sweep(sweep)
    for note in sweep.notes:
        log.info("note: %s", note)
    if count is not None and count < 1:
        raise InputError(f"--count must be at least 1, got {count}")
    n_trials = count or sweep.run_cap
    if sweep.method == "grid":
        n_trials = min(n_trials or sweep.grid_size(), sweep.grid_size())
    elif n_trials is None:
        raise InputError(f"{sweep.name}: a {sweep.method} sweep needs a number of trials: "
                         "set run_cap in the file or pass --count N")
    data_dir, out = Path(data_dir), Path(out_dir)
    _check_data(sweep, data_dir)
    out.mkdir(parents=True, exist_ok=True)
    storage = storage or f"sqlite:///{(out / 'sweep.db').resolve()}"

    use_wandb = False
    if sweep.wandb:
        try:
            import wandb  # noqa: F401
            use_wandb = True
        except ImportError:
            print("note: wandb is not installed; trials are not logged to Weights & Biases")

    try:
        study = optuna.create_study(storage=storage, study_name=sweep.name, direction=sweep.direction,
                                    load_if_exists=True, pruner=sweep.pruner())
    except (ImportError, ValueError, optuna.exceptions.StorageInternalError) as e:
        raise InputError(f"--storage {_mask(storage)}: {e}") from None
    if not study.trials and any(out.glob("trial-*/state.safetensors")):
        raise InputError(f"{out} holds trial folders of another study (a new {_mask(storage)}?): "
                         "choose another --out, or pass the --storage that holds them")
    if study.direction.name.lower() != sweep.direction:
        raise InputError(f"study {sweep.name!r} in {_mask(storage)} was created to "
                         f"{study.direction.name.lower()}; this file says {sweep.direction}")
    if "sweep" not in study.user_attrs:
        study.set_user_attr("sweep", _jsonable(sweep.raw))
    elif study.user_attrs["sweep"] != _jsonable(sweep.raw):
        log.warning("study %r was started with a different sweep file; continuing with this one", sweep.name)
    study.sampler = sweep.sampler(seed_offset=len(study.trials))  # machines joining later draw differently

    callbacks = []
    if sweep.run_cap is not None:
        finished = (optuna.trial.TrialState.COMPLETE, optuna.trial.TrialState.PRUNED, optuna.trial.TrialState.FAIL)
        callbacks.append(optuna.study.MaxTrialsCallback(sweep.run_cap, states=finished))
    if sweep.target is not None:
        def reached(study: Any, _trial: Any) -> None:
            try:
                best = study.best_value
            except ValueError:
                return
            if (best <= sweep.target) if sweep.goal == "minimize" else (best >= sweep.target):
                log.info("metric.target %s reached: stopping", sweep.target)
                study.stop()
        callbacks.append(reached)

    log.info("sweep %s: %s, %d trials, %s %s, storage %s", sweep.name, sweep.method, n_trials, sweep.goal,
             sweep.metric, _mask(storage))
    study.optimize(_objective(sweep, data_dir, out, use_wandb), n_trials=n_trials, callbacks=callbacks,
                   catch=(InputError,))
    summary = summarize(study, sweep, storage)
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(format_summary(summary))
    return summary
