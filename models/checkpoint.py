"""Segue checkpoints: one ``.safetensors`` file, the only code that reads or writes weights.

The file holds the network's tensors (``model.*``), optional attribute vectors (``attribute.*``),
and, in the safetensors header's string metadata under ``"segue"``, one JSON object:

    format_version   int, this module's FORMAT_VERSION
    segue_version    the package version that wrote it
    config           MusicVAEConfig.to_dict(); the representation is inside it
    representation   the representation dict again, for readers that only want that
    training         free-form facts: data, steps, wall time, hardware, metrics
    licence          the licence of the weights (what a producer may do with the output)
    tensor_sha256    SHA-256 over every tensor's name, dtype, shape and bytes, in name order

Loading never unpickles. A missing, truncated, corrupt or mismatched file raises CheckpointError
saying what is wrong.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

import torch
from safetensors import SafetensorError, safe_open
from safetensors.torch import save_file

from segue.models.configs import MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.musicvae import MusicVAE

FORMAT_VERSION = 1
MODEL_PREFIX = "model."
ATTRIBUTE_PREFIX = "attribute."


@dataclass
class CheckpointMeta:
    config: MusicVAEConfig
    training: dict[str, Any] = field(default_factory=dict)
    licence: str = "unspecified"
    segue_version: str = ""
    format_version: int = FORMAT_VERSION


def package_version() -> str:
    try:
        return version("segue")
    except PackageNotFoundError:  # running from a source tree that is not installed
        return "0+unknown"


def _digest(tensors: dict[str, torch.Tensor]) -> str:
    h = hashlib.sha256()
    for name in sorted(tensors):
        t = tensors[name].detach().cpu().contiguous()
        h.update(f"{name}|{t.dtype}|{tuple(t.shape)}|".encode())
        h.update(t.view(torch.uint8).numpy().tobytes() if t.numel() else b"")
    return h.hexdigest()


def save_checkpoint(path: str | Path, model: MusicVAE, *, attributes: dict[str, torch.Tensor] | None = None,
                    training: dict[str, Any] | None = None, licence: str = "unspecified") -> Path:
    """Write model (and attribute vectors) to ``path``. Writes to a temporary name first, so an
    interrupted save never leaves a half-written checkpoint under the real name."""
    path = Path(path)
    tensors = {MODEL_PREFIX + k: v.detach().cpu().contiguous() for k, v in model.state_dict().items()}
    for name, vec in (attributes or {}).items():
        tensors[ATTRIBUTE_PREFIX + name] = vec.detach().cpu().float().contiguous()
    meta = {
        "format_version": FORMAT_VERSION,
        "segue_version": package_version(),
        "config": model.config.to_dict(),
        "representation": model.config.representation,
        "training": training or {},
        "licence": licence,
        "tensor_sha256": _digest(tensors),
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    save_file(tensors, str(tmp), metadata={"segue": json.dumps(meta)})
    tmp.replace(path)
    return path


def _read(path: Path) -> tuple[dict[str, Any], dict[str, torch.Tensor]]:
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} not found")
    try:
        with safe_open(str(path), framework="pt", device="cpu") as f:
            header = f.metadata() or {}
            tensors = {k: f.get_tensor(k) for k in f.keys()}
    except (SafetensorError, OSError, ValueError, RuntimeError) as e:
        raise CheckpointError(
            f"{path} is not a readable safetensors file (truncated or corrupt?): {e}"
        ) from None
    if "segue" not in header:
        raise CheckpointError(
            f"{path} is a safetensors file but not a Segue checkpoint (no 'segue' metadata)"
        )
    try:
        meta = json.loads(header["segue"])
    except json.JSONDecodeError as e:
        raise CheckpointError(f"{path}: the Segue metadata is not valid JSON: {e}") from None
    return meta, tensors


def load_checkpoint(path: str | Path, device: torch.device | str = "cpu"
                    ) -> tuple[MusicVAE, dict[str, torch.Tensor], CheckpointMeta]:
    """Rebuild a model from its file: (model in eval mode on ``device``, attribute vectors, meta)."""
    path = Path(path)
    meta, tensors = _read(path)
    fv = meta.get("format_version")
    if fv != FORMAT_VERSION:
        raise CheckpointError(f"{path}: format version {fv!r}; this Segue reads version {FORMAT_VERSION}")
    if meta.get("tensor_sha256") != _digest(tensors):
        raise CheckpointError(f"{path}: tensor data does not match its checksum (corrupt file)")
    try:
        config = MusicVAEConfig.from_dict(meta["config"])
        model = MusicVAE(config)
    except (KeyError, TypeError, ValueError) as e:
        raise CheckpointError(f"{path}: cannot rebuild the model from its config: {e}") from None
    state = {k[len(MODEL_PREFIX):]: v for k, v in tensors.items() if k.startswith(MODEL_PREFIX)}
    expected = model.state_dict()
    missing = sorted(set(expected) - set(state))
    unexpected = sorted(set(state) - set(expected))
    if missing or unexpected:
        raise CheckpointError(
            f"{path}: weights do not match config {config.name!r}: "
            f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
            f"unexpected {unexpected[:5]}{'...' if len(unexpected) > 5 else ''}"
        )
    for k, v in expected.items():
        if state[k].shape != v.shape:
            raise CheckpointError(
                f"{path}: {k} has shape {tuple(state[k].shape)}, "
                f"config {config.name!r} needs {tuple(v.shape)}"
            )
    model.load_state_dict(state)
    model.to(device).eval()
    attributes = {
        k[len(ATTRIBUTE_PREFIX):]: v.to(device)
        for k, v in tensors.items() if k.startswith(ATTRIBUTE_PREFIX)
    }
    for name, vec in attributes.items():
        if vec.shape != (config.z_size,):
            raise CheckpointError(
                f"{path}: attribute vector {name!r} has shape {tuple(vec.shape)}, not ({config.z_size},)"
            )
    info = CheckpointMeta(config=config, training=meta.get("training", {}),
                          licence=meta.get("licence", "unspecified"),
                          segue_version=meta.get("segue_version", ""), format_version=fv)
    return model, attributes, info
