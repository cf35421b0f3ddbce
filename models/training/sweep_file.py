"""A Weights & Biases sweep file -> ``Sweep`` (see docs/sweeps.md); running it is ``sweep``.

The file is checked as a whole before any trial runs: every problem is reported at once, each as
``path: message`` (``SweepError``). Parameters are config and trainer fields, bound by name
(``trainer.apply_overrides``); each value is checked as that function would take it.

Mapping (W&B -> Optuna):

    method: bayes | random | grid      TPESampler (seeded) | RandomSampler (seeded) | GridSampler
    {value: X}                         fixed, never sampled
    {values: [...]}                    CategoricalDistribution (grid: enumerated)
    {min, max} ints / uniform          IntDistribution / FloatDistribution
    q_uniform (q)                      stepped Int/FloatDistribution (step q)
    log_uniform_values                 Int/FloatDistribution(log=True)
    normal (mu, sigma)                 a quantile u ~ U(1e-4, 1 - 1e-4), value = mu + sigma * Phi^-1(u)
    early_terminate: hyperband         HyperbandPruner(min_resource=min_iter, reduction_factor=eta)
    run_cap / --count                  the number of trials
"""

from __future__ import annotations

import json
import math
import statistics
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from segue.models.configs import CONFIGS, MusicVAEConfig
from segue.models.errors import InputError
from segue.models.training import trainer

__all__ = ["Param", "Sweep", "SweepError", "import_optuna", "load_sweep", "parse_sweep", "settable_fields"]

DEFAULT_CONFIG = "cat-mel_2bar_small"
METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")
# what trainer.evaluate reports after each evaluation
EVAL_METRICS = ("r_loss", "kl_bits", "elbo", "tf_accuracy", "sampled_accuracy")
NATURAL_GOALS = {"r_loss": "minimize", "elbo": "maximize", "tf_accuracy": "maximize", "sampled_accuracy": "maximize"}
DISTRIBUTIONS = ("constant", "categorical", "uniform", "int_uniform", "q_uniform", "log_uniform_values", "normal")
# W&B distributions Optuna cannot express
UNSUPPORTED = ("log_uniform", "q_log_uniform", "q_log_uniform_values", "inv_log_uniform",
               "inv_log_uniform_values", "q_normal", "log_normal", "q_log_normal", "beta", "q_beta")
IGNORED_KEYS = ("program", "command", "name", "description", "project", "entity", "controller")
KNOWN_KEYS = ("method", "metric", "parameters", "early_terminate", "run_cap", "config", "model",
              "seed", "wandb", *IGNORED_KEYS)
MINIMUMS = {"steps": 1, "eval_every": 1, "batch_size": 0, "eval_windows": 1, "z_size": 1}
NORMAL_EPS = 1e-4  # the normal's quantile is drawn from [eps, 1 - eps]: at most 3.7 sigma out


class SweepError(InputError):
    """A sweep file with problems; ``errors`` lists each as ``path: message``."""

    def __init__(self, source: str, errors: list[str]):
        self.errors = list(errors)
        n = len(errors)
        super().__init__(f"{source}: {n} problem{'s' if n > 1 else ''}:\n  " + "\n  ".join(errors))


def import_optuna():
    try:
        import optuna
    except ImportError:
        raise InputError("segue sweep needs Optuna: pip install 'segue[train]' (or pip install optuna)") from None
    return optuna


# --- the parsed file --------------------------------------------------------------------------------

@dataclass(frozen=True)
class Param:
    """One swept setting. ``distribution`` is None for a fixed value. Categorical choices that
    Optuna cannot store (lists such as ``enc_rnn_size``) travel as JSON strings."""

    name: str
    value: Any = None
    distribution: Any = None  # an optuna BaseDistribution
    normal: tuple[float, float] | None = None  # (mu, sigma): the distribution is over the quantile
    integer: bool = False  # a normal on an integer setting: rounded

    @property
    def fixed(self) -> bool:
        return self.distribution is None

    def suggest(self, trial: Any) -> Any:
        """Ask ``trial`` for this parameter; returns the setting's value."""
        d = self.distribution
        if d is None:
            return self.value
        if isinstance(d, import_optuna().distributions.CategoricalDistribution):
            raw = trial.suggest_categorical(self.name, d.choices)
        elif isinstance(d, import_optuna().distributions.IntDistribution):
            raw = trial.suggest_int(self.name, d.low, d.high, step=d.step, log=d.log)
        else:
            raw = trial.suggest_float(self.name, d.low, d.high, step=d.step, log=d.log)
        return self.decode(raw)

    def decode(self, raw: Any) -> Any:
        """Optuna's stored value -> the setting's value."""
        if self.normal is not None:
            mu, sigma = self.normal
            v = statistics.NormalDist(mu, sigma).inv_cdf(raw)
            return round(v) if self.integer else v
        if isinstance(raw, str) and raw.startswith("json:"):
            return json.loads(raw[5:])
        return raw


