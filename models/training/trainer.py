"""Training, following Magenta's recipe: Adam with exponential learning-rate decay, beta annealing
and free bits, scheduled sampling (inverse sigmoid), global-norm gradient clipping.

A run lives in one folder:

    model.safetensors    the model as a Segue checkpoint (attribute vectors, training facts)
    state.safetensors    model + Adam state + step, for exact resumption (same format: safetensors
                         with JSON metadata; nothing is pickled)
    metrics.jsonl        one JSON object per logged train step or evaluation

Randomness is keyed, not carried: the batch order comes from (seed, epoch) and each step's noise
(z's epsilon, scheduled-sampling draws) from (seed, step, rank). So a resumed run continues
exactly as the uninterrupted one would, with no generator state to save.

Teacher-forced batches (p = 0) run the fused whole-sequence nn.LSTM; batches with scheduled
sampling step through the decoder, since each input depends on the previous output.
Under ``torchrun --nproc_per_node N`` each process takes 1/N of every batch (DDP, gloo on CPU).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import os
import platform
import signal
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import numpy as np
import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file
from torch import nn

from segue.models.checkpoint import load_checkpoint, package_version, save_checkpoint
from segue.models.configs import MusicVAEConfig, get_config
from segue.models.errors import CheckpointError, InputError
from segue.models.musicvae import MusicVAE
from segue.models.training import metrics

log = logging.getLogger(__name__)
STATE_VERSION = 1


@dataclass(frozen=True)
class TrainerConfig:
    steps: int = 50_000
    batch_size: int = 0  # 0: the model config's batch_size
    eval_every: int = 1000
    eval_windows: int = 2048  # validation windows per evaluation
    checkpoint_every: int = 1000
    log_every: int = 50
    seed: int = 0
    device: str = "auto"
    threads: int = 0  # torch threads; 0 leaves torch's default
    data_fraction: float = 1.0  # train on the first fraction of the (shuffled) windows: sweep budgets
    max_minutes: float = 0.0  # stop (with a checkpoint) after this wall time; 0 = no limit
    attribute_windows: int = 8192  # training windows used to fit attribute vectors at the end
    licence: str = "unspecified"
    wandb: bool = False  # log to Weights & Biases (offline unless wandb_mode says otherwise)
    wandb_mode: str = "offline"
    init_from: str = ""  # a checkpoint of the same network to start from (a new run: steps and schedules from 0)


# --- --set key=value ----------------------------------------------------------------------------------

def _coerce(path: str, value: Any, current: Any) -> Any:
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except json.JSONDecodeError:
            pass
    if isinstance(current, tuple):
        if not isinstance(value, list | tuple) or not all(isinstance(v, int) for v in value):
            raise InputError(f"{path}: expected a list of integers like [256, 256], got {value!r}")
        return tuple(value)
    if isinstance(current, bool):
        if not isinstance(value, bool):
            raise InputError(f"{path}: expected true or false, got {value!r}")
        return value
    if isinstance(current, int) and not isinstance(current, bool):
        if isinstance(value, float) and value.is_integer():
            value = int(value)
        if not isinstance(value, int) or isinstance(value, bool):
            raise InputError(f"{path}: expected an integer, got {value!r}")
        return value
    if isinstance(current, float):
        if not isinstance(value, int | float) or isinstance(value, bool):
            raise InputError(f"{path}: expected a number, got {value!r}")
        return float(value)
    if isinstance(current, str):
        return str(value)
    raise InputError(f"{path}: cannot be set from the command line")


def apply_overrides(model_cfg: MusicVAEConfig, trainer_cfg: TrainerConfig,
                    overrides: dict[str, Any]) -> tuple[MusicVAEConfig, TrainerConfig]:
    """Bind key=value pairs to config or trainer fields by name; unknown names and wrong types
    are rejected naming the key. Config checks (e.g. segment counts) run on the result."""
    model_fields = {f.name for f in fields(MusicVAEConfig)} - {"name", "representation", "extra"}
    trainer_fields = {f.name for f in fields(TrainerConfig)}
    m, t = {}, {}
    for key, value in overrides.items():
        if key in model_fields:
            m[key] = _coerce(key, value, getattr(model_cfg, key))
        elif key in trainer_fields:
            t[key] = _coerce(key, value, getattr(trainer_cfg, key))
        else:
            raise InputError(f"unknown setting {key!r}; settable: {', '.join(sorted(model_fields | trainer_fields))}")
    try:
        return dataclasses.replace(model_cfg, **m), dataclasses.replace(trainer_cfg, **t)
    except ValueError as e:
        raise InputError(str(e)) from None


def parse_sets(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise InputError(f"--set takes key=value, got {item!r}")
        out[key.strip()] = value.strip()
    return out


# --- data ---------------------------------------------------------------------------------------------

def batch_indices(n: int, batch: int, step: int, seed: int) -> np.ndarray:
    """The windows of global batch ``step``: epochs are (seed, epoch)-keyed permutations."""
    per_epoch = max(n // batch, 1)
    epoch, pos = divmod(step, per_epoch)
    order = np.random.default_rng([seed, epoch]).permutation(n)
    return np.sort(order[pos * batch : (pos + 1) * batch])  # sorted: friendlier to memmaps


def step_generator(seed: int, step: int, rank: int, device: torch.device) -> torch.Generator:
    g = torch.Generator(device=device)
    g.manual_seed((seed * 1_000_003 + step) * 64 + rank)
    return g


# --- evaluation ---------------------------------------------------------------------------------------

@torch.no_grad()
def evaluate(model: MusicVAE, windows: np.ndarray, cfg: MusicVAEConfig, step: int,
             batch: int = 256, seed: int = 0) -> dict[str, float]:
    """Teacher-forced and sampled accuracy, KL in bits, reconstruction loss and ELBO over
    ``windows`` (held out). z is drawn from q(z|x) as in Magenta's evaluation."""
    model.eval()
    device = model.device
    sums = {"r_loss": 0.0, "kl_bits": 0.0, "elbo": 0.0}
    tf_c = s_c = total = count = 0
    for start in range(0, len(windows), batch):
        x = torch.as_tensor(np.array(windows[start : start + batch]), dtype=torch.long, device=device)
        g = step_generator(seed, start, 0, device)
        logits, mu, sigma, _ = model(x, 0.0, g)
        losses = metrics.vae_loss(logits, x, mu, sigma, cfg, step)
        c, n = metrics.correct_and_total(logits, x)
        tf_c, total = tf_c + c, total + n
        g = step_generator(seed, start, 0, device)
        sampled, *_ = model(x, 1.0, g)
        s_c += metrics.correct_and_total(sampled, x)[0]
        for k in sums:
            sums[k] += float(losses[k]) * len(x)
        count += len(x)
    model.train()
    out = {k: v / max(count, 1) for k, v in sums.items()}
    out.update(tf_accuracy=tf_c / max(total, 1), sampled_accuracy=s_c / max(total, 1), windows=count)
    return out


