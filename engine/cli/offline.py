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
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import torch

from segue.engine.api import weak_knobs
from segue.engine.shaping import Dynamics
from segue.models.attributes import resolve_attribute
from segue.models.errors import InputError, SegueError
from segue.models.fidelity import DEFAULT_CANDIDATES, KnobScale, faithful_decode, guided_decode
from segue.models.inference import EncodedClip, LatentModel
from segue.models.loading import example_clips
from segue.models.midifile import read_midi, select_tracks, write_midi
from segue.models.notes import Note, NoteSequence, Track
from segue.models.render import morph_gif, piano_roll_png

log = logging.getLogger(__name__)

LATENT_FORMAT = "segue-latent"
DEFAULT_VELOCITY = 80  # for notes with no source clip to take velocities from


# --- argument groups -----------------------------------------------------------------------------

def _gen_args(p: argparse.ArgumentParser, temperature: float = 0.0, source: bool = True) -> None:
    p.add_argument("--temperature", type=float, default=temperature, help="0 = argmax")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--velocity", type=int, help="one velocity for every note written (default: "
                   + ("the source clip's velocities by position: each note takes its nearest source note's)"
                      if source else f"{DEFAULT_VELOCITY})"))
    p.add_argument("--fidelity", type=int, default=DEFAULT_CANDIDATES, metavar="N",
                   help="decode N candidates per window and keep the one that encodes back nearest the code "
                        f"(default {DEFAULT_CANDIDATES}; 1 = a plain decode, the fastest; docs/model.md: the cost)")


@dataclass(frozen=True)
class Decoding:
    """How codes become notes: ``fidelity`` candidates per window (models/fidelity.py), and one
    ``velocity`` for every note or (None) the source clip's velocities by position."""

    temperature: float = 0.0
    seed: int = 0
    velocity: int | None = None
    fidelity: int = DEFAULT_CANDIDATES

    @classmethod
    def of(cls, args: argparse.Namespace) -> Decoding:
        if args.velocity is not None and not 1 <= args.velocity <= 127:
            raise InputError(f"--velocity must be 1..127, got {args.velocity}")
        if not 1 <= args.fidelity <= 64:
            raise InputError(f"--fidelity must be 1..64 candidates, got {args.fidelity}")
        return cls(args.temperature, args.seed, args.velocity, args.fidelity)

    def clip(self, model: LatentModel, z, qpm: float, bars: int | None = None, controls=None,
             source: NoteSequence | None = None, reference=None, moves: dict[str, float] | None = None) -> NoteSequence:
        """Codes (W, Z) -> one NoteSequence, the windows joined and cut to ``bars``; with no
        ``velocity``, the notes take ``source``'s velocities by position (the nearest source note),
        unless the model writes velocities of its own (GrooVAE). Codes moved by attribute ``moves``
        from ``reference`` on a calibrated model decode as the engine's knobs do (``guided_decode``)."""
        z = torch.as_tensor(z, dtype=torch.float32)
        z = z[None] if z.dim() == 1 else z
        ctrl = model.controls(z.shape[0], **controls) if controls else None
        scales = KnobScale.of(model) if moves else {}
        if reference is not None and any(name in scales for name in moves or ()):
            tokens = guided_decode(model, z, torch.as_tensor(reference, dtype=torch.float32).reshape(z.shape), moves,
                                   scales, max(self.fidelity, DEFAULT_CANDIDATES), self.temperature, self.seed,
                                   controls=ctrl)
        else:
            tokens = faithful_decode(model, z, self.fidelity, self.temperature, self.seed, controls=ctrl)
        seq = model.windows_to_clip(tokens, qpm=qpm, velocity=self.velocity or DEFAULT_VELOCITY, bars=bars)
        own = "velocity" in model.capabilities  # GrooVAE: the model's velocities are the point
        dynamics = dynamics_of(source) if self.velocity is None and source is not None and not own else None
        if dynamics is not None:
            for track in seq.tracks:
                track.notes = dynamics.apply(track.notes)
        return seq


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


def encode_clip(model: LatentModel, path: Path, program=None, track=None, controls=None,
                seq: NoteSequence | None = None) -> EncodedClip:
    """The clip at ``path`` (or ``seq``, read from it already) as codes; what was changed is logged."""
    clip = model.encode_clip(seq if seq is not None else read_clip(path, program, track), **(controls or {}))
    for message in clip.messages:
        log.info("%s: %s", path.name, message)
    return clip


