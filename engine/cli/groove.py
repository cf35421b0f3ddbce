"""`segue groove` and `segue drumify`: GrooVAE on MIDI files, as Magenta Studio's Groove and Drumify.

    segue groove beat.mid --model groovae_2bar_humanize.safetensors [--amount 0.8] [-o out.mid]
    segue drumify taps.mid --model tap2drum_2bar.safetensors [-o out.mid]

``groove`` plays a quantized drum clip the way a drummer would (velocities and micro-timing from
the model); ``drumify`` turns any rhythm (the notes of every track are taps) into a drum part.
``--amount`` blends between the grid (0: the model's hits on the grid, at the clip's velocities)
and the model's groove (1). The output keeps the clip's tempo; timing offsets are fractions of a
16th note, so they scale with the tempo.
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path

from segue.engine.cli.offline import _clip_args, _output, read_clip
from segue.models.errors import InputError
from segue.models.groove import regroove
from segue.models.inference import LatentModel
from segue.models.midifile import write_midi

log = logging.getLogger(__name__)


def _args(p: argparse.ArgumentParser, what: str) -> None:
    p.add_argument("clip", type=Path, help=what)
    p.add_argument("-o", "--out", type=Path, help="default: CLIP.groove.mid / CLIP.drums.mid here")
    p.add_argument("--amount", type=float, default=1.0,
                   help="0 = on the grid at the clip's velocities .. 1 = the model's timing and velocities")
    p.add_argument("--temperature", type=float, default=0.0, help="0 = the most likely hits")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--bars", type=int, help="the clip's length in bars (default: up to its last note)")
    _clip_args(p)


def add_groove(p: argparse.ArgumentParser) -> None:
    _args(p, "a drum clip (MIDI)")


def add_drumify(p: argparse.ArgumentParser) -> None:
    _args(p, "a rhythm: any MIDI clip, every note a tap")


def _run(args: argparse.Namespace, model: LatentModel, tap: bool) -> list[Path]:
    if not 0.0 <= args.amount <= 1.0:
        raise InputError(f"--amount must be in 0..1, got {args.amount}")
    seq = read_clip(args.clip, args.program, args.track)
    out, messages = regroove(model, seq, args.bars, args.amount, args.temperature, args.seed, tap=tap)
    for message in messages:
        log.info("%s: %s", args.clip.name, message)
    path = _output(args.out or Path(f"{args.clip.stem}.{'drums' if tap else 'groove'}.mid"), [args.clip])
    write_midi(out, path)
    return [path]


def groove(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    return _run(args, model, tap=False)


def drumify(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    return _run(args, model, tap=True)
