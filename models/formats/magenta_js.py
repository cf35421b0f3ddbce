"""Magenta.js MusicVAE checkpoints: load them into Segue, and export Segue models for Magenta.js.

A Magenta.js checkpoint is a folder (``shared/reference/musicvae.md`` section 6):

    config.json            a MusicVAESpec: {"type": "MusicVAE", "dataConverter": {type, args}, ...}
    weights_manifest.json  [{"paths": [shard files], "weights": [{name, shape, dtype, quantization?}]}]
    group1-shard1of2.bin   the weights' bytes, concatenated in manifest order and cut into shards
    ...

Weights are little-endian float32, or quantized per weight to uint8/uint16 (value = q * scale +
min) or float16. Variable names are TensorFlow's: LSTMBlockCell kernels ``[in + H, 4H]`` with
gates i, j, f, o and a forget bias of 1.0 added at run time; dense kernels ``[in, out]``. How they
map onto Segue's modules is ``segue.models.formats.tf_names``, shared with Python Magenta's
checkpoints (``magenta_tf``).

What maps onto Segue (``load_magenta_js``):

- every converter, decoder and control of Magenta.js's MusicVAE: ``config.json`` is read by
  ``segue.models.formats.magenta_spec`` (which also lists what stays refused); ``numSegments``
  gives the two-level hierarchical encoder and the conductor decoder, as in Magenta.js;
- Magenta.js never reads ``encoder/sigma``; when a checkpoint leaves it out, Segue's sigma layer
  gets zero weights (sigma = softplus(0) = 0.693 for every input) and the training facts say so;
- Magenta.js 1.23.1's DrumsConverter sets the "nothing hit" bit one step early (docs/magenta.md);
  Segue keeps the roll Python Magenta trained with, so drum mu from a clip differs from Magenta.js's.

``export_magenta_js`` writes the same layout for models Magenta.js can load: a single-layer
bidirectional encoder with a flat decoder, or the two-level hierarchical encoder (one layer per
level) with the conductor decoder; any representation, decoder and controls.
"""

from __future__ import annotations

import json
import math
import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import torch

from segue.models.checkpoint import CheckpointMeta
from segue.models.configs import MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.formats.magenta_spec import read_spec, spec_for
from segue.models.formats.tf_names import SIGMA_MISSING, config_from_weights, layout, map_weights, to_tf
from segue.models.inference import LatentModel
from segue.models.musicvae import MusicVAE

__all__ = ["SHARD_BYTES", "export_magenta_js", "is_magenta_js_dir", "load_magenta_js"]

CONFIG_FILE = "config.json"
MANIFEST_FILE = "weights_manifest.json"
SHARD_BYTES = 4 * 1024 * 1024  # tensorflowjs's default shard size

# bytes per value for the dtypes tfjs writes (io_utils DTYPE_VALUE_SIZE_MAP)
_DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2}
_NUMPY = {"float32": "<f4", "int32": "<i4", "bool": "u1", "uint8": "u1", "uint16": "<u2", "float16": "<f2"}

# --- reading -------------------------------------------------------------------------------------

def is_magenta_js_dir(path: str | Path) -> bool:
    """True for a folder holding a ``weights_manifest.json`` (a Magenta.js / tfjs checkpoint)."""
    p = Path(path)
    return p.is_dir() and (p / MANIFEST_FILE).is_file()


def _read_json(path: Path, what: str) -> Any:
    if not path.is_file():
        raise CheckpointError(f"{path.parent}: no {path.name} ({what}); is this a Magenta.js checkpoint folder?")
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise CheckpointError(f"{path}: not valid JSON: {e}") from None


def _entry_bytes(entry: dict[str, Any]) -> tuple[str, int]:
    """(stored dtype, byte count) of one manifest weight entry."""
    name = entry.get("name", "?")
    quant = entry.get("quantization")
    stored = quant.get("dtype") if isinstance(quant, dict) else entry.get("dtype", "float32")
    if stored not in _DTYPE_BYTES:
        raise CheckpointError(f"weight {name!r}: unsupported stored dtype {stored!r} "
                              f"(Segue reads {', '.join(_DTYPE_BYTES)})")
    shape = entry.get("shape")
    if not isinstance(shape, list) or not all(isinstance(s, int) and s >= 0 for s in shape):
        raise CheckpointError(f"weight {name!r}: bad shape {shape!r} in {MANIFEST_FILE}")
    return stored, _DTYPE_BYTES[stored] * math.prod(shape)


