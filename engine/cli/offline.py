"""The offline commands: use a model on MIDI files without a server (`segue encode`, `decode`,
`sample`, `interpolate`, `attribute`, `render`, `demo`, `info`).

Each command is a pair: ``add_<name>(parser)`` declares its options and ``<name>(args, model)``
runs it, returning the paths it wrote. Outputs never replace an input file: a clip a user made is
never lost.
"""

from __future__ import annotations

import argparse
import json
import logging
from pathlib import Path
from typing import Any

import torch

from segue.models.attributes import resolve_attribute
from segue.models.errors import InputError, SegueError
from segue.models.inference import EncodedClip, LatentModel
from segue.models.loading import example_clips
from segue.models.midifile import read_midi, select_tracks, write_midi
from segue.models.notes import Note, NoteSequence, Track
from segue.models.render import morph_gif, piano_roll_png

log = logging.getLogger(__name__)

LATENT_FORMAT = "segue-latent"


# --- argument groups -----------------------------------------------------------------------------

def _gen_args(p: argparse.ArgumentParser, temperature: float = 0.0) -> None:
    p.add_argument("--temperature", type=float, default=temperature, help="0 = argmax")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--velocity", type=int, default=80, help="velocity of the notes written")


def _clip_args(p: argparse.ArgumentParser) -> None:
    p.add_argument("--program", type=int, help="read only instruments with this GM program")
    p.add_argument("--track", type=int, help="read only this instrument (0-based index)")


def _control_args(p: argparse.ArgumentParser) -> None:
    """Chords and key, for models conditioned on them (docs/magenta.md, Controls)."""
    p.add_argument("--chords", help='a chord progression, one chord per bar ("C G Am F"; "C G | Am" puts two '
                                    "in a bar), looped over the clip: for chord-conditioned models")
    p.add_argument("--chords-from", type=Path, metavar="MIDI", help="read the progression off a MIDI file, a chord "
                                                                    "per bar")
    p.add_argument("--key", help="the key of a key-conditioned model: C, F#, Bb ... or 0..11 (0 = C major / A minor)")


