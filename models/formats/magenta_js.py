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

- converters: MelodyConverter (numSteps, minPitch, maxPitch), DrumsConverter (roll input;
  Magenta.js's pitch table is note_seq's pre-2019 one, Segue's ``"legacy"``), TrioConverter
  (melody and bass 21..108, one-hot drums); ``numSegments`` gives the two-level hierarchical
  encoder and the conductor decoder, as in Magenta.js;
- anything else raises ``CheckpointError`` naming what Segue lacks: chord conditioning
  (``chordEncoder``), key conditioning, extra controls, MultitrackConverter, GrooVAE
  (GrooveConverter), DrumsOneHotConverter / DrumRollConverter / the rhythm and shape converters,
  boolean and NADE decoders;
- Magenta.js never reads ``encoder/sigma``; when a checkpoint leaves it out, Segue's sigma layer
  gets zero weights (sigma = softplus(0) = 0.693 for every input) and the training facts say so;
- Magenta.js 1.23.1's DrumsConverter sets the "nothing hit" bit one step early (docs/magenta.md);
  Segue keeps the roll Python Magenta trained with, so drum mu from a clip differs from Magenta.js's.

``export_magenta_js`` writes the same layout for models Magenta.js can load: a single-layer
bidirectional encoder with a flat decoder, or the two-level hierarchical encoder (one layer per
level) with the conductor decoder.
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
from segue.models.configs import STEPS_PER_BAR, MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.formats.tf_names import SIGMA_MISSING, config_from_weights, layout, map_weights, to_tf
from segue.models.inference import LatentModel
from segue.models.musicvae import MusicVAE
from segue.models.representation import (
    DRUM_PITCH_TABLES,
    DrumsRepresentation,
    MelodyRepresentation,
    Representation,
    TrioRepresentation,
)

__all__ = ["SHARD_BYTES", "export_magenta_js", "is_magenta_js_dir", "load_magenta_js"]

CONFIG_FILE = "config.json"
MANIFEST_FILE = "weights_manifest.json"
SHARD_BYTES = 4 * 1024 * 1024  # tensorflowjs's default shard size

# bytes per value for the dtypes tfjs writes (io_utils DTYPE_VALUE_SIZE_MAP)
_DTYPE_BYTES = {"float32": 4, "int32": 4, "bool": 1, "uint8": 1, "uint16": 2, "float16": 2}
_NUMPY = {"float32": "<f4", "int32": "<i4", "bool": "u1", "uint8": "u1", "uint16": "<u2", "float16": "<f2"}

# Magenta.js config features Segue cannot run, and what to say about each
_UNSUPPORTED_SPEC = {
    "chordEncoder": "chord conditioning (config.json has a chordEncoder)",
    "conditionOnKey": "key conditioning (config.json sets conditionOnKey)",
    "extraControls": "extra control signals (config.json lists extraControls)",
    "useBooleanDecoder": "a boolean (multi-label) decoder (config.json sets useBooleanDecoder)",
}
_UNSUPPORTED_CONVERTERS = {
    "GrooveConverter": "GrooVAE (GrooveConverter: velocities and timing offsets)",
    "MultitrackConverter": "multitrack models (MultitrackConverter)",
    "DrumsOneHotConverter": "drum models with one-hot input (DrumsOneHotConverter; Segue's drums "
                            "read the 10-dimension roll of DrumsConverter)",
    "DrumRollConverter": "drum-roll models with a boolean decoder (DrumRollConverter)",
    "MelodyRhythmConverter": "melody-rhythm models (MelodyRhythmConverter)",
    "MelodyShapeConverter": "melody-shape models (MelodyShapeConverter)",
    "TrioRhythmConverter": "trio-rhythm models (TrioRhythmConverter)",
}
_TRIO_LINE = (21, 108)  # Segue's trio melody and bass range


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


# --- config.json <-> MusicVAEConfig --------------------------------------------------------------

def _check_spec(spec: Any, where: Path) -> dict[str, Any]:
    if not isinstance(spec, dict):
        raise CheckpointError(f"{where}: expected a JSON object")
    if spec.get("type") != "MusicVAE":
        raise CheckpointError(f"{where}: model type {spec.get('type')!r}; Segue loads only MusicVAE checkpoints")
    for key, feature in _UNSUPPORTED_SPEC.items():
        if spec.get(key):
            raise CheckpointError(f"{where}: unsupported: {feature}. Segue has no such input; "
                                  "use a checkpoint without it")
    conv = spec.get("dataConverter")
    if not isinstance(conv, dict) or not isinstance(conv.get("args", {}), dict):
        raise CheckpointError(f"{where}: no dataConverter {{type, args}}")
    kind = conv.get("type")
    if kind in _UNSUPPORTED_CONVERTERS:
        raise CheckpointError(f"{where}: unsupported: {_UNSUPPORTED_CONVERTERS[kind]}. Segue loads "
                              "MelodyConverter, DrumsConverter and TrioConverter models")
    if kind not in ("MelodyConverter", "DrumsConverter", "TrioConverter"):
        raise CheckpointError(f"{where}: unknown dataConverter type {kind!r}; Segue loads MelodyConverter, "
                              "DrumsConverter and TrioConverter models")
    return conv


def _pitch_table(args: dict[str, Any], where: Path) -> str:
    classes = args.get("pitchClasses")
    if classes is None:
        return "legacy"  # Magenta.js's DEFAULT_DRUM_PITCH_CLASSES
    as_tuple = tuple(tuple(int(p) for p in c) for c in classes)
    for name, table in DRUM_PITCH_TABLES.items():
        if as_tuple == table:
            return name
    raise CheckpointError(f"{where}: unsupported: a custom drum pitch table (pitchClasses {classes}); "
                          f"Segue knows note_seq's 'current' and Magenta.js's 'legacy' tables")


def _int_arg(args: dict[str, Any], key: str, where: Path) -> int:
    value = args.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CheckpointError(f"{where}: dataConverter args need an integer {key!r}, got {value!r}")
    return value


def _representation(conv: dict[str, Any], where: Path) -> Representation:
    args = conv.get("args", {})
    kind = conv["type"]
    if kind == "MelodyConverter":
        lo, hi = _int_arg(args, "minPitch", where), _int_arg(args, "maxPitch", where)
        try:
            return MelodyRepresentation(lo, hi)
        except ValueError as e:
            raise CheckpointError(f"{where}: {e}") from None
    if kind == "DrumsConverter":
        return DrumsRepresentation(_pitch_table(args, where))
    # TrioConverter
    for part in ("melArgs", "bassArgs"):
        sub = args.get(part) or {}
        got = (sub.get("minPitch"), sub.get("maxPitch"))
        if got != _TRIO_LINE:
            raise CheckpointError(f"{where}: unsupported: trio {part} pitch range {got}; Segue's trio uses "
                                  f"{_TRIO_LINE[0]}..{_TRIO_LINE[1]} for melody and bass")
    return TrioRepresentation(_pitch_table(args.get("drumsArgs") or {}, where))


def _spec_for(config: MusicVAEConfig, rep: Representation) -> dict[str, Any]:
    args: dict[str, Any] = {"numSteps": config.max_seq_len}
    if config.decoder == "hierarchical":
        args["numSegments"] = config.num_segments
    table = getattr(rep, "pitch_table", "legacy")
    classes = {} if table == "legacy" else {"pitchClasses": [list(c) for c in DRUM_PITCH_TABLES[table]]}
    if isinstance(rep, MelodyRepresentation):
        conv = {"type": "MelodyConverter", "args": {**args, "minPitch": rep.min_pitch, "maxPitch": rep.max_pitch}}
    elif isinstance(rep, DrumsRepresentation):
        conv = {"type": "DrumsConverter", "args": {**args, **classes}}
    elif isinstance(rep, TrioRepresentation):
        line = {"minPitch": _TRIO_LINE[0], "maxPitch": _TRIO_LINE[1]}
        conv = {"type": "TrioConverter",
                "args": {**args, "melArgs": dict(line), "bassArgs": dict(line), "drumsArgs": classes}}
    else:  # pragma: no cover - every Segue representation is handled above
        raise CheckpointError(f"no Magenta.js converter for a {rep.kind} representation")
    return {"type": "MusicVAE", "dataConverter": conv}


def _infer_config(name: str, conv: dict[str, Any], rep: Representation,
                  weights: dict[str, np.ndarray], where: Path) -> MusicVAEConfig:
    args = conv.get("args", {})
    steps = _int_arg(args, "numSteps", where)
    segments = args.get("numSegments") or 0
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 0:
        raise CheckpointError(f"{where}: numSegments must be a whole number, got {segments!r}")
    if steps % STEPS_PER_BAR:
        raise CheckpointError(f"{where}: numSteps {steps} is not whole 4/4 bars of {STEPS_PER_BAR} steps")
    return config_from_weights(name, rep, weights, where, steps, segments)


# --- load ----------------------------------------------------------------------------------------

def load_magenta_js(path: str | Path, device: str | torch.device | None = None) -> LatentModel:
    """A Magenta.js MusicVAE checkpoint folder -> a LatentModel (mu identical to Magenta.js's
    ``encode``, argmax decoding identical to its ``decode`` with no temperature)."""
    folder = Path(path)
    if not folder.is_dir():
        raise CheckpointError(f"{folder}: not a folder; a Magenta.js checkpoint is a folder with "
                              f"{CONFIG_FILE}, {MANIFEST_FILE} and shard files")
    spec = _read_json(folder / CONFIG_FILE, "the model spec")
    conv = _check_spec(spec, folder / CONFIG_FILE)
    rep = _representation(conv, folder / CONFIG_FILE)
    weights, stored = read_weights(folder)
    name = f"magenta-js/{folder.resolve().name}"
    config = _infer_config(name, conv, rep, weights, folder)

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
    spec = _spec_for(config, rep)
    state = {k: v.detach().cpu().float() for k, v in net.state_dict().items()}

    entries, chunks = [], []
    for var in layout(config, rep.n_heads):
        for part, tensor in zip(("kernel", "bias"), to_tf(var, state)):
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