def dynamics_of(seq: NoteSequence) -> Dynamics | None:
    """A clip's velocities by position (over its whole bars), or None for a clip without notes."""
    notes = [n for t in seq.tracks for n in t.notes]
    bars = max(1, -(-seq.end // seq.beats_per_bar)) if notes else 1
    return Dynamics.from_notes(notes, bars * seq.beats_per_bar)


def as_frame(seq: NoteSequence, bars: int) -> NoteSequence:
    """A source clip as one step of a morph ``bars`` bars long: looped when shorter (as its codes
    are), cut when longer; its own notes, velocities and timing."""
    length = bars * seq.beats_per_bar
    clip_bars = max(1, int(-(-seq.end // seq.beats_per_bar)))
    period = clip_bars * seq.beats_per_bar
    out = NoteSequence(qpm=seq.qpm)
    for track in seq.tracks:
        notes = [Note(n.pitch, n.start + k * period, min(n.duration, length - n.start - k * period), n.velocity)
                 for k in range(-(-bars // clip_bars)) for n in track.notes if n.start + k * period < length]
        out.tracks.append(Track(notes, program=track.program, is_drum=track.is_drum, name=track.name))
    return out


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


def morph_frames(model: LatentModel, a: Path, b: Path, steps: int, dec: Decoding, program=None, track=None,
                 controls=None, decode_ends: bool = False) -> tuple[list[NoteSequence], int]:
    """The steps of the morph from A to B and the bars of each. The first and last steps are the
    clips themselves (their own notes; ``decode_ends``: the model's reconstructions instead); the
    steps between are decoded, with the velocities of the nearer clip unless ``dec.velocity``."""
    if steps < 2:
        raise InputError(f"--steps must be at least 2 (both endpoints), got {steps}")
    seq_a, seq_b = read_clip(a, program, track), read_clip(b, program, track)
    enc_a = encode_clip(model, a, controls=controls, seq=seq_a)
    enc_b = encode_clip(model, b, controls=controls, seq=seq_b)
    path_z = morph_codes(enc_a, enc_b, steps, model)
    bars = path_z.shape[1] * model.window_bars
    frames = []
    for i in range(steps):
        near = seq_a if i <= (steps - 1) / 2 else seq_b
        if i in (0, steps - 1) and not decode_ends:
            frame = as_frame(near, bars)
            frame.qpm = enc_a.qpm
        else:
            frame = dec.clip(model, path_z[i], enc_a.qpm, controls=controls, source=near)
        frames.append(frame)
    return frames, bars


def morph_files(model: LatentModel, a: Path, b: Path, steps: int, out_dir: Path, dec: Decoding,
                program=None, track=None, gif: bool = False, controls=None, decode_ends: bool = False) -> list[Path]:
    """A MIDI file per step of the morph from A to B (``morph_frames``), the steps joined, and with
    ``gif`` the GIF. ``controls``: chords and key for a conditioned model (``controls_of``)."""
    frames, bars = morph_frames(model, a, b, steps, dec, program, track, controls, decode_ends)
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
    _gen_args(p, source=False)


def decode(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    doc = read_latent(args.codes, model)
    seq = Decoding.of(args).clip(model, torch.tensor(doc["mu"]), args.qpm or doc.get("qpm", 120.0),
                                 bars=doc.get("clip_bars"))
    write_midi(seq, _output(args.out, [args.codes]))
    return [args.out]


def add_sample(p: argparse.ArgumentParser) -> None:
    p.add_argument("-n", type=int, default=4)
    p.add_argument("-o", "--out", type=Path, default=Path("samples"))
    p.add_argument("--qpm", type=float, default=120.0)
    _gen_args(p, temperature=0.5, source=False)
    _control_args(p)


def sample(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    controls, dec = controls_of(args, model), Decoding.of(args)
    z = model.prior(args.n, args.seed)
    paths = []
    for i in range(args.n):
        seq = dec.clip(model, z[i : i + 1], args.qpm, controls=controls)
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
    p.add_argument("--decode-ends", action="store_true",
                   help="the first and last steps as the model's reconstructions (default: the clips themselves)")
    _gen_args(p)
    _clip_args(p)
    _control_args(p)


def interpolate(args: argparse.Namespace, model: LatentModel) -> list[Path]:
    return morph_files(model, args.a, args.b, args.steps, args.out, Decoding.of(args), args.program, args.track,
                       gif=args.gif, controls=controls_of(args, model), decode_ends=args.decode_ends)


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
    source = read_clip(args.clip, args.program, args.track)
    enc = encode_clip(model, args.clip, controls=controls, seq=source)
    seq = Decoding.of(args).clip(model, model.shift(enc.mu, key, args.amount), enc.qpm, bars=enc.clip_bars,
                                 controls=controls, source=source, reference=enc.mu, moves={key: args.amount})
    out = _output(args.out or Path(f"{args.clip.stem}.{key}{args.amount:+g}.mid"), [args.clip])
    write_midi(seq, out)
    return [out]


def add_render(p: argparse.ArgumentParser) -> None:
    p.add_argument("clips", type=Path, nargs="+", help="one clip, or two to morph A -> B")
    p.add_argument("--steps", type=int, default=8)
    p.add_argument("-o", "--out", type=Path, default=Path("render"))
    p.add_argument("--decode-ends", action="store_true",
                   help="the first and last steps as the model's reconstructions (default: the clips themselves)")
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
    frames, _ = morph_frames(model, clips[0], clips[1], steps, Decoding.of(args), args.program, args.track,
                             decode_ends=args.decode_ends)
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
    written = morph_files(model, a, b, args.steps, args.out, Decoding(), gif=True)
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
        "attributes": sorted(model.attributes),
        "weak_knobs": list(weak_knobs(model.meta.training)),  # they move their attribute only loosely
        "training": model.meta.training,
        "parameters": sum(p.numel() for p in model.model.parameters()),
    }, indent=2))
