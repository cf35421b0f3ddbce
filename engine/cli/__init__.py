"""segue: play with a MusicVAE's latent space, live or on MIDI files.

  segue serve                              the resident engine (OSC on udp://127.0.0.1:9797)
  segue client demo                        try the engine without a DAW

  segue encode clip.mid                    latent codes (one per model window) as JSON
  segue decode codes.json -o out.mid       codes back to MIDI
  segue sample -n 8 --temperature 0.5 -o out/
  segue interpolate a.mid b.mid --steps 8 -o out/
  segue attribute clip.mid --name note_density --amount 1.0
  segue render a.mid [b.mid] -o out/       piano rolls, and a GIF of the morph from A to B
  segue groove beat.mid -o out.mid         a drum clip played with a GrooVAE model's feel
  segue drumify taps.mid -o out.mid        a tapped rhythm becomes a drum part (GrooVAE tap models)
  segue demo -o demo-out/                  morph between the two example clips
  segue info                               the model, its licence and attributes
  segue models list                        Magenta's official checkpoints; segue models pull NAME gets one

Training (see docs/training.md):
  segue data build SOURCE -o data/         training windows from MIDI files or music21's corpus
  segue train --config NAME --data data/ --out runs/NAME [--set key=value] [--resume]
  segue plot runs/NAME                     loss and accuracy curves
  segue attributes --data data/            what each attribute vector does, as a table
  segue evaluate --data data/              held-out accuracy, KL and ELBO
  segue sweep sweep.json --data data/ --out sweeps/NAME

Every command takes --model (a Segue checkpoint) and --device (auto, cpu, cuda).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from segue.engine.cli import data, groove, magenta, models, offline, serve, train
from segue.models.checkpoint import package_version
from segue.models.errors import SegueError
from segue.models.inference import LatentModel
from segue.models.loading import open_model

log = logging.getLogger("segue")


@dataclass(frozen=True)
class Command:
    """One subcommand. ``add_arguments(parser)`` declares its options; ``run(args, model)`` does the
    work and returns the files it wrote (printed one a line), or None. ``model`` is the model that
    --model, --config and --device name when ``needs_model`` (which adds those options), else None.
    ``check(args)``, when given, runs first: bad options are refused before any model loads."""

    name: str
    help: str
    add_arguments: Callable[[argparse.ArgumentParser], None]
    run: Callable[[argparse.Namespace, LatentModel | None], list[Path] | None]
    needs_model: bool
    check: Callable[[argparse.Namespace], None] | None = None


COMMANDS: dict[str, Command] = {c.name: c for c in (
    Command("data", "build training windows: segue data build SOURCE -o OUT",
            data.add_arguments, data.build, needs_model=False),
    Command("encode", "turn a MIDI clip into latent codes",
            offline.add_encode, offline.encode, needs_model=True),
    Command("decode", "turn latent codes back into MIDI",
            offline.add_decode, offline.decode, needs_model=True),
    Command("sample", "draw new clips from the prior",
            offline.add_sample, offline.sample, needs_model=True),
    Command("interpolate", "morph between two clips (slerp), one MIDI file per step",
            offline.add_interpolate, offline.interpolate, needs_model=True),
    Command("attribute", "shift a clip along an attribute vector",
            offline.add_attribute, offline.attribute, needs_model=True),
    Command("render", "piano-roll PNGs and a morph GIF",
            offline.add_render, offline.render, needs_model=True),
    Command("groove", "play a drum clip with a GrooVAE model's velocities and timing (humanize)",
            groove.add_groove, groove.groove, needs_model=True),
    Command("drumify", "turn a tapped rhythm into a drum part (GrooVAE tap models)",
            groove.add_drumify, groove.drumify, needs_model=True),
    Command("demo", "morph between the two example clips",
            offline.add_demo, offline.demo, needs_model=True),
    Command("info", "describe the model",
            offline.add_info, offline.info, needs_model=True),
    Command("attributes", "show what each attribute vector does to held-out windows",
            train.add_attributes, train.attributes, needs_model=True),
    Command("evaluate", "held-out accuracy (teacher-forced and sampled), KL and ELBO",
            train.add_evaluate, train.evaluate, needs_model=True),
    Command("serve", "run the resident engine (OSC over UDP)",
            serve.add_serve, serve.run, needs_model=True, check=serve.check),
    Command("client", "talk to a running engine; `segue client demo` tries it without a DAW",
            serve.add_client, serve.client, needs_model=False),
    Command("train", "train a model on windows from `segue data build`",
            train.add_train, train.train, needs_model=False),
    Command("plot", "loss and accuracy curves of a run, as PNG",
            train.add_plot, train.plot, needs_model=False),
    Command("sweep", "search hyperparameters with Optuna from a W&B sweep file",
            train.add_sweep, train.sweep, needs_model=False),
    Command("export-magenta", "write the model as a Magenta.js checkpoint folder",
            magenta.add_export, magenta.export_magenta, needs_model=True),
    Command("models", "Magenta's official checkpoints: segue models list, segue models pull NAME",
            models.add_arguments, models.run, needs_model=False),
    Command("import-magenta", "convert a Magenta.js checkpoint folder or a Python Magenta .tar into a Segue checkpoint",
            magenta.add_import, magenta.import_magenta, needs_model=False),
)}


def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="a Segue checkpoint (.safetensors), a Magenta.js checkpoint folder, or a Python "
                                   "Magenta .tar / TF checkpoint .index; default: the shipped model")
    p.add_argument("--config", help="with no checkpoint: build a fresh, untrained model of this config; with a TF "
                                    "checkpoint: its window and hyperparameters (docs/magenta.md)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segue", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"segue {package_version()}")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS.values():
        p = sub.add_parser(command.name, help=command.help, description=command.help)
        if command.needs_model:
            _model_args(p)
        command.add_arguments(p)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(sys.argv[1:] if argv is None else list(argv))
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s: %(message)s" if args.verbose else "%(message)s")
    command = COMMANDS[args.command]
    try:
        model = None
        if command.check is not None:
            command.check(args)
        if command.needs_model:
            model = open_model(args.model, args.device, args.config)
            log.info("model: %s", model.describe())
        for path in command.run(args, model) or []:
            print(path)
    except (SegueError, KeyError) as e:
        print(f"segue {args.command}: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"segue {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0