def controls_of(args: argparse.Namespace, model: LatentModel) -> dict[str, Any]:
    """``chords`` and ``key`` for ``encode_clip`` / ``decode_clip`` from the options, checked
    against what the model takes (a chord or key given to a model without one is an error)."""
    from segue.models.chords import MINOR, chords_from_notes, format_progression, parse_chord, parse_progression

    chords = getattr(args, "chords", None)
    source = getattr(args, "chords_from", None)
    key = getattr(args, "key", None)
    spec = model.model.controls
    if (chords or source) and not spec.chords:
        raise InputError(f"--chords: {model.config.name} is not conditioned on chords")
    if key is not None and not spec.key:
        raise InputError(f"--key: {model.config.name} is not conditioned on a key")
    if chords and source:
        raise InputError("give --chords or --chords-from, not both")
    bars = None
    if chords:
        bars = parse_progression(chords)
    elif source:
        seq = read_clip(source)
        notes = [n for t in seq.tracks if not t.is_drum for n in t.notes]
        bars = [[c] for c in chords_from_notes(notes, max(1, int(-(-seq.end // seq.beats_per_bar))))]
        log.info("%s: chords %s", source.name, format_progression(bars))
    elif spec.chords:
        log.info("%s is chord-conditioned and no --chords were given: no chord throughout", model.config.name)
    if key is not None:  # a number, or a key's name (Am: its relative major, C)
        tonic = None if str(key).isdigit() else parse_chord(str(key))
        key = int(key) % 12 if tonic is None else (tonic.root + 3 * (tonic.quality == MINOR)) % 12
    elif spec.key:
        key = 0
        log.info("%s is key-conditioned and no --key was given: C major / A minor", model.config.name)
    return {"chords": bars, "key": key} if spec else {}


# --- clips and files -----------------------------------------------------------------------------

def _output(path: Path, inputs: list[Path]) -> Path:
    """Refuse to write over one of the inputs."""
    for src in inputs:
        if path.exists() and src.exists() and path.resolve() == src.resolve():
            raise InputError(f"refusing to overwrite the input {src}; choose another output")
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def read_clip(path: Path, program: int | None = None, track: int | None = None) -> NoteSequence:
    seq = read_midi(path)
    if program is not None or track is not None:
        seq = select_tracks(seq, program=program, track=track)
    return seq


def encode_clip(model: LatentModel, path: Path, program=None, track=None, controls=None) -> EncodedClip:
    clip = model.encode_clip(read_clip(path, program, track), **(controls or {}))
    for message in clip.messages:
        log.info("%s: %s", path.name, message)
    return clip


def read_latent(path: Path, model: LatentModel) -> dict[str, Any]:
    try:
        doc = json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise InputError(f"{path} not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{path} is not a latent-code file written by `segue encode`: {e}") from None
    if not isinstance(doc, dict) or doc.get("format") != LATENT_FORMAT:
        raise InputError(f"{path} is not a latent-code file written by `segue encode`")
    if doc.get("z_size") != model.config.z_size:
        raise InputError(f"{path} holds codes of size {doc.get('z_size')} from {doc.get('model')!r}; "
                         f"this model ({model.config.name}) uses size {model.config.z_size}")
    return doc


def morph_codes(a: EncodedClip, b: EncodedClip, steps: int, model: LatentModel) -> torch.Tensor:
    """(steps, W, Z): slerp window by window. When the clips have different numbers of windows,
    the shorter one is looped to the longer one's length."""
    w = max(a.mu.shape[0], b.mu.shape[0])
    mu_a = a.mu.repeat((w + a.mu.shape[0] - 1) // a.mu.shape[0], 1)[:w]
    mu_b = b.mu.repeat((w + b.mu.shape[0] - 1) // b.mu.shape[0], 1)[:w]
    return model.interpolate(mu_a, mu_b, steps)


def concatenate(seqs: list[NoteSequence], bars_each: int) -> NoteSequence:
    """One after another, each starting ``bars_each`` bars after the previous one."""
    out = NoteSequence(qpm=seqs[0].qpm)
    for i, seq in enumerate(seqs):
        offset = i * bars_each * seq.beats_per_bar
        for k, track in enumerate(seq.tracks):
            while len(out.tracks) <= k:
                out.tracks.append(Track(program=track.program, is_drum=track.is_drum, name=track.name))
            out.tracks[k].notes.extend(
                Note(n.pitch, n.start + offset, n.duration, n.velocity) for n in track.notes)
    return out


def morph_files(model: LatentModel, a: Path, b: Path, steps: int, out_dir: Path, temperature: float,
                seed: int, velocity: int, program=None, track=None, gif: bool = False,
                controls=None) -> list[Path]:
    """A MIDI file per step of the morph from A to B, the steps joined, and with ``gif`` the GIF.
    ``controls``: chords and key for a conditioned model (``controls_of``)."""
    if steps < 2:
        raise InputError(f"--steps must be at least 2 (both endpoints), got {steps}")
    enc_a = encode_clip(model, a, program, track, controls)
    enc_b = encode_clip(model, b, program, track, controls)
    path_z = morph_codes(enc_a, enc_b, steps, model)
    bars = path_z.shape[1] * model.window_bars
    frames = [model.decode_clip(path_z[i], temperature, seed, qpm=enc_a.qpm, velocity=velocity, **(controls or {}))
              for i in range(steps)]
    written = []
    for i, seq in enumerate(frames):
        written.append(_output(out_dir / f"step_{i + 1:02d}_of_{steps:02d}.mid", [a, b]))
        write_midi(seq, written[-1])
    joined = _output(out_dir / "interpolation.mid", [a, b])
    write_midi(concatenate(frames, bars), joined)
    written.append(joined)
    if gif:
        labels = [f"A → B {i + 1}/{steps}" for i in range(steps)]
        written.append(morph_gif(frames, _output(out_dir / "morph.gif", [a, b]), labels=labels))
    return written


# --- commands --------------------------------------------------------------------------------------

def add_encode(p: argparse.ArgumentParser) -> None:
    p.add_argument("clip", type=Path)
    p.add_argument("-o", "--out", type=Path, help="default: CLIP.latent.json here")
    _clip_args(p)


def encode(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    enc = encode_clip(model, args.clip, args.program, args.track)
    out = _output(args.out or Path(args.clip.stem + ".latent.json"), [args.clip])
    doc = {
        "format": LATENT_FORMAT, "version": 1, "model": model.config.name,
        "z_size": model.config.z_size, "window_bars": model.window_bars,
        "clip_bars": enc.clip_bars, "padded_bars": enc.padded_bars, "qpm": enc.qpm,
        "messages": enc.messages, "mu": enc.mu.cpu().tolist(), "sigma": enc.sigma.cpu().tolist(),
    }
    out.write_text(json.dumps(doc))
    return [out]


def add_decode(p: argparse.ArgumentParser) -> None:
    p.add_argument("codes", type=Path, help="a file written by `segue encode`")
    p.add_argument("-o", "--out", type=Path, required=True)
    p.add_argument("--qpm", type=float, help="tempo; default: the encoded clip's")
    _gen_args(p)


def decode(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    doc = read_latent(args.codes, model)
    seq = model.decode_clip(torch.tensor(doc["mu"]), args.temperature, args.seed,
                            qpm=args.qpm or doc.get("qpm", 120.0), velocity=args.velocity,
                            bars=doc.get("clip_bars"))
    write_midi(seq, _output(args.out, [args.codes]))
    return [args.out]


def add_sample(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=int, default=4)
    p.add_argument("-o", "--out", type=Path, default=Path("samples"))
    p.add_argument("--qpm", type=float, default=120.0)
    _gen_args(p, temperature=0.5)
    _control_args(p)


def sample(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    controls = controls_of(args, model)
    _, tokens = model.sample(args.n, args.temperature, args.seed, controls=model.controls(1, **controls))
    paths = []
    for i in range(args.n):
        seq = model.windows_to_clip(tokens[i : i + 1], qpm=args.qpm, velocity=args.velocity)
        path = _output(args.out / f"sample_{i + 1:02d}.mid", [])
        write_midi(seq, path)
        paths.append(path)
    return paths


def add_interpolate(p: argparse.ArgumentParser) -> None:
    p.add_argument("a", type=Path)
    p.add_argument("b", type=Path)
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", type=Path, default=Path("interpolation"))
    p.add_argument("--gif", action="store_true", help="also draw the morph as an animated GIF")
    _gen_args(p)
    _clip_args(p)
    _control_args(p)


def interpolate(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    return morph_files(model, args.a, args.b, args.steps, args.out, args.temperature, args.seed,
                       args.velocity, args.program, args.track, gif=args.gif, controls=controls_of(args, model))


def add_attribute(p: argparse.ArgumentParser) -> None:
    p.add_argument("clip", type=Path)
    p.add_argument("--name", required=True,
                   help="note_density, c_diatonic, average_interval, syncopation_16th, "
                        "syncopation_8th (or denser, diatonic, wider, syncopated, offbeat)")
    p.add_argument("--amount", type=float, default=1.0)
    p.add_argument("-o", "--out", type=Path, help="default: CLIP.NAME+AMOUNT.mid here")
    _gen_args(p)
    _clip_args(p)
    _control_args(p)


def attribute(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    controls = controls_of(args, model)
    key = resolve_attribute(args.name)
    if key not in model.attributes:
        log.warning("the model has no %r vector; fitting one from 512 of its own samples", key)
        if key not in model.fit_attributes_from_prior(names=[key]):
            raise SegueError(f"{key!r} does not vary in this model's samples, so it has no direction")
    enc = encode_clip(model, args.clip, args.program, args.track, controls)
    seq = model.decode_clip(model.shift(enc.mu, key, args.amount), args.temperature, args.seed, qpm=enc.qpm,
                            velocity=args.velocity, bars=enc.clip_bars, **controls)
    out = _output(args.out or Path(f"{args.clip.stem}.{key}{args.amount:+g}.mid"), [args.clip])
    write_midi(seq, out)
    return [out]


def add_render(p: argparse.ArgumentParser) -> None:
    p.add_argument("clips", type=Path, nargs="+", help="one clip, or two to morph A -> B")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", type=Path, default=Path("render"))
    _gen_args(p)
    _clip_args(p)


def render(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    """One clip: its piano roll. Two clips: a roll per morph step and a GIF from A to B."""
    clips, steps, out_dir = args.clips, args.steps, args.out
    if len(clips) == 1:
        seq = read_clip(clips[0], args.program, args.track)
        return [piano_roll_png(seq, _output(out_dir / f"{clips[0].stem}.png", clips), title=clips[0].name)]
    if len(clips) != 2:
        raise InputError(f"render takes one clip (a picture) or two (a morph), got {len(clips)}")
    enc_a, enc_b = (encode_clip(model, clip, args.program, args.track) for clip in clips)
    path_z = morph_codes(enc_a, enc_b, steps, model)
    frames = [model.decode_clip(path_z[i], args.temperature, args.seed, qpm=enc_a.qpm) for i in range(steps)]
    labels = [f"A → B {i + 1}/{steps}" for i in range(steps)]
    written = [piano_roll_png(f, _output(out_dir / f"step_{i + 1:02d}.png", clips), title=labels[i])
               for i, f in enumerate(frames)]
    written.append(morph_gif(frames, _output(out_dir / "morph.gif", clips), labels=labels))
    return written


def add_demo(p: argparse.ArgumentParser) -> None:
    p.add_argument("-o", "--out", type=Path, default=Path("demo-out"))
    p.add_argument("--steps", type=int, default=8)


def demo(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    """Morph between the two example clips that ship with Segue: MIDI per step, the joined
    morph, piano rolls of A and B, and the GIF."""
    a, b = example_clips()
    written = morph_files(model, a, b, args.steps, args.out, temperature=0.0, seed=0, velocity=90, gif=True)
    for clip in (a, b):
        written.append(piano_roll_png(read_midi(clip), _output(args.out / f"source_{clip.stem}.png", []),
                                      title=f"example clip {clip.stem.upper()}"))
    return written


def add_info(p: argparse.ArgumentParser) -> None:
    pass


def info(args: argparse.Namespace, model: LatentModel) -> None:
    """The model as JSON on stdout."""
    c = model.config
    print(json.dumps({
        "model": c.name, "representation": model.representation.to_dict(),
        "window_bars": c.bars, "z_size": c.z_size, "device": model.device.type,
        "licence": model.meta.licence, "trained": not model.untrained,
        "attributes": sorted(model.attributes), "training": model.meta.training,
        "parameters": sum(p.numel() for p in model.model.parameters()),
    }, indent=2))