def _decode(entry: dict[str, Any], raw: bytes | memoryview) -> np.ndarray:
    """One weight's bytes -> float32 array (dequantized as tfjs does: q * scale + min in double)."""
    stored, _ = _entry_bytes(entry)
    values = np.frombuffer(raw, dtype=_NUMPY[stored])
    quant = entry.get("quantization")
    if isinstance(quant, dict) and stored in ("uint8", "uint16"):
        try:
            scale, lo = float(quant["scale"]), float(quant["min"])
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"weight {entry['name']!r}: {stored} quantization needs numeric "
                                  f"'scale' and 'min', got {quant}") from None
        values = values.astype(np.float64) * scale + lo
    return values.astype(np.float32).reshape(entry["shape"])


def read_weights(folder: Path) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every weight of a tfjs weights manifest as float32 arrays, checking shards and byte counts;
    and the dtype each was stored as (float32, or the quantization dtype)."""
    manifest = _read_json(folder / MANIFEST_FILE, "the weights manifest")
    if not isinstance(manifest, list) or not all(isinstance(g, dict) for g in manifest):
        raise CheckpointError(f"{folder / MANIFEST_FILE}: expected a list of weight groups")
    weights: dict[str, np.ndarray] = {}
    stored: dict[str, str] = {}
    for gi, group in enumerate(manifest, start=1):
        paths, entries = group.get("paths"), group.get("weights")
        if not isinstance(paths, list) or not isinstance(entries, list):
            raise CheckpointError(f"{folder / MANIFEST_FILE}: group {gi} needs 'paths' and 'weights' lists")
        for e in entries:
            if not isinstance(e, dict) or not isinstance(e.get("name"), str):
                raise CheckpointError(f"{folder / MANIFEST_FILE}: group {gi} has a weight entry without a name: {e!r}")
        sizes = []
        for rel in paths:
            shard = folder / str(rel)
            if not shard.is_file():
                raise CheckpointError(f"{folder}: shard {rel!r} named in {MANIFEST_FILE} (group {gi}) is missing")
            sizes.append(shard.stat().st_size)
        expected = sum(_entry_bytes(e)[1] for e in entries)
        actual = sum(sizes)
        if expected != actual:
            listing = ", ".join(f"{p}: {s}" for p, s in zip(paths, sizes))
            raise CheckpointError(
                f"{folder}: {MANIFEST_FILE} group {gi} needs {expected} bytes for its {len(entries)} "
                f"weights, but its shards hold {actual} bytes ({listing}); a shard is truncated, "
                "or does not belong to this manifest"
            )
        blob = memoryview(b"".join((folder / str(rel)).read_bytes() for rel in paths))  # slices: no copies
        offset = 0
        for e in entries:
            _, n = _entry_bytes(e)
            if e["name"] in weights:
                raise CheckpointError(f"{folder}: weight {e['name']!r} appears twice in {MANIFEST_FILE}")
            weights[e["name"]] = _decode(e, blob[offset : offset + n])
            stored[e["name"]] = _entry_bytes(e)[0]
            offset += n
    return weights, stored


# --- load ----------------------------------------------------------------------------------------

def load_magenta_js(path: str | Path, device: str | torch.device | None = None) -> LatentModel:
    """A Magenta.js MusicVAE checkpoint folder -> a LatentModel (mu identical to Magenta.js's
    ``encode``, argmax decoding identical to its ``decode`` with no temperature)."""
    folder = Path(path)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: not a folder; a Magenta.js checkpoint is a folder with "
                              f"{CONFIG_FILE}, {MANIFEST_FILE} and shard files")
    spec = _read_json(folder / CONFIG_FILE, "the model spec")
    weights, stored = read_weights(folder)
    info = read_spec(spec, folder / CONFIG_FILE, weights)
    rep = info.representation
    name = f"magenta-js/{folder.resolve().name}"
    config = config_from_weights(name, rep, weights, folder, info.steps, info.segments, **info.features)

    model, used, sigma_missing = map_weights(config, rep, weights, folder)
    quant = sorted({stored[k] for k in used})
    training: dict[str, Any] = {
        "source": "Magenta.js checkpoint",
        "imported_from": str(folder),
        "magenta_js_spec": spec,
        "stored_dtypes": quant,
    }
    if sigma_missing:
        training["sigma"] = SIGMA_MISSING
    ignored = sorted(set(weights) - used - {"encoder/sigma/kernel", "encoder/sigma/bias"})
    if ignored:
        training["ignored_variables"] = ignored
    meta = CheckpointMeta(config=config, training=training,
                          licence="unknown: weights imported from a Magenta.js checkpoint; see where you got it")
    return LatentModel(model, None, meta, device)


# --- export --------------------------------------------------------------------------------------

def _check_exportable(config: MusicVAEConfig) -> None:
    enc, dec = config.encoder, config.decoder
    if enc == "bidirectional" and dec == "flat" and len(config.enc_rnn_size) == 1:
        return
    if enc == "hierarchical" and dec == "hierarchical" and len(config.enc_rnn_size) == 1:
        return
    if enc == "bidirectional" and dec == "flat":
        why = (f"its bidirectional encoder has {len(config.enc_rnn_size)} layers; Magenta.js loads only "
               "single-layer bidirectional encoders")
    elif dec == "hierarchical" and enc == "bidirectional":
        why = ("it has a conductor (segments) with a bidirectional encoder over the whole window; Magenta.js "
               "needs the two-level hierarchical encoder whenever there are segments")
    elif enc == "hierarchical" and dec == "flat":
        why = "it has a hierarchical encoder with a flat decoder; Magenta.js pairs it with a conductor"
    else:
        why = (f"its hierarchical encoder has {len(config.enc_rnn_size)} layers per level; Magenta.js reads "
               "one layer per level")
    raise CheckpointError(f"cannot export {config.name!r} for Magenta.js: {why}. Configs that export: "
                          "cat-mel_2bar_small, cat-drums_2bar_small, hier-mel_16bar, hier-mel_4bar_small")


def _quantize(values: np.ndarray, dtype: str) -> tuple[np.ndarray, dict[str, Any]]:
    """tensorflowjs's affine quantization: q = round((v - min) / scale), min nudged so 0 is exact."""
    q_max = np.iinfo(np.uint8 if dtype == "uint8" else np.uint16).max
    v = values.astype(np.float64)
    lo, hi = (float(v.min()), float(v.max())) if v.size else (0.0, 0.0)
    if lo == hi:
        return np.zeros(v.shape, dtype=_NUMPY[dtype]), {"dtype": dtype, "min": lo, "scale": 1.0,
                                                         "original_dtype": "float32"}
    scale = float(np.float32((hi - lo) / q_max))
    lo = round(lo / scale) * scale
    q = np.clip(np.round((v - lo) / scale), 0, q_max).astype(_NUMPY[dtype])
    return q, {"dtype": dtype, "min": lo, "scale": scale, "original_dtype": "float32"}


