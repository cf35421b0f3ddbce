"""`segue export-magenta` and `segue import-magenta`: Segue checkpoints to and from Magenta's formats
(docs/magenta.md). The formats themselves are ``segue.models.formats``."""

from __future__ import annotations

import argparse
from pathlib import Path

from segue.models.formats.magenta_js import export_magenta_js
from segue.models.inference import LatentModel
from segue.models.loading import open_model


def add_export(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", type=Path, required=True, help="a new (or empty) folder for the checkpoint")
    p.add_argument("--quantize", choices=["uint8", "uint16"],
                   help="store weights in 1 or 2 bytes (q * scale + min), as the _q1/_q2 Magenta.js checkpoints")


def export_magenta(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    return export_magenta_js(model, args.out, quantize=args.quantize)


def add_import(p: argparse.ArgumentParser) -> None:
    p.add_argument("folder", type=Path, help="a Magenta.js checkpoint folder (config.json, weights_manifest.json, "
                                             "shards), or a Python Magenta checkpoint: a .tar, or a TF "
                                             "checkpoint's .index file or prefix; downloaded by you")
    p.add_argument("-o", "--out", type=Path, required=True, help="the Segue checkpoint to write (.safetensors)")
    p.add_argument("--config", help="TF checkpoints: the Segue config giving the window (steps, segments) and "
                                    "training hyperparameters; its sizes must match (default: the config the "
                                    "file is named after, else 2 bars flat / 16 bars in 16 segments)")
    p.add_argument("--pitch-table", default="legacy", choices=["legacy", "current"],
                   help="TF drum and trio checkpoints: the drum pitch table they were trained with "
                        "(default legacy, as the 2018 checkpoints)")


def import_magenta(args: argparse.Namespace, model: None) -> list[Path]:
    imported = open_model(args.folder, "cpu", args.config, pitch_table=args.pitch_table, magenta_only=True)
    return [imported.save(args.out)]