@dataclass(frozen=True)
class Sweep:
    name: str
    method: str
    metric: str
    goal: str
    config: str
    parameters: dict[str, Param]
    hyperband: dict[str, int] | None = None  # min_resource, max_resource, reduction_factor
    run_cap: int | None = None
    target: float | None = None
    seed: int = 0
    wandb: bool = False
    notes: tuple[str, ...] = ()
    raw: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)

    @property
    def direction(self) -> str:
        return self.goal

    @property
    def fixed(self) -> dict[str, Any]:
        return {n: p.value for n, p in self.parameters.items() if p.fixed}

    @property
    def sampled(self) -> dict[str, Param]:
        return {n: p for n, p in self.parameters.items() if not p.fixed}

    def search_space(self) -> dict[str, Any]:
        """{name: optuna distribution} of the sampled parameters."""
        return {n: p.distribution for n, p in self.sampled.items()}

    def grid(self) -> dict[str, list[Any]]:
        """GridSampler's search space (Optuna's stored values)."""
        return {n: list(p.distribution.choices) for n, p in self.sampled.items()}

    def grid_size(self) -> int:
        return math.prod(len(c) for c in self.grid().values())

    def sampler(self, seed_offset: int = 0) -> Any:
        """The method's sampler. ``seed_offset`` (trials already in the study) keeps machines that
        join a random or bayes sweep from repeating each other; a grid keeps its seed, as its
        order must agree across machines and sittings (trial N takes grid point N)."""
        optuna = import_optuna()
        seed = self.seed + (seed_offset if self.method != "grid" else 0)
        if self.method == "bayes":
            return optuna.samplers.TPESampler(seed=seed)
        if self.method == "random":
            return optuna.samplers.RandomSampler(seed=seed)
        return optuna.samplers.GridSampler(self.grid(), seed=seed)

    def pruner(self) -> Any:
        optuna = import_optuna()
        if self.hyperband is None:
            return optuna.pruners.NopPruner()
        return optuna.pruners.HyperbandPruner(**self.hyperband)

    def settings(self, trial: Any) -> dict[str, Any]:
        """Every parameter's value for ``trial`` (sampled ones are suggested now)."""
        return {n: p.suggest(trial) for n, p in self.parameters.items()}

    def decode_params(self, params: dict[str, Any]) -> dict[str, Any]:
        return {n: (self.parameters[n].decode(v) if n in self.parameters else v) for n, v in params.items()}


# --- parsing ------------------------------------------------------------------------------------------

def settable_fields() -> set[str]:
    """Every name ``trainer.apply_overrides`` binds: config fields and trainer fields."""
    model = {f.name for f in fields(MusicVAEConfig)} - {"name", "representation", "extra"}
    return model | {f.name for f in fields(trainer.TrainerConfig)}


def _is_number(v: Any) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _is_int(v: Any) -> bool:
    return (isinstance(v, int) and not isinstance(v, bool)) or (isinstance(v, float) and v.is_integer())


def _encode(v: Any) -> Any:
    return v if v is None or isinstance(v, bool | int | float | str) else "json:" + json.dumps(v)


class _Errors(list):
    def add(self, path: str, message: str) -> None:
        self.append(f"{path}: {message}")


def _check_value(errors: _Errors, path: str, name: str, value: Any, base: MusicVAEConfig) -> None:
    """Would ``apply_overrides`` take this value for this setting? Budgets are checked too."""
    try:
        trainer.apply_overrides(base, trainer.TrainerConfig(), {name: value})
    except InputError as e:
        msg = str(e)
        errors.add(path, msg[len(name) + 2:] if msg.startswith(f"{name}: ") else msg)
        return
    if name == "data_fraction" and not 0 < value <= 1:
        errors.add(path, f"data_fraction must be in (0, 1], got {value!r}")
    elif name in MINIMUMS and _is_number(value) and value < MINIMUMS[name]:
        errors.add(path, f"{name} must be at least {MINIMUMS[name]}, got {value!r}")