# --- resumable state ------------------------------------------------------------------------------

def save_state(path: Path, model: MusicVAE, optimizer: torch.optim.Optimizer, step: int,
               trainer_cfg: TrainerConfig, extra: dict[str, Any]) -> None:
    tensors = {f"model.{k}": v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    opt = optimizer.state_dict()
    for idx, st in opt["state"].items():
        for key, value in st.items():
            tensors[f"optim.{idx}.{key}"] = torch.as_tensor(value).detach().cpu().contiguous()
    meta = {
        "state_version": STATE_VERSION, "step": step, "config": model.config.to_dict(),
        "trainer": dataclasses.asdict(trainer_cfg), "param_groups": opt["param_groups"], **extra,
    }
    tmp = path.with_name(path.name + ".partial")
    save_file(tensors, str(tmp), metadata={"segue_state": json.dumps(meta)})
    tmp.replace(path)


def warm_start(model: MusicVAE, path: str | Path) -> None:
    """Start from another run's weights (``--init-from``): the same network, any loss settings (free
    bits, beta, scheduled sampling). A network of another shape is refused, naming the first tensor."""
    source, _, _ = load_checkpoint(path, "cpu")
    theirs, ours = source.state_dict(), model.state_dict()
    for name, tensor in ours.items():
        if name not in theirs or theirs[name].shape != tensor.shape:
            have = tuple(theirs[name].shape) if name in theirs else "nothing"
            raise InputError(f"--init-from {path}: another network ({name}: {tuple(tensor.shape)} here, {have} there)")
    model.load_state_dict({k: v.to(ours[k].device) for k, v in theirs.items() if k in ours})


def load_state(path: Path, model: MusicVAE, optimizer: torch.optim.Optimizer) -> dict[str, Any]:
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            meta = json.loads((f.metadata() or {})["segue_state"])
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, KeyError, json.JSONDecodeError) as e:
        raise CheckpointError(f"{path}: not a readable training state: {e}") from None
    if meta.get("config") != model.config.to_dict():
        raise CheckpointError(f"{path}: the run was started with another config; resume it with the same one")
    model.load_state_dict({k[6:]: v for k, v in tensors.items() if k.startswith("model.")})
    state: dict[int, dict[str, torch.Tensor]] = {}
    for k, v in tensors.items():
        if k.startswith("optim."):
            _, idx, key = k.split(".", 2)
            state.setdefault(int(idx), {})[key] = v
    optimizer.load_state_dict({"state": state, "param_groups": meta["param_groups"]})
    return meta