def export_magenta_js(model: LatentModel | MusicVAE, path: str | Path, quantize: str | None = None,
                      shard_bytes: int = SHARD_BYTES) -> list[Path]:
    """Write ``model`` as a Magenta.js checkpoint folder at ``path`` (which must not exist, or be
    empty): config.json, weights_manifest.json and ``group1-shardKofN.bin`` shards of at most
    ``shard_bytes``. ``quantize`` "uint8" or "uint16" stores each weight as q * scale + min (as
    tensorflowjs's converter does), shrinking the files 4x or 2x. Returns the files written."""
    net = model.model if isinstance(model, LatentModel) else model
    if quantize not in (None, "uint8", "uint16"):
        raise CheckpointError(f"quantize must be None, 'uint8' or 'uint16', not {quantize!r}")
    if shard_bytes < 1:
        raise CheckpointError(f"shard_bytes must be positive, got {shard_bytes}")
    config, rep = net.config, net.representation
    _check_exportable(config)
    spec = spec_for(config, rep)
    state = {k: v.detach().cpu().float() for k, v in net.state_dict().items()}

    entries, chunks = [], []
    for var in layout(config, rep.n_heads):
        for part, tensor in zip(var.parts, to_tf(var, state)):
            values = tensor.numpy().astype(np.float32)
            entry: dict[str, Any] = {"name": var.tf + part, "shape": list(values.shape), "dtype": "float32"}
            if quantize:
                q, entry["quantization"] = _quantize(values, quantize)
                chunks.append(q.tobytes())
            else:
                chunks.append(values.astype("<f4").tobytes())
            entries.append(entry)
    blob = b"".join(chunks)
    n = max(1, -(-len(blob) // shard_bytes))
    names = [f"group1-shard{k}of{n}.bin" for k in range(1, n + 1)]

    out = Path(path)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise CheckpointError(f"{out} exists and is not an empty folder; choose a new folder for the export")
    tmp = out.with_name(out.name + ".partial")
    if tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True)
    for k, shard in enumerate(names):
        (tmp / shard).write_bytes(blob[k * shard_bytes : (k + 1) * shard_bytes])
    (tmp / MANIFEST_FILE).write_text(json.dumps([{"paths": names, "weights": entries}], indent=1) + "\n")
    (tmp / CONFIG_FILE).write_text(json.dumps(spec, indent=2) + "\n")
    if out.exists():
        out.rmdir()
    os.replace(tmp, out)
    return [out / CONFIG_FILE, out / MANIFEST_FILE] + [out / s for s in names]