def _parse_param(errors: _Errors, name: str, spec: Any, method: str, base: MusicVAEConfig) -> Param | None:
    optuna = import_optuna()
    D = optuna.distributions
    path = f"parameters.{name}"
    if name not in settable_fields():
        errors.add(path, "unknown setting (settable: config and trainer fields, e.g. z_size, learning_rate, "
                         "max_beta, free_bits, steps, data_fraction)")
        return None
    if not isinstance(spec, dict):
        errors.add(path, f"expected a mapping such as {{value: ...}}, {{values: [...]}} or {{min, max}}, got {spec!r}")
        return None
    if "parameters" in spec:
        errors.add(f"{path}.parameters", "nested parameters are not supported: name config fields directly")
        return None
    current = getattr(base, name) if hasattr(base, name) else getattr(trainer.TrainerConfig(), name)
    int_setting = isinstance(current, int) and not isinstance(current, bool)
    dist = spec.get("distribution")
    if dist is None:
        if "value" in spec:
            dist = "constant"
        elif "values" in spec:
            dist = "categorical"
        elif "mu" in spec or "sigma" in spec:
            dist = "normal"
        elif "min" in spec or "max" in spec:
            lo, hi = spec.get("min"), spec.get("max")
            both_int = isinstance(lo, int) and isinstance(hi, int) and not isinstance(lo, bool | float)
            dist = "int_uniform" if both_int else "uniform"
        else:
            errors.add(path, "needs value, values, min/max or mu/sigma")
            return None
    if dist in UNSUPPORTED:
        errors.add(f"{path}.distribution", f"{dist!r} has no Optuna equivalent (supported: {', '.join(DISTRIBUTIONS)})")
        return None
    if dist not in DISTRIBUTIONS:
        errors.add(f"{path}.distribution", f"unknown distribution {dist!r} (supported: {', '.join(DISTRIBUTIONS)})")
        return None
    known = {"constant": {"value"}, "categorical": {"values"}, "normal": {"mu", "sigma"},
             "q_uniform": {"min", "max", "q"}}.get(dist, {"min", "max"})
    for key in sorted(set(spec) - known - {"distribution"}):
        errors.add(f"{path}.{key}", f"not used by distribution {dist!r}")
    n_before = len(errors)

    if dist == "constant":
        if "value" not in spec:
            errors.add(f"{path}.value", "missing")
            return None
        _check_value(errors, f"{path}.value", name, spec["value"], base)
        return Param(name, value=spec["value"]) if len(errors) == n_before else None

    if dist == "categorical":
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            errors.add(f"{path}.values", f"expected a non-empty list, got {values!r}")
            return None
        for i, v in enumerate(values):
            _check_value(errors, f"{path}.values[{i}]", name, v, base)
        encoded = [_encode(v) for v in values]
        if len(set(map(json.dumps, encoded))) != len(encoded):
            errors.add(f"{path}.values", "lists a value twice")
        if len(errors) > n_before:
            return None
        return Param(name, distribution=D.CategoricalDistribution(encoded))

    if dist == "normal":
        mu, sigma = spec.get("mu", 0.0), spec.get("sigma", 1.0)
        if not _is_number(mu):
            errors.add(f"{path}.mu", f"expected a number, got {mu!r}")
        if not _is_number(sigma) or sigma <= 0:
            errors.add(f"{path}.sigma", f"expected a positive number, got {sigma!r}")
        if method == "grid":
            errors.add(path, "grid search needs a finite set: use values, int_uniform or q_uniform")
        if len(errors) > n_before:
            return None
        _check_value(errors, path, name, round(mu) if int_setting else float(mu), base)
        if len(errors) > n_before:
            return None
        return Param(name, distribution=D.FloatDistribution(NORMAL_EPS, 1 - NORMAL_EPS),
                     normal=(float(mu), float(sigma)), integer=int_setting)

    # bounded: uniform, int_uniform, q_uniform, log_uniform_values
    lo, hi = spec.get("min"), spec.get("max")
    for key, v in (("min", lo), ("max", hi)):
        if v is None:
            errors.add(f"{path}.{key}", "missing")
        elif not _is_number(v):
            errors.add(f"{path}.{key}", f"expected a number, got {v!r}")
    if len(errors) > n_before:
        return None
    if lo > hi:
        errors.add(path, f"min ({lo}) is greater than max ({hi})")
    q = spec.get("q", 1)
    if dist == "int_uniform" and not (_is_int(lo) and _is_int(hi)):
        errors.add(path, f"int_uniform needs integer min and max, got {lo!r} and {hi!r}")
    if dist == "log_uniform_values" and lo <= 0:
        errors.add(f"{path}.min", f"log_uniform_values needs min > 0, got {lo!r}")
    if dist == "q_uniform":
        if not _is_number(q) or q <= 0:
            errors.add(f"{path}.q", f"expected a positive number, got {q!r}")
        elif abs((hi - lo) / q - round((hi - lo) / q)) > 1e-9:
            errors.add(path, f"max - min ({hi - lo}) is not a multiple of q ({q})")
    if len(errors) > n_before:
        return None
    ints = int_setting and _is_int(lo) and _is_int(hi) and (dist != "q_uniform" or _is_int(q))
    if int_setting and not ints:
        errors.add(path, f"{name} is an integer setting: give integer bounds (and an integer q)")
        return None
    _check_value(errors, f"{path}.min", name, int(lo) if ints else lo, base)
    _check_value(errors, f"{path}.max", name, int(hi) if ints else hi, base)
    if len(errors) > n_before:
        return None
    if method == "grid":
        if dist == "int_uniform" or (dist == "q_uniform" and ints):
            step = int(q) if dist == "q_uniform" else 1
            choices = list(range(int(lo), int(hi) + 1, step))
        elif dist == "q_uniform":
            choices = [lo + k * q for k in range(int(round((hi - lo) / q)) + 1)]
        else:
            errors.add(path, f"grid search needs a finite set: {dist} is continuous (use values, int_uniform "
                             "or q_uniform)")
            return None
        return Param(name, distribution=D.CategoricalDistribution(choices))
    if ints:
        step = int(q) if dist == "q_uniform" else 1
        return Param(name, distribution=D.IntDistribution(int(lo), int(hi), log=dist == "log_uniform_values",
                                                          step=step))
    if dist == "int_uniform":
        return Param(name, distribution=D.IntDistribution(int(lo), int(hi)))
    return Param(name, distribution=D.FloatDistribution(
        float(lo), float(hi), log=dist == "log_uniform_values", step=float(q) if dist == "q_uniform" else None))