# --- the loop ---------------------------------------------------------------------------------------

def _distributed() -> tuple[int, int]:
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and not torch.distributed.is_initialized():
        backend = "nccl" if torch.cuda.is_available() else "gloo"
        torch.distributed.init_process_group(backend)
    rank = torch.distributed.get_rank() if world > 1 else 0
    return rank, world


def _clip_or_zero(model: nn.Module, cfg: MusicVAEConfig) -> float:
    norm = float(torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip))
    if not np.isfinite(norm) or norm >= cfg.grad_norm_clip_to_zero:
        for p in model.parameters():
            if p.grad is not None:
                p.grad.zero_()
    return norm


def _hardware(device: torch.device) -> str:
    if device.type == "cuda":
        return torch.cuda.get_device_name(device)
    return f"{platform.processor() or platform.machine()}, {torch.get_num_threads()} threads"


def train(config: MusicVAEConfig | str, data_dir: str | Path, out_dir: str | Path,
          trainer_cfg: TrainerConfig = TrainerConfig(), resume: bool = False,
          report: Callable[[int, dict[str, float]], bool | None] | None = None,
          progress: bool = True) -> dict[str, Any]:
    """Train a model; returns the last evaluation. ``report(step, metrics)`` is called after each
    evaluation (sweeps prune there: returning True stops the run)."""
    from tqdm import tqdm

    from segue.models.inference import resolve_device
    from segue.models.training.windows import load_windows

    cfg = get_config(config) if isinstance(config, str) else config
    tc = trainer_cfg
    out = Path(out_dir)
    state_path = _run_folder(out, resume)
    if tc.threads:
        torch.set_num_threads(tc.threads)
    rank, world = _distributed()
    device = resolve_device(tc.device)
    if device.type == "cuda" and world > 1:
        device = torch.device("cuda", rank % torch.cuda.device_count())

    rep_kind = cfg.representation["kind"]
    train_w = load_windows(data_dir, rep_kind, cfg.bars, "train")
    valid_w = load_windows(data_dir, rep_kind, cfg.bars, "valid")
    n_train = max(int(len(train_w) * tc.data_fraction), 1)
    valid_w = valid_w[: tc.eval_windows]
    batch = tc.batch_size or cfg.batch_size
    if batch % world:
        raise InputError(f"batch size {batch} does not split over {world} processes")

    torch.manual_seed(tc.seed)
    model = MusicVAE(cfg).to(device)
    optimizer = torch.optim.Adam(model.parameters(), lr=cfg.learning_rate, eps=1e-8)
    step, wall = 0, 0.0
    if resume:
        meta = load_state(state_path, model, optimizer)
        step, wall = meta["step"], meta.get("wall_seconds", 0.0)
    elif tc.init_from:
        warm_start(model, tc.init_from)
    net: nn.Module = model
    if world > 1:
        net = nn.parallel.DistributedDataParallel(model, find_unused_parameters=False)
    model.train()

    wandb_run = _wandb_run(tc, cfg, out) if rank == 0 else None
    metrics_file = (out / "metrics.jsonl").open("a") if rank == 0 else None
    started = time.monotonic()
    last_eval: dict[str, Any] = {}
    bar = tqdm(total=tc.steps, initial=step, disable=not progress or rank != 0, unit="step", dynamic_ncols=True)
    seen_since, t_since = 0, time.monotonic()

    def write(row: dict[str, Any]) -> None:
        if metrics_file:
            metrics_file.write(json.dumps(row) + "\n")
            metrics_file.flush()
        if wandb_run is not None:
            wandb_run.log({f"{row['split']}/{k}": v for k, v in row.items() if k not in ("split", "step")},
                          step=row["step"])

    attributes: dict[str, torch.Tensor] = {}

    def checkpoint(final: bool = False) -> None:
        if rank != 0:
            return
        elapsed = wall + time.monotonic() - started
        save_state(state_path, model, optimizer, step, tc, {"wall_seconds": elapsed})
        facts = {
            "steps": step, "batch_size": batch, "wall_seconds": round(elapsed, 1),
            "hardware": _hardware(device), "processes": world, "data": str(data_dir),
            "train_windows": n_train, "segue_version": package_version(),
            "valid": last_eval, "final": final,
        }
        if tc.init_from:
            facts["initialised_from"] = str(tc.init_from)
        facts.update(_data_facts(data_dir))
        save_checkpoint(out / "model.safetensors", model, attributes=attributes, training=facts,
                        licence=tc.licence)

    stop = False
    terminated = _on_sigterm()
    try:
        while step < tc.steps and not stop:
            idx = batch_indices(n_train, batch, step, tc.seed)[rank::world]
            x = torch.as_tensor(np.array(train_w[idx]), dtype=torch.long, device=device)
            row = _step(net, model, optimizer, cfg, x, step, step_generator(tc.seed, step, rank, device))
            step += 1
            seen_since += len(x) * world
            bar.update(1)
            if step % tc.log_every == 0 or step == tc.steps:
                row = {"step": step, **row, "seq_per_s": seen_since / max(time.monotonic() - t_since, 1e-9)}
                write(row)
                bar.set_postfix(loss=f"{row['loss']:.2f}", kl=f"{row['kl_bits']:.1f}", p=f"{row['sampling_prob']:.2f}")
                seen_since, t_since = 0, time.monotonic()
            timed_out = (tc.max_minutes and (time.monotonic() - started) / 60 >= tc.max_minutes) or terminated()
            if step % tc.eval_every == 0 or step == tc.steps or timed_out:
                if rank == 0 and len(valid_w):
                    last_eval = {"step": step, **evaluate(model, valid_w, cfg, step, seed=tc.seed)}
                    write({"split": "valid", **last_eval})
                    log.info("step %d: valid %s", step, {k: round(v, 4) for k, v in last_eval.items()})
                    if report is not None and report(step, last_eval):
                        stop = True
            if step % tc.checkpoint_every == 0 or timed_out:
                checkpoint()
            if timed_out:
                if terminated():
                    log.warning("SIGTERM at step %d: stopping with a checkpoint (resume with --resume)", step)
                else:
                    log.info("stopping after %.1f minutes (max_minutes)", tc.max_minutes)
                stop = True
    except KeyboardInterrupt:
        log.warning("interrupted at step %d: saving a checkpoint (resume with --resume)", step)
        checkpoint()
        raise
    finally:
        terminated.restore()
    bar.close()
    if rank == 0:
        attributes.update(fit_attributes(model, train_w, n_train, tc))
        checkpoint(final=True)
        if metrics_file:
            metrics_file.close()
        if wandb_run is not None:
            wandb_run.finish()
    if world > 1:
        torch.distributed.barrier()
        torch.distributed.destroy_process_group()
    return {"step": step, **last_eval, "rank": rank}


