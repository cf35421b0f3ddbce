"""A Magenta.js checkpoint's ``config.json`` (its MusicVAESpec) <-> Segue's representation and config.

A spec names a data converter with its arguments, optionally a chord encoder, key conditioning
and extra controls; the decoder kind follows from it as in Magenta.js's ``MusicVAE.initialize``:
NADE weights give a NADE decoder, a GrooveConverter the groove decoder, ``useBooleanDecoder`` a
boolean one, anything else a categorical one.

=========================  ==================================================  ===============
converter                  Segue representation                                decoder
=========================  ==================================================  ===============
MelodyConverter            ``melody`` (minPitch..maxPitch)                     categorical
DrumsConverter             ``drums``, roll input                               categorical
DrumsOneHotConverter       ``drums``, one-hot input                            categorical
DrumRollConverter          ``drums``, roll input                               bits or NADE
TrioConverter              ``trio`` (melody and bass 21..108)                  categorical
MelodyRhythmConverter      ``melody_rhythm``                                   bits
MelodyShapeConverter       ``melody_shape``                                    categorical
TrioRhythmConverter        ``trio_rhythm``                                     bits
GrooveConverter            ``groove`` (full, humanize or tap)                  groove
MultitrackConverter        ``multitrack``                                      categorical
=========================  ==================================================  ===============

Refused, naming why (what Magenta.js cannot run either, or would misread): a decoder kind whose
output the converter cannot read (a boolean decoder with MelodyConverter, a categorical one with
DrumRollConverter ...), GrooveConverter with ``splitInstruments`` (Magenta.js encodes numSteps x
drums steps but decodes numSteps) or with both ``humanize`` and ``tapify``, a step resolution
other than 4 per quarter for GrooVAE, a multitrack model without segments, control preprocessing
with more than one layer, and drum tables other than note_seq's two (drums, trio).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from segue.models.chords import CHORD_ENCODERS
from segue.models.configs import STEPS_PER_BAR, MusicVAEConfig
from segue.models.errors import CheckpointError
from segue.models.representation import (
    DRUM_PITCH_TABLES,
    DrumsRepresentation,
    MelodyRepresentation,
    Representation,
    TrioRepresentation,
)

__all__ = ["SpecInfo", "read_spec", "spec_for"]

TRIO_LINE = (21, 108)  # Segue's trio melody and bass range
_CATEGORICAL = {"MelodyConverter", "DrumsConverter", "DrumsOneHotConverter", "TrioConverter",
                "MelodyShapeConverter", "MultitrackConverter"}
_BITS = {"DrumRollConverter", "MelodyRhythmConverter", "TrioRhythmConverter"}
CONVERTERS = sorted(_CATEGORICAL | _BITS | {"GrooveConverter"})
_CONTROL_FW = "control_preprocessing/cell_{l}/bidirectional_rnn/{d}/multi_rnn_cell/cell_0/lstm_cell/"


@dataclass
class SpecInfo:
    """What a spec (and the weights' shapes) say beyond the layer sizes."""

    representation: Representation
    steps: int  # numSteps
    segments: int  # numSegments, 0 for none
    features: dict[str, Any] = field(default_factory=dict)  # output, nade_hidden, controls, window_bars


def _int_arg(args: dict[str, Any], key: str, where: Path, default: int | None = None) -> int:
    value = args.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool):
        raise CheckpointError(f"{where}: dataConverter args need an integer {key!r}, got {value!r}")
    return value


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


def _checked(where: Path, make):
    try:
        return make()
    except ValueError as e:
        raise CheckpointError(f"{where}: {e}") from None


def _representation(kind: str, args: dict[str, Any], where: Path) -> Representation:
    if kind in ("MelodyConverter", "MelodyRhythmConverter", "MelodyShapeConverter"):
        lo, hi = _int_arg(args, "minPitch", where), _int_arg(args, "maxPitch", where)
        if kind == "MelodyConverter":
            return _checked(where, lambda: MelodyRepresentation(lo, hi))
        from segue.models.rhythm import MelodyRhythmRepresentation, MelodyShapeRepresentation

        cls = MelodyRhythmRepresentation if kind == "MelodyRhythmConverter" else MelodyShapeRepresentation
        return _checked(where, lambda: cls(lo, hi))
    if kind in ("DrumsConverter", "DrumRollConverter"):
        return DrumsRepresentation(_pitch_table(args, where))
    if kind == "DrumsOneHotConverter":
        return DrumsRepresentation(_pitch_table(args, where), input="one_hot")
    if kind in ("TrioConverter", "TrioRhythmConverter"):
        for part in ("melArgs", "bassArgs"):
            sub = args.get(part) or {}
            got = (sub.get("minPitch"), sub.get("maxPitch"))
            if got != TRIO_LINE:
                raise CheckpointError(f"{where}: unsupported: trio {part} pitch range {got}; Segue's trio uses "
                                      f"{TRIO_LINE[0]}..{TRIO_LINE[1]} for melody and bass")
        table = _pitch_table(args.get("drumsArgs") or {}, where)
        if kind == "TrioConverter":
            return TrioRepresentation(table)
        from segue.models.rhythm import TrioRhythmRepresentation

        return TrioRhythmRepresentation(table)
    if kind == "GrooveConverter":
        return _groove(args, where)
    return _multitrack(args, where)