def _positive_int(errors: _Errors, path: str, v: Any) -> int | None:
    if not _is_int(v) or v < 1:
        errors.add(path, f"expected a positive integer, got {v!r}")
        return None
    return int(v)


def parse_sweep(raw: Any, name: str = "sweep", source: str | None = None) -> Sweep:
    """Check a sweep (a parsed JSON/YAML mapping) as a whole; raise SweepError listing every
    problem, or return the Sweep. ``name`` becomes the Optuna study name; ``source`` (the file)
    heads the error message."""
    source = source or name
    errors = _Errors()
    notes: list[str] = []
    if not isinstance(raw, dict):
        raise SweepError(source, [f"(top level): expected a mapping, got {type(raw).__name__}"])
    for key in raw:
        if key in ("program", "command"):
            notes.append(f"{key}: ignored (segue sweep runs the Segue trainer itself)")
        elif key in IGNORED_KEYS:
            notes.append(f"{key}: ignored")
        elif key not in KNOWN_KEYS:
            errors.add(str(key), f"unknown key (known: {', '.join(KNOWN_KEYS)})")

    method = raw.get("method")
    if method is None:
        errors.add("method", f"missing; one of {', '.join(METHODS)}")
    elif method not in METHODS:
        errors.add("method", f"{method!r} is not one of {', '.join(METHODS)}")

    metric_name, goal, target = "", "minimize", None
    metric = raw.get("metric")
    if not isinstance(metric, dict):
        errors.add("metric", f"missing; e.g. {{name: r_loss, goal: minimize}} (metrics: {', '.join(EVAL_METRICS)})"
                   if metric is None else f"expected a mapping with name and goal, got {metric!r}")
    else:
        metric_name = metric.get("name")
        if not metric_name:
            errors.add("metric.name", f"missing; one of {', '.join(EVAL_METRICS)}")
        elif metric_name not in EVAL_METRICS:
            errors.add("metric.name", f"{metric_name!r} is not an evaluation metric; one of {', '.join(EVAL_METRICS)}")
        goal = metric.get("goal", "minimize")
        if goal not in GOALS:
            errors.add("metric.goal", f"{goal!r} is not minimize or maximize")
        target = metric.get("target")
        if target is not None and not _is_number(target):
            errors.add("metric.target", f"expected a number, got {target!r}")
        for key in sorted(set(metric) - {"name", "goal", "target", "impute_while_running"}):
            errors.add(f"metric.{key}", "unknown key (known: name, goal, target)")

    config = raw.get("config", raw.get("model", DEFAULT_CONFIG))
    if "config" in raw and "model" in raw:
        errors.add("model", "give the config as either config or model, not both")
    config_key = "config" if "config" in raw else "model"
    base = CONFIGS.get(config) if isinstance(config, str) else None
    if base is None:
        errors.add(config_key, f"unknown config {config!r}; known: {', '.join(CONFIGS)}")
        base = CONFIGS[DEFAULT_CONFIG]

    params: dict[str, Param] = {}
    spec = raw.get("parameters")
    if not isinstance(spec, dict) or not spec:
        errors.add("parameters", "missing; a mapping of setting names to {value}, {values} or {min, max}"
                   if spec is None else f"expected a non-empty mapping, got {spec!r}")
    else:
        for pname, pspec in spec.items():
            p = _parse_param(errors, str(pname), pspec, method if method in METHODS else "random", base)
            if p is not None:
                params[str(pname)] = p
        if not errors and not any(not p.fixed for p in params.values()):
            errors.add("parameters", "nothing to sweep: every parameter has a fixed value")

    hyperband = None
    et = raw.get("early_terminate")
    if et is not None:
        if not isinstance(et, dict):
            errors.add("early_terminate", f"expected a mapping such as {{type: hyperband, min_iter: 3}}, got {et!r}")
        elif et.get("type") != "hyperband":
            errors.add("early_terminate.type", f"{et.get('type')!r} is not supported (only hyperband)")
        else:
            if "min_iter" not in et:
                errors.add("early_terminate.min_iter", "missing (Optuna's HyperbandPruner needs min_resource: "
                                                       "the evaluations every trial gets)")
            min_iter = _positive_int(errors, "early_terminate.min_iter", et["min_iter"]) if "min_iter" in et else None
            eta = et.get("eta", 3)
            if not _is_int(eta) or eta < 2:
                errors.add("early_terminate.eta", f"expected an integer of at least 2, got {eta!r}")
            max_iter = et.get("max_iter")
            if max_iter is not None:
                max_iter = _positive_int(errors, "early_terminate.max_iter", max_iter)
                if max_iter is not None and min_iter is not None and max_iter < min_iter:
                    errors.add("early_terminate.max_iter", f"{max_iter} is less than min_iter ({min_iter})")
            for key in sorted(set(et) - {"type", "min_iter", "max_iter", "eta"}):
                notes.append(f"early_terminate.{key}: ignored (no HyperbandPruner equivalent)")
            if min_iter is not None:
                hyperband = {"min_resource": min_iter, "max_resource": max_iter or "auto",
                             "reduction_factor": int(eta) if _is_int(eta) else 3}

    run_cap = raw.get("run_cap")
    if run_cap is not None:
        run_cap = _positive_int(errors, "run_cap", run_cap)
    seed = raw.get("seed", 0)
    if not _is_int(seed):
        errors.add("seed", f"expected an integer, got {seed!r}")
    wandb = raw.get("wandb", False)
    if not isinstance(wandb, bool):
        errors.add("wandb", f"expected true or false, got {wandb!r}")

    if errors:
        raise SweepError(source, errors)
    fixed = {n: p.value for n, p in params.items() if p.fixed}
    natural = NATURAL_GOALS.get(metric_name)
    if natural and goal != natural:
        notes.append(f"metric.goal: {goal} {metric_name}? higher {metric_name} is better ({natural} it)"
                     if natural == "maximize" else f"metric.goal: {goal} {metric_name}? lower is better")
    if "steps" not in params:
        notes.append(f"parameters.steps: not set; each trial trains {trainer.TrainerConfig.steps} steps "
                     "(fix steps and data_fraction to budget the sweep)")
    if hyperband is not None and "eval_every" in fixed and "steps" in fixed and fixed["eval_every"] >= fixed["steps"]:
        notes.append("early_terminate: one evaluation per trial (eval_every >= steps): nothing can be pruned")
    return Sweep(name=name, method=method, metric=metric_name, goal=goal, config=config, parameters=params,
                 hyperband=hyperband, run_cap=run_cap, target=target, seed=int(seed), wandb=wandb,
                 notes=tuple(notes), raw=raw)


def load_sweep(path: str | Path) -> Sweep:
    """Read and check a sweep file (.json, or .yaml/.yml when PyYAML is installed)."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as e:
        raise InputError(f"{path}: cannot read the sweep file: {e.strerror or e}") from None
    if path.suffix.lower() in (".yaml", ".yml"):
        try:
            import yaml
        except ImportError:
            raise InputError(f"{path}: reading YAML needs PyYAML (pip install pyyaml); "
                             "or write the sweep as JSON") from None
        try:
            raw = yaml.safe_load(text)
        except yaml.YAMLError as e:
            raise InputError(f"{path}: not valid YAML: {e}") from None
    else:
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise InputError(f"{path}: not valid JSON: {e}") from None
    return parse_sweep(raw, name=path.stem, source=str(path))
