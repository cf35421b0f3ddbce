"""Python Magenta's MusicVAE checkpoints (``<id>.tar``, a TF V2 bundle) -> Segue.

``load_tf_checkpoint`` (see its docstring) reads the bundle with ``tf_bundle`` (numpy alone, no
TensorFlow) and maps it onto Segue's networks with the same naming as Magenta.js checkpoints
(``tf_names``), since both hold TensorFlow's variables. ``read_tf_checkpoint`` and
``list_tf_checkpoint`` are the reader's ``read_bundle`` and ``list_bundle`` raising Segue's
``CheckpointError``: every ``BundleError`` of the reader comes out as a ``CheckpointError`` with the
same message.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

from segue.models.checkpoint import CheckpointMeta
from segue.models.configs import CONFIGS, MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.formats.tf_bundle import TAR_SUFFIXES, BundleError, TFCheckpoint, list_bundle, read_bundle
from segue.models.formats.tf_names import SIGMA_MISSING, config_from_weights, map_weights, tf_variable_names
from segue.models.inference import LatentModel
from segue.models.representation import (
    DRUM_PITCH_TABLES,
    DrumsRepresentation,
    MelodyRepresentation,
    TrioRepresentation,
    representation_from_dict,
)

__all__ = ["checkpoint_errors", "list_tf_checkpoint", "load_tf_checkpoint", "read_tf_checkpoint"]


# --- the reader, with Segue's errors -------------------------------------------------------------

@contextmanager
def checkpoint_errors() -> Iterator[None]:
    """A ``BundleError`` from the reader, raised again as Segue's ``CheckpointError`` (same message)."""
    try:
        yield
    except BundleError as e:
        raise CheckpointError(*e.args) from e


def read_tf_checkpoint(path: str | Path, names: Iterable[str] | None = None,
                       verify: bool = True) -> dict[str, np.ndarray]:
    """``tf_bundle.read_bundle`` (name -> array), raising ``CheckpointError``."""
    with checkpoint_errors():
        return read_bundle(path, names, verify)


def list_tf_checkpoint(path: str | Path) -> dict[str, tuple[str, tuple[int, ...]]]:
    """``tf_bundle.list_bundle`` (name -> (dtype name, shape), from the index alone), raising
    ``CheckpointError``."""
    with checkpoint_errors():
        return list_bundle(path)


# --- MusicVAE checkpoints -> Segue ---------------------------------------------------------------

_FLOAT_KINDS = ("float16", "float32", "float64", "bfloat16")
_ENCODER_L0 = "bidirectional_rnn/fw/multi_rnn_cell/cell_0/lstm_cell/"
_KNOWN = ("melody: 90 inputs and 90 outputs (pitches 21..108); drums: the 10-wide roll in, 512 out; "
          "trio: 692 in, heads of 90, 90 and 512 out")


def _output_heads(shapes: dict[str, Any]) -> tuple[str, list[str]]:
    """(decoder kind, the output_projection scopes of its heads), from the variable names."""
    def numbered(fmt: str) -> list[str]:
        out = []
        while fmt.format(k=len(out)) + "kernel" in shapes:
            out.append(fmt.format(k=len(out)))
        return out

    if "decoder/output_projection/kernel" in shapes:
        return "flat", ["decoder/output_projection/"]
    if "core_decoder/decoder/output_projection/kernel" in shapes:
        return "hierarchical", ["core_decoder/decoder/output_projection/"]
    heads = numbered("core_decoder/core_decoder_{k}/decoder/output_projection/")
    if heads:
        return "hierarchical", heads
    heads = numbered("core_decoder_{k}/decoder/output_projection/")
    if heads:
        return "flat", heads
    raise CheckpointError("no decoder output projection (looked for decoder/output_projection/kernel, "
                          "core_decoder/decoder/output_projection/kernel and "
                          "core_decoder/core_decoder_0/decoder/output_projection/kernel): not a MusicVAE "
                          "checkpoint Segue knows")


def _refuse(names: Iterable[str], where: Path) -> None:
    names = list(names)
    checks = [
        (lambda n: "/nade/" in n, "a NADE decoder (nade/* variables, e.g. nade-drums_2bar_full)"),
        (lambda n: n.startswith("control_preprocessing/"), "control preprocessing (control_preprocessing/*)"),
        (lambda n: n.startswith("decoder/hierarchical_level_1/"),
         "a decoder with two conductor levels (decoder/hierarchical_level_1/*); Segue's has one"),
        (lambda n: n.startswith("encoder/hierarchical_level_2/"),
         "a hierarchical encoder with three levels (encoder/hierarchical_level_2/*); Segue's has two"),
    ]
    for test, what in checks:
        if any(test(n) for n in names):
            raise CheckpointError(f"{where}: unsupported: {what}")