def _groove(args: dict[str, Any], where: Path) -> Representation:
    from segue.models.groove import GrooveRepresentation

    if args.get("splitInstruments"):
        raise CheckpointError(f"{where}: unsupported: GrooveConverter with splitInstruments (Magenta.js encodes "
                              "numSteps x drums steps but decodes numSteps, so it cannot run such a model either)")
    if _int_arg(args, "stepsPerQuarter", where, 4) != 4:
        raise CheckpointError(f"{where}: unsupported: GrooveConverter with stepsPerQuarter "
                              f"{args.get('stepsPerQuarter')}; Segue's steps are 16th notes (4 per quarter)")
    if args.get("humanize") and args.get("tapify"):
        raise CheckpointError(f"{where}: unsupported: GrooveConverter with both humanize and tapify")
    mode = "tap" if args.get("tapify") else "humanize" if args.get("humanize") else "full"
    classes = args.get("pitchClasses")
    table: str | list = _pitch_table(args, where) if classes is None else [[int(p) for p in c] for c in classes]
    if not isinstance(table, str):
        for name, known in DRUM_PITCH_TABLES.items():
            if tuple(tuple(c) for c in table) == known:
                table = name
    return _checked(where, lambda: GrooveRepresentation(mode, table))


def _multitrack(args: dict[str, Any], where: Path) -> Representation:
    from segue.models.multitrack import MultitrackRepresentation

    if not args.get("numSegments"):
        raise CheckpointError(f"{where}: unsupported: a MultitrackConverter without numSegments (its tracks are "
                              "the segments; Magenta.js needs them too)")
    return _checked(where, lambda: MultitrackRepresentation(
        num_steps=_int_arg(args, "numSteps", where), num_tracks=_int_arg(args, "numSegments", where),
        steps_per_quarter=_int_arg(args, "stepsPerQuarter", where), total_steps=_int_arg(args, "totalSteps", where),
        velocity_bins=_int_arg(args, "numVelocityBins", where, 0),
        min_pitch=args.get("minPitch") or 0, max_pitch=args.get("maxPitch") or 127))


def _decoder_kind(spec: dict[str, Any], kind: str, weights: dict[str, np.ndarray], where: Path) -> tuple[str, int]:
    """(output, nade hidden units), chosen as Magenta.js does, and checked against the converter."""
    nade = [k for k in weights if k.endswith("nade/w_enc")]
    if nade:
        output = "nade"
    elif kind == "GrooveConverter":
        output = "groove"
    elif spec.get("useBooleanDecoder"):
        output = "bits"
    else:
        output = "categorical"
    if output in ("bits", "nade") and kind not in _BITS:
        raise CheckpointError(f"{where}: unsupported: a {'NADE' if nade else 'boolean'} decoder with {kind}, whose "
                              "notes are read from classes, not bits (bits go with DrumRollConverter, "
                              "MelodyRhythmConverter, TrioRhythmConverter)")
    if output == "categorical" and kind in _BITS:
        raise CheckpointError(f"{where}: unsupported: {kind} with a categorical decoder (it reads bits: set "
                              "useBooleanDecoder)")
    hidden = 0
    if nade:
        shape = weights[nade[0]].shape
        if len(shape) != 3:
            raise CheckpointError(f"shape mismatch: {nade[0]} has shape {list(shape)}; a NADE's w_enc is "
                                  "[bits, 1, hidden]")
        hidden = int(shape[2])
    return output, hidden