class _on_sigterm:
    """SIGTERM (a job manager, `kill`, a shutdown) ends training after the current step, with a
    checkpoint, as max_minutes does; Ctrl-C raises KeyboardInterrupt as usual. Only the main
    thread can take signals: elsewhere this never fires."""

    def __init__(self):
        self.signalled = False
        self.previous = None
        if threading.current_thread() is threading.main_thread():
            self.previous = signal.signal(signal.SIGTERM, self._handle)

    def _handle(self, signum, frame) -> None:
        self.signalled = True

    def __call__(self) -> bool:
        return self.signalled

    def restore(self) -> None:
        if self.previous is not None:
            signal.signal(signal.SIGTERM, self.previous)
            self.previous = None


def _run_folder(out: Path, resume: bool) -> Path:
    """The run folder, made; its training state's path. A new run never starts over an old one."""
    state_path = out / "state.safetensors"
    if state_path.exists() and not resume:
        raise InputError(f"{out} already holds a run; pass --resume to continue it, or choose another --out")
    if resume and not state_path.exists():
        raise InputError(f"nothing to resume in {out}")
    out.mkdir(parents=True, exist_ok=True)
    return state_path


def _step(net: nn.Module, model: MusicVAE, optimizer: torch.optim.Optimizer, cfg: MusicVAEConfig, x: torch.Tensor,
          step: int, generator: torch.Generator) -> dict[str, Any]:
    """One optimizer step on the batch ``x``: the learning rate and the scheduled-sampling probability
    of ``step``, the VAE loss, clipped gradients. Returns the training row of the metrics."""
    lr = metrics.learning_rate(cfg, step)
    for group in optimizer.param_groups:
        group["lr"] = lr
    p = metrics.sampling_probability(cfg, step)
    logits, mu, sigma, _ = net(x, p, generator)
    losses = metrics.vae_loss(logits, x, mu, sigma, cfg, step)
    optimizer.zero_grad(set_to_none=True)
    losses["loss"].backward()
    norm = _clip_or_zero(model, cfg)
    optimizer.step()
    return {"split": "train", "loss": float(losses["loss"].detach()), "r_loss": float(losses["r_loss"]),
            "kl_bits": float(losses["kl_bits"]), "beta": float(losses["beta"]), "lr": lr, "sampling_prob": p,
            "grad_norm": norm}