def _infer_representation(shapes: dict[str, Any], pitch_table: str, base: dict[str, Any] | None,
                          where: Path):
    decoder, heads = _output_heads(shapes)
    widths = [int(shapes[h + "kernel"].shape[1]) for h in heads]
    for cell in ("encoder/cell_0/", "encoder/hierarchical_level_0/cell_0/"):
        if cell + _ENCODER_L0 + "kernel" in shapes and cell + _ENCODER_L0 + "bias" in shapes:
            kernel, bias = shapes[cell + _ENCODER_L0 + "kernel"], shapes[cell + _ENCODER_L0 + "bias"]
            depth = int(kernel.shape[0]) - int(bias.shape[0]) // 4
            break
    else:
        raise CheckpointError(f"{where}: no encoder weights (looked for encoder/cell_0/{_ENCODER_L0}kernel "
                              f"and encoder/hierarchical_level_0/cell_0/{_ENCODER_L0}kernel)")
    base_rep = representation_from_dict(base) if base else None
    if widths == [512] and depth == 10:
        return DrumsRepresentation(pitch_table), decoder
    if widths == [512] and depth == 512:
        raise CheckpointError(f"{where}: unsupported: drums with one-hot input (512 inputs; Segue's drums read "
                              "the 10-wide roll of DrumsConverter(roll_input=True))")
    if len(widths) == 1 and widths[0] == depth:
        if base_rep is not None and base_rep.kind == "melody" and base_rep.input_depth == depth:
            return base_rep, decoder
        if depth == 90:
            return MelodyRepresentation(21, 108), decoder
        groove = " (27 outputs is GrooVAE's: drum hits, velocities and offsets, which Segue does not model)"
        raise CheckpointError(f"{where}: unsupported: {depth} inputs and outputs{groove if depth == 27 else ''}. "
                              "Segue reads a melody of another width only with a config_name whose melody "
                              f"range gives {depth} classes; it knows {_KNOWN}")
    if widths == [90, 90, 512] and depth == 692:
        return TrioRepresentation(pitch_table), decoder
    raise CheckpointError(f"{where}: unsupported: {depth} inputs and output heads of {widths} (chord or "
                          f"control conditioning, multitrack, or another converter); Segue knows {_KNOWN}")


def _base_config(config_name: Any, candidates: list[str]) -> tuple[Any, bool]:
    """(the config named, or the one the file name names; whether it was named explicitly)."""
    if isinstance(config_name, MusicVAEConfig):
        return config_name, True
    if config_name is not None:
        if config_name not in CONFIGS:
            raise CheckpointError(f"unknown config {config_name!r}; known: {', '.join(CONFIGS)}")
        return CONFIGS[config_name], True
    for c in candidates:
        for name in (c, c.split(".")[0]):
            if name in CONFIGS:
                return CONFIGS[name], False
    return None, False


def _name_candidates(ckpt: TFCheckpoint) -> list[str]:
    """e.g. cat-drums_2bar_small.lokl.tar holding cat-drums_2bar_small.lokl.ckpt.index -> both stems."""
    out = []
    if ckpt._tar is not None:
        name = ckpt.path.name
        for suffix in TAR_SUFFIXES:
            if name.endswith(suffix):
                name = name[: -len(suffix)]
                break
        out.append(name)
    out.append(re.sub(r"\.ckpt(-\d+)?$", "", Path(ckpt.prefix).name))
    return [c for c in out if c]