def _controls(spec: dict[str, Any], weights: dict[str, np.ndarray], where: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    encoder = spec.get("chordEncoder")
    if encoder:
        if encoder not in CHORD_ENCODERS:
            raise CheckpointError(f"{where}: unknown chordEncoder {encoder!r} (Magenta.js has "
                                  f"{', '.join(CHORD_ENCODERS)})")
        out["chords"] = encoder
    if spec.get("conditionOnKey"):
        out["key"] = True
    extra = spec.get("extraControls") or []
    if extra:
        try:
            out["extra"] = [[str(c["name"]), int(c["depth"])] for c in extra]
        except (KeyError, TypeError, ValueError):
            raise CheckpointError(f"{where}: extraControls must be a list of {{name, depth}}, got {extra!r}") from None
    layers = {d: sum(1 for l in range(8) if _CONTROL_FW.format(l=l, d=d) + "kernel" in weights) for d in ("fw", "bw")}
    if layers["fw"] or layers["bw"]:
        if layers["fw"] != 1 or layers["bw"] != 1:
            raise CheckpointError(f"{where}: unsupported: control preprocessing with {layers['fw']} forward and "
                                  f"{layers['bw']} backward layers (Magenta.js runs exactly one)")
        if not out:
            raise CheckpointError(f"{where}: control preprocessing weights, but the spec names no controls")
        bias = weights[_CONTROL_FW.format(l=0, d="fw") + "bias"]
        out["preprocess"] = int(bias.shape[0] // 4)
    return out


def read_spec(spec: Any, where: Path, weights: dict[str, np.ndarray]) -> SpecInfo:
    """Check a MusicVAESpec and read what Segue needs from it (``where``: config.json, for errors)."""
    if not isinstance(spec, dict):
        raise CheckpointError(f"{where}: expected a JSON object")
    if spec.get("type") != "MusicVAE":
        raise CheckpointError(f"{where}: model type {spec.get('type')!r}; Segue loads only MusicVAE checkpoints")
    conv = spec.get("dataConverter")
    if not isinstance(conv, dict) or not isinstance(conv.get("args", {}), dict):
        raise CheckpointError(f"{where}: no dataConverter {{type, args}}")
    kind, args = conv.get("type"), conv.get("args", {})
    if kind not in CONVERTERS:
        raise CheckpointError(f"{where}: unknown dataConverter type {kind!r}; Magenta.js (and Segue) know "
                              f"{', '.join(CONVERTERS)}")
    rep = _representation(kind, args, where)
    steps = _int_arg(args, "numSteps", where)
    segments = args.get("numSegments") or 0
    if not isinstance(segments, int) or isinstance(segments, bool) or segments < 0:
        raise CheckpointError(f"{where}: numSegments must be a whole number, got {segments!r}")
    features: dict[str, Any] = {}
    if kind == "MultitrackConverter":
        features["window_bars"] = rep.window_bars
    elif steps % STEPS_PER_BAR:
        raise CheckpointError(f"{where}: numSteps {steps} is not whole 4/4 bars of {STEPS_PER_BAR} steps")
    output, hidden = _decoder_kind(spec, kind, weights, where)
    if output != "categorical":
        features["output"] = output
    if hidden:
        features["nade_hidden"] = hidden
    controls = _controls(spec, weights, where)
    if controls:
        features["controls"] = controls
    return SpecInfo(rep, steps, segments, features)


def _converter(config: MusicVAEConfig, rep: Representation) -> dict[str, Any]:
    args: dict[str, Any] = {"numSteps": config.max_seq_len}
    if config.decoder == "hierarchical":
        args["numSegments"] = config.num_segments
    table = getattr(rep, "pitch_table", "legacy")
    classes: dict[str, Any] = {}
    if isinstance(table, list):
        classes = {"pitchClasses": table}
    elif table != "legacy":
        classes = {"pitchClasses": [list(c) for c in DRUM_PITCH_TABLES[table]]}
    kind = rep.kind
    if kind in ("melody", "melody_rhythm", "melody_shape"):
        name = {"melody": "MelodyConverter", "melody_rhythm": "MelodyRhythmConverter",
                "melody_shape": "MelodyShapeConverter"}[kind]
        return {"type": name, "args": {**args, "minPitch": rep.min_pitch, "maxPitch": rep.max_pitch}}
    if kind == "drums":
        name = "DrumsOneHotConverter" if rep.input == "one_hot" else \
            "DrumRollConverter" if config.output in ("bits", "nade") else "DrumsConverter"
        return {"type": name, "args": {**args, **classes}}
    if kind in ("trio", "trio_rhythm"):
        line = {"minPitch": TRIO_LINE[0], "maxPitch": TRIO_LINE[1]}
        return {"type": "TrioConverter" if kind == "trio" else "TrioRhythmConverter",
                "args": {**args, "melArgs": dict(line), "bassArgs": dict(line), "drumsArgs": classes}}
    if kind == "groove":
        flags = {"humanize": rep.mode == "humanize", "tapify": rep.mode == "tap"}
        return {"type": "GrooveConverter", "args": {**args, **{k: v for k, v in flags.items() if v}, **classes}}
    if kind == "multitrack":
        return {"type": "MultitrackConverter", "args": {
            **args, "stepsPerQuarter": rep.steps_per_quarter, "totalSteps": rep.total_steps,
            "numVelocityBins": rep.velocity_bins, "minPitch": rep.min_pitch, "maxPitch": rep.max_pitch}}
    raise CheckpointError(f"no Magenta.js converter for a {kind} representation")


def spec_for(config: MusicVAEConfig, rep: Representation) -> dict[str, Any]:
    """The MusicVAESpec (config.json) Magenta.js needs to run a model of this config."""
    if config.output == "bits" and rep.kind == "drums" and rep.input == "one_hot":
        raise CheckpointError("cannot export a boolean decoder with one-hot drum input: Magenta.js's "
                              "DrumRollConverter reads the roll")
    spec: dict[str, Any] = {"type": "MusicVAE", "dataConverter": _converter(config, rep)}
    if config.output == "bits":
        spec["useBooleanDecoder"] = True
    controls = config.controls or {}
    if controls.get("chords"):
        spec["chordEncoder"] = controls["chords"]
    if controls.get("key"):
        spec["conditionOnKey"] = True
    if controls.get("extra"):
        spec["extraControls"] = [{"name": n, "depth": d} for n, d in controls["extra"]]
    return spec