def _wandb_run(tc: TrainerConfig, cfg: MusicVAEConfig, out: Path):
    """A Weights & Biases run when asked for (offline unless ``wandb_mode`` says "online")."""
    if not tc.wandb:
        return None
    try:
        import wandb
    except ImportError:
        raise InputError("wandb=true, but Weights & Biases is not installed (pip install wandb)") from None
    return wandb.init(project="segue", name=out.name, dir=str(out), mode=tc.wandb_mode,
                      config={"model": cfg.to_dict(), "trainer": dataclasses.asdict(tc)})


def _data_facts(data_dir: str | Path) -> dict[str, Any]:
    manifest = Path(data_dir) / "manifest.json"
    if not manifest.is_file():
        return {}
    try:
        m = json.loads(manifest.read_text())
    except json.JSONDecodeError:
        return {}
    return {"data_source": m.get("source"), "data_collections": m.get("collections")}


def fit_attributes(model: MusicVAE, windows: np.ndarray, n: int, tc: TrainerConfig) -> dict[str, torch.Tensor]:
    """Attribute vectors from posterior means of up to ``tc.attribute_windows`` training windows:
    mean mu of the top quartile of each attribute minus mean mu of the bottom quartile."""
    from segue.models.attributes import fit_attribute_vectors

    pick = np.sort(np.random.default_rng(tc.seed).permutation(n)[: tc.attribute_windows])
    if len(pick) < 8:
        return {}
    model.eval()
    mus = []
    with torch.no_grad():
        for start in range(0, len(pick), 512):
            x = torch.as_tensor(np.array(windows[pick[start : start + 512]]), dtype=torch.long,
                                device=model.device)
            mus.append(model.encode(x)[0].cpu())
    mu = torch.cat(mus)
    tokens = np.asarray(windows[pick])[..., 0]
    vectors: dict[str, torch.Tensor] = {}
    for name in ("note_density", "c_diatonic", "average_interval", "syncopation_16th", "syncopation_8th"):
        try:
            vectors.update(fit_attribute_vectors(mu, tokens, [name], drums=model.representation.kind == "drums"))
        except ValueError as e:
            log.warning("no %s vector: %s", name, e)
    model.train()
    return vectors