def load_tf_checkpoint(path: str | Path, config_name: str | MusicVAEConfig | None = None,
                       device: Any = None, *, pitch_table: str = "legacy",
                       verify: bool = True) -> LatentModel:
    """A Python Magenta MusicVAE checkpoint (a ``.tar``, ``.index``, prefix or folder) -> a LatentModel.

    The architecture comes from the variable shapes: a flat bidirectional encoder (any number of
    stacked layers, as cat-* and the stacked two-layer one of hierdec-*), or the two-level
    hierarchical encoder (hier-*); a flat decoder or the conductor; melody (90 classes, pitches
    21..108), drums (the 10-wide roll in, 512 classes out) or trio (90, 90, 512). Segue's layer,
    z and head sizes follow the checkpoint.

    What the shapes cannot say, the window, comes from ``config_name`` (a name in
    ``segue.models.configs.CONFIGS`` or a MusicVAEConfig, whose sizes must match the checkpoint's;
    its training hyperparameters are kept too). Without it, a config whose name the file name
    starts with (``cat-mel_2bar_big.tar``) is used when its sizes match; else 2 bars (32 steps)
    for a flat decoder and 16 bars in 16 segments for a conductor, as every Python MusicVAE
    checkpoint has. Drum tables cannot be seen in weights either: ``pitch_table`` (default
    ``"legacy"``, the pre-2019 note_seq table the 2018 checkpoints were trained with).

    Ignored, and listed in the training facts: ``global_step`` (recorded), optimizer slots
    (``*/Adam``, ``*/Adam_1``, ``beta1_power``, ...) and anything else unused. Refused, naming the
    feature: NADE decoders, GrooVAE, control preprocessing, one-hot drum input, chord or other
    conditioning, deeper hierarchies. Only the variables the model uses are read (so optimizer slots
    cost nothing), each crc32c-checked unless ``verify=False``.
    """
    if pitch_table not in DRUM_PITCH_TABLES:
        raise CheckpointError(f"pitch_table must be one of {sorted(DRUM_PITCH_TABLES)}, not {pitch_table!r}")
    with checkpoint_errors(), TFCheckpoint(path, verify=verify) as ckpt:
        where = ckpt.path
        listing = ckpt.entries
        _refuse(listing, where)
        shapes = {n: np.broadcast_to(np.zeros((), np.float32), shape)  # shapes only, no memory
                  for n, (kind, shape) in listing.items() if kind in _FLOAT_KINDS}
        candidates = _name_candidates(ckpt)
        base, explicit = _base_config(config_name, candidates)
        rep, decoder = _infer_representation(shapes, pitch_table, base.representation if base else None, where)
        if decoder == "flat" and any(n.startswith("encoder/hierarchical_level_") for n in listing):
            raise CheckpointError(f"{where}: unsupported: a hierarchical encoder with a flat decoder (Magenta "
                                  "pairs the hierarchical encoder with a conductor)")
        if base is not None and not explicit and (base.decoder != decoder or
                                                  base.representation.get("kind") != rep.kind):
            base = None
        if base is not None and base.decoder != decoder:
            raise CheckpointError(f"{where}: the checkpoint has a {decoder} decoder, config {base.name!r} a "
                                  f"{base.decoder} one")
        if base is not None:
            steps, segments = base.max_seq_len, base.num_segments if decoder == "hierarchical" else 0
        else:
            steps, segments = (256, 16) if decoder == "hierarchical" else (32, 0)
        name = f"tf/{candidates[0]}"
        config = config_from_weights(name, rep, shapes, where, steps, segments)
        notes = []
        if base is not None:
            sizes = ("z_size", "enc_rnn_size", "dec_rnn_size", "encoder", "decoder")
            diff = [f"{k} {getattr(config, k)} (config: {getattr(base, k)})" for k in sizes
                    if getattr(config, k) != getattr(base, k)]
            if diff and explicit:
                raise CheckpointError(f"{where}: does not match config {base.name!r}: the checkpoint has "
                                      + ", ".join(diff))
            if diff:
                notes.append(f"the file name suggests {base.name!r} but the sizes differ ({', '.join(diff)}); "
                             "window and hyperparameters are Segue's defaults")
                base = None
            else:
                config = replace(base, name=name, representation=rep.to_dict())
        wanted = [n for n in tf_variable_names(config, rep.n_heads) if n in shapes]
        arrays = ckpt.read_all(wanted)
        step = ckpt.read("global_step") if listing.get("global_step", ("",))[0].startswith("int") else None
    weights = dict(shapes)
    weights.update({n: np.array(a, dtype=np.float32) for n, a in arrays.items()})  # fresh, writable
    model, used, sigma_missing = map_weights(config, rep, weights, where)

    training: dict[str, Any] = {
        "source": "TensorFlow checkpoint (Python Magenta MusicVAE)",
        "imported_from": str(where),
        "tf_prefix": Path(ckpt.prefix).name,
        "stored_dtypes": sorted({listing[n][0] for n in used}),
        "config": (f"{base.name}: window and training hyperparameters" if base is not None else
                   f"inferred from the variable shapes; window {steps} steps"
                   + (f" in {segments} segments" if segments else "")),
    }
    if step is not None and step.size == 1:
        training["global_step"] = int(step.reshape(()))
    if rep.kind in ("drums", "trio"):
        training["drum_pitch_table"] = f"{pitch_table} (assumed: a checkpoint does not record it)"
    if sigma_missing:
        training["sigma"] = SIGMA_MISSING.replace("Magenta.js never reads it", "left out of this checkpoint")
    ignored = sorted(set(listing) - used - {"encoder/sigma/kernel", "encoder/sigma/bias"}
                     - ({"global_step"} if "global_step" in training else set()))
    if ignored:
        training["ignored_variables"] = ignored
    if notes:
        training["notes"] = notes
    meta = CheckpointMeta(config=config, training=training,
                          licence="unknown: weights imported from a TensorFlow checkpoint; see where you got it")
    return LatentModel(model, None, meta, device)
