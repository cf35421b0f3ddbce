"""segue: play with a MusicVAE's latent space, live or on MIDI files.

  segue serve                              the resident engine (OSC on udp://127.0.0.1:9797)
  segue client demo                        try the engine without a DAW

  segue encode clip.mid                    latent codes (one per model window) as JSON
  segue decode codes.json -o out.mid       codes back to MIDI
  segue sample -n 8 --temperature 0.5 -o out/
  segue interpolate a.mid b.mid --steps 8 -o out/
  segue attribute clip.mid --name note_density --amount 1.0
  segue render a.mid [b.mid] -o out/       piano rolls, and a GIF of the morph from A to B
  segue demo -o demo-out/                  morph between the two example clips
  segue info                               the model, its licence and attributes

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
import json
import logging
import sys
from collections.abc import Callable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from segue.engine import offline, serving, training
from segue.models.errors import SegueError
from segue.models.loading import open_model
from segue.models.training import evaluate

log = logging.getLogger("segue")


def _version() -> str:
    try:
        return version("segue")
    except PackageNotFoundError:
        return "0+unknown"


# --- argument groups -----------------------------------------------------------------------------

def _model_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--model", help="a Segue checkpoint (.safetensors), a Magenta.js checkpoint folder, or a Python "
                                   "Magenta .tar / TF checkpoint .index; default: the shipped model")
    p.add_argument("--config", help="with no checkpoint: build a fresh, untrained model of this config; with a TF "
                                    "checkpoint: its window and hyperparameters (docs/magenta.md)")
    p.add_argument("--device", default="auto", help="auto (CUDA when present), cpu or cuda")


def _gen_args(p: argparse.ArgumentParser, temperature: float = 0.0) -> None:
    p.add_argument("--temperature", type=float, default=temperature, help="0 = argmax")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--velocity", type=int, default=80, help="velocity of the notes written")


def _clip_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--program", type=int, help="read only instruments with this GM program")
    p.add_argument("--track", type=int, help="read only this instrument (0-based index)")


def _clip_opts(a: argparse.Namespace) -> dict:
    return {"program": a.program, "track": a.track}


# --- commands: (help, add arguments, run) ----------------------------------------------------------

def _encode(p):
    p.add_argument("clip", type=Path)
    p.add_argument("-o", "--out", type=Path, help="default: CLIP.latent.json here")
    _clip_args(p)
    return lambda m, a: offline.encode(m, a.clip, a.out, **_clip_opts(a))


def _decode(p):
    p.add_argument("codes", type=Path, help="a file written by `segue encode`")
    p.add_argument("-o", "--out", type=Path, required=True)
    p.add_argument("--qpm", type=float, help="tempo; default: the encoded clip's")
    _gen_args(p)
    return lambda m, a: offline.decode(m, a.codes, a.out, a.temperature, a.seed, a.velocity, a.qpm)


def _sample(p):
    p.add_argument("-n", type=int, default=4)
    p.add_argument("-o", "--out", type=Path, default=Path("samples"))
    p.add_argument("--qpm", type=float, default=120.0)
    _gen_args(p, temperature=0.5)
    return lambda m, a: offline.sample(m, a.n, a.temperature, a.seed, a.out, a.velocity, a.qpm)


def _interpolate(p):
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", type=Path, default=Path("interpolation"))
    p.add_argument("--gif", action="store_true", help="also draw the morph as an animated GIF")
    _gen_args(p)
    _clip_args(p)
    return lambda m, a: offline.interpolate(m, a.a, a.b, a.steps, a.out, a.temperature, a.seed,
                                            a.velocity, gif=a.gif, **_clip_opts(a))


def _attribute(p):
    p.add_argument("clip", type=Path)
    p.add_argument("--name", required=True,
                   help="note_density, c_diatonic, average_interval, syncopation_16th, "
                        "syncopation_8th (or denser, diatonic, wider, syncopated, offbeat)")
    p.add_argument("--amount", type=float, default=1.0)
    p.add_argument("-o", "--out", type=Path, help="default: CLIP.NAME+AMOUNT.mid here")
    _gen_args(p)
    _clip_args(p)
    return lambda m, a: offline.attribute(m, a.clip, a.name, a.amount, a.out, a.temperature,
                                          a.seed, a.velocity, **_clip_opts(a))


def _render(p):
    p.add_argument("clips", type=Path, nargs="+", help="one clip, or two to morph A -> B")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", type=Path, default=Path("render"))
    _gen_args(p)
    _clip_args(p)
    return lambda m, a: offline.render(m, a.clips, a.steps, a.out, a.temperature, a.seed,
                                       **_clip_opts(a))


def _demo(p):
    p.add_argument("-o", "--out", type=Path, default=Path("demo-out"))
    p.add_argument("--steps", type=int, default=8)
    return lambda m, a: offline.demo(m, a.out, a.steps)


def _info(p):
    def run(m, a):
        print(json.dumps(offline.info(m), indent=2))
        return []
    return run


def _train(p):
    from segue.models.configs import CONFIGS

    p.add_argument("--config", required=True, choices=sorted(CONFIGS), help="the model config to train")
    p.add_argument("--data", type=Path, required=True, help="a folder written by `segue data build`")
    p.add_argument("--out", type=Path, required=True, help="the run folder")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                   help="override a config or trainer field, e.g. --set steps=2000 --set z_size=128")
    p.add_argument("--resume", action="store_true", help="continue the run in --out exactly")
    p.add_argument("--device", default="auto")
    return lambda a: training.train_command(a.config, a.data, a.out, a.set, a.resume, a.device)


def _plot(p):
    p.add_argument("run_dir", type=Path, metavar="RUN", help="a run folder written by `segue train`")
    return lambda a: training.plot_run(a.run_dir)


def _sweep(p):
    p.add_argument("sweep", type=Path, help="a W&B-format sweep file (.json; .yaml/.yml with PyYAML)")
    p.add_argument("--data", type=Path, required=True, help="a folder written by `segue data build`")
    p.add_argument("--out", type=Path, required=True, help="the sweep folder: trial-NNN/, sweep.db, summary.json")
    p.add_argument("--storage", help="an Optuna storage URL shared by several machines; default: OUT/sweep.db")
    p.add_argument("--count", type=int, help="trials to run here (default: the file's run_cap; grid: all)")

    return lambda a: training.sweep_command(a.sweep, a.data, a.out, a.storage, a.count)


def _attributes(p):
    p.add_argument("--data", type=Path, required=True, help="held-out windows: a `segue data build` folder")
    p.add_argument("--split", default="test")
    p.add_argument("--windows", type=int, default=512)
    p.add_argument("--fit", type=Path, metavar="OUT",
                   help="first fit vectors on the training split and save the model with them to OUT")

    def run(m, a):
        print(evaluate.attribute_report(m, a.data, a.split, a.windows, a.fit))
        return [a.fit] if a.fit else []
    return run


def _evaluate(p):
    p.add_argument("--data", type=Path, required=True)
    p.add_argument("--split", default="test", choices=["train", "valid", "test"])
    p.add_argument("--windows", type=int, default=4096)

    def run(m, a):
        print(json.dumps(evaluate.evaluate_model(m, a.data, a.split, a.windows), indent=2))
        return []
    return run


def _serve(p):
    from segue.bridge.addresses import DEFAULT_PORT

    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--allow", action="append", default=[], metavar="HOST",
                   help="with a --host other than 127.0.0.1: a client host allowed to talk (repeatable)")
    p.add_argument("--models-dir", type=Path, default=Path.home() / ".segue" / "models",
                   help="NAME.safetensors files clients may choose with /segue/model/choose")
    p.add_argument("--state-dir", type=Path, default=Path.home() / ".segue" / "sessions",
                   help="where session state is saved (restored after a restart)")
    p.add_argument("--lookahead", type=int, default=2, help="bars generated ahead of the playhead")
    p.add_argument("--threads", type=int, default=0, metavar="N",
                   help="CPU threads per inference job (default: 1 for small models, every core for large)")
    midi = p.add_argument_group("MIDI (any DAW: follow its MIDI clock, see docs/midi.md)")
    midi.add_argument("--midi", action="store_true", help='open virtual MIDI ports "Segue In" and "Segue Out"')
    midi.add_argument("--midi-in", metavar="NAME", help="read clock, controls and notes from this existing port "
                      "(e.g. a loopMIDI port on Windows); matched case-insensitively by part of its name")
    midi.add_argument("--midi-out", metavar="NAME", help="play into this existing port instead of a virtual one")
    midi.add_argument("--midi-meter", default="4/4", metavar="N/D",
                      help="the song's meter (MIDI clock carries none); Segue plays 4/4 bars (default 4/4)")
    midi.add_argument("--clock-offset-ms", type=float, default=0.0, metavar="MS",
                      help="play this many ms later than the clock (negative: earlier, for output latency)")
    midi.add_argument("--midi-map", type=Path, metavar="FILE",
                      help="a JSON file changing the control-change/program-change map (docs/midi.md)")
    return lambda m, a: serving.run(m, a)


def _client(p):
    from segue.bridge.addresses import DEFAULT_PORT

    p.add_argument("address", help="an OSC address like /segue/ping, or `demo`")
    p.add_argument("words", nargs="*", help="arguments after the request id (ints, floats or strings)")
    p.add_argument("--port", type=int, default=DEFAULT_PORT)
    p.add_argument("--wait", type=float, default=1.0, help="seconds to print replies for")
    p.add_argument("--bars", type=int, default=8, help="demo: bars to play while the morph turns 0 -> 1")
    p.add_argument("--tempo", type=float, default=120.0, help="demo: BPM")
    p.add_argument("--save", help="demo: write the bars received to this MIDI file")
    return lambda a: serving.client(a)


def _export_magenta(p):
    p.add_argument("-o", "--out", type=Path, required=True, help="a new (or empty) folder for the checkpoint")
    p.add_argument("--quantize", choices=["uint8", "uint16"],
                   help="store weights in 1 or 2 bytes (q * scale + min), as the _q1/_q2 Magenta.js checkpoints")

    def run(m, a):
        from segue.models.formats.magenta_js import export_magenta_js

        return export_magenta_js(m, a.out, quantize=a.quantize)
    return run


def _import_magenta(p):
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

    def run(a):
        model = open_model(a.folder, "cpu", a.config, pitch_table=a.pitch_table, magenta_only=True)
        return [model.save(a.out)]
    return run


# name: (help, add arguments -> run, needs a model)
COMMANDS: dict[str, tuple[str, Callable, bool]] = {
    "encode": ("turn a MIDI clip into latent codes", _encode, True),
    "decode": ("turn latent codes back into MIDI", _decode, True),
    "sample": ("draw new clips from the prior", _sample, True),
    "interpolate": ("morph between two clips (slerp), one MIDI file per step", _interpolate, True),
    "attribute": ("shift a clip along an attribute vector", _attribute, True),
    "render": ("piano-roll PNGs and a morph GIF", _render, True),
    "demo": ("morph between the two example clips", _demo, True),
    "info": ("describe the model", _info, True),
    "attributes": ("show what each attribute vector does to held-out windows", _attributes, True),
    "evaluate": ("held-out accuracy (teacher-forced and sampled), KL and ELBO", _evaluate, True),
    "serve": ("run the resident engine (OSC over UDP)", _serve, True),
    "client": ("talk to a running engine; `segue client demo` tries it without a DAW", _client, False),
    "train": ("train a model on windows from `segue data build`", _train, False),
    "plot": ("loss and accuracy curves of a run, as PNG", _plot, False),
    "sweep": ("search hyperparameters with Optuna from a W&B sweep file", _sweep, False),
    "export-magenta": ("write the model as a Magenta.js checkpoint folder", _export_magenta, True),
    "import-magenta": ("convert a Magenta.js checkpoint folder or a Python Magenta .tar into a Segue checkpoint",
                       _import_magenta, False),
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="segue", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"segue {_version()}")
    parser.add_argument("-v", "--verbose", action="store_true")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    # `segue data ...` has its own parser (engine/data_cli.py); listed here for --help
    sub.add_parser("data", help="build training windows: segue data build SOURCE -o OUT", add_help=False)
    for name, (help_text, add, needs_model) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        if needs_model:
            _model_args(p)
        p.set_defaults(handler=add(p), needs_model=needs_model)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    if argv[:1] == ["data"]:
        from segue.engine.data_cli import data_main

        return data_main(argv[1:])
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.verbose else logging.INFO,
                        format="%(levelname)s: %(message)s" if args.verbose else "%(message)s")
    try:
        if args.needs_model:
            model = open_model(args.model, args.device, args.config)
            log.info("model: %s", model.describe())
            written = args.handler(model, args)
        else:
            written = args.handler(args)
        for path in written or []:
            print(path)
    except (SegueError, KeyError) as e:
        print(f"segue {args.command}: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"segue {args.command}: interrupted", file=sys.stderr)
        return 130
    return 0


if __name__ == "__main__":
    sys.exit(main())
