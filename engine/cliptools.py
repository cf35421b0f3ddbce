"""The MIDI Tools' operations (Segue Transform and Segue Generate, in Live 12's clip view): a range
of a clip in, new notes for that range out. The source clip is never touched: the engine only
answers with notes, and the tool writes them (docs/device.md, "MIDI Tools").

    shift    the range's notes with the five attribute amounts, scaled by ``amount``
    morph    the range's notes toward a target clip (or another session's slot) by ``amount``
    vary     a variation around the range's notes: their codes plus ``temperature`` x noise (seed)
    sample   ``bars`` bars from the prior at a temperature, looped over the range
    between  step ``step`` of ``steps`` from clip A to clip B (step 1 is A, the last step B)

A range is a clip that starts at the range's first beat: its length rounds up to whole 4/4 bars,
and ranges longer than the model's window go window by window (as the CLI does); the result is
cut back to the range. Every result is then shaped for where it lands (:class:`Look`): snapped to
the scale while Live's Scale Mode is on, moved onto the clip's grid, overlaps of a pitch resolved.

An amount of 0 (shift, morph, vary) gives the range's notes back as they were, and the ends of a
morph or blend are the clips themselves, not the model's reconstruction of them (as at the ends of
the streaming device's morph). Decoding keeps the most faithful of several candidates
(``models.fidelity``), as renders do.

Everything the engine is asked runs on the inference worker behind every due bar; a client may
have ``MAX_TOOL_JOBS`` operations waiting at once. Bad input raises ``InputError`` or
``ModelError`` with a message the tool shows as it is.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import torch

from segue.bridge.addresses import ATTRIBUTE_KNOBS
from segue.engine.generate import check_clip_kind
from segue.engine.session import Clip, FromClip, Session
from segue.engine.shaping import Dynamics, Shape, resolve_collisions, scale_name, shape_bar
from segue.models.errors import InputError, ModelError
from segue.models.fidelity import DEFAULT_CANDIDATES, KnobScale, faithful_decode, guided_decode
from segue.models.inference import LatentModel
from segue.models.latent import slerp
from segue.models.notes import BEATS_PER_BAR, Note, NoteSequence, Track
from segue.models.representation import check_meter

OPERATIONS = ("shift", "morph", "vary", "sample", "between")
TOOL_PRIORITY = 1e9  # with encodes and renders: after every bar that is due
MAX_TOOL_JOBS = 4  # operations one session may have waiting at once
MAX_TARGETS = 64  # slots listed by targets()
_jobs: dict[tuple[int, str], int] = {}  # (id of the engine, instance) -> operations waiting


@dataclass(frozen=True)
class Look:
    """Where a result lands: Live's scale (root -1 while Scale Mode is off), the clip's grid in beats
    (0: the model's own 16ths) and the song's meter (the models play 4/4 bars)."""

    root: int = -1
    scale: str = "major"
    grid: float = 0.0
    numerator: int = 4
    denominator: int = 4

    def check(self) -> Look:
        """This look with the scale by our name; MeterError for a meter the models cannot play,
        InputError for a scale the engine has no table for."""
        check_meter(NoteSequence(numerator=self.numerator, denominator=self.denominator))
        try:
            scale = scale_name(self.scale)
        except ValueError as e:
            raise InputError(str(e)) from None
        return Look(self.root, scale, float(self.grid), self.numerator, self.denominator)


@dataclass(frozen=True)
class Source:
    """A clip at one end of a morph or a blend: its notes (beats from its start) and length, or, for a
    slot that holds no clip (a sample, a variation), its codes from the same model."""

    notes: tuple[Note, ...] | None
    length: float
    kind: str = "notes"
    mu: torch.Tensor | None = None  # (W, Z)


@dataclass
class ToolResult:
    notes: list[Note]  # beats from the range's start, inside the range
    length: float  # the range's length in beats
    message: str = ""  # what the tool should say besides "done" (a padded range, dropped notes ...)


# --- ranges, codes and notes -------------------------------------------------------------------------
def bars_of(length: float) -> int:
    """Whole 4/4 bars a range of ``length`` beats is read as (rounded up, at least one)."""
    return max(1, math.ceil(length / BEATS_PER_BAR - 1e-6))  # a hair over a bar line (float noise) is on it


def range_message(length: float) -> str:
    """What the tool says about a range that does not end on a bar line (empty when it does)."""
    bars = bars_of(length)
    if abs(bars * BEATS_PER_BAR - length) < 1e-6:
        return ""
    return (f"the range is {length:g} beats: read as {bars} bar{'s' if bars > 1 else ''} from its first beat, "
            "the result cut back to it")


def encode(model: LatentModel, src: Source, bars: int, name: str = "the range") -> tuple[torch.Tensor, list[str]]:
    """One code per model window of the source read as ``bars`` bars: (W, Z), and what was dropped
    (notes outside the model's range, chords a melody model reads as their top line). A drum rack's
    clip for a melody model (or the other way round) is a ModelError naming the source."""
    if src.notes is None:
        return src.mu, []
    check_clip_kind(model, src.kind, name)
    seq = NoteSequence([Track(list(src.notes), is_drum=src.kind == "drums")])
    enc = model.encode_clip(seq, bars=bars)
    return enc.mu, [m for m in enc.messages if m.startswith("dropped")]  # not the windowing: it is the tool's range


def windows(z: torch.Tensor, count: int) -> torch.Tensor:
    """``count`` window codes from ``z`` (W, Z), looped when it has fewer (the CLI's rule)."""
    return z[[k % z.shape[0] for k in range(count)]]


def window_count(model: LatentModel, bars: int) -> int:
    return max(1, math.ceil(bars / model.window_bars))


def decode(model: LatentModel, z: torch.Tensor, bars: int, temperature: float = 0.0, seed: int = 0,
           candidates: int = DEFAULT_CANDIDATES, reference: torch.Tensor | None = None,
           moves: dict[str, float] | None = None) -> list[Note]:
    """Notes of the codes ``z`` (W, Z), windows joined and cut to ``bars`` bars: the most faithful of
    ``candidates`` decodes per window, or, for codes moved by attribute ``moves`` from ``reference``
    on a model whose knobs are calibrated, the one nearest where the knobs aim (``guided_decode``)."""
    scales = KnobScale.of(model) if moves else {}
    if reference is not None and any(name in scales for name in moves or ()):
        tokens = guided_decode(model, z, reference, moves, scales, candidates, temperature, seed)
    else:
        tokens = faithful_decode(model, z, candidates, temperature, seed)
    seq = model.windows_to_clip(tokens.cpu(), velocity=100, bars=bars)
    return sorted((n for t in seq.tracks for n in t.notes), key=lambda n: (n.start, n.pitch))


def looped(notes: Sequence[Note], period: float, length: float) -> list[Note]:
    """``notes`` (a clip of ``period`` beats) repeated from 0 until ``length`` beats."""
    out: list[Note] = []
    if period <= 0:
        return out
    for k in range(math.ceil(length / period - 1e-9)):
        out += [Note(n.pitch, n.start + k * period, n.duration, n.velocity) for n in notes
                if n.start < period and n.start + k * period < length - 1e-9]
    return out


def on_grid(notes: Sequence[Note], grid: float) -> list[Note]:
    """Starts and ends moved to the nearest line of ``grid`` (beats), every note at least one line
    long; unchanged for grid 0."""
    if grid <= 0:
        return list(notes)
    out = []
    for n in notes:
        start = round(n.start / grid) * grid
        end = max(start + grid, round(n.end / grid) * grid)
        out.append(Note(n.pitch, start, end - start, n.velocity))
    return out


def finish(notes: Sequence[Note], length: float, look: Look, dynamics: Dynamics | None = None,
           drums: bool = False) -> list[Note]:
    """New notes as they land in the range: the source's velocities by position (``dynamics``), the
    scale (never for drums: a pitch is a drum there), the grid, inside ``[0, length)`` and no two
    notes of a pitch inside each other."""
    if dynamics is not None:
        notes = dynamics.apply(notes)
    notes = shape_bar(notes, Shape(scale_root=-1 if drums else look.root, scale=look.scale))
    out = []
    for n in on_grid(notes, look.grid):
        if 0 <= n.start < length - 1e-9:
            out.append(Note(n.pitch, n.start, min(n.duration, length - n.start), n.velocity))
    return resolve_collisions(out)


def _dynamics(src: Source) -> Dynamics | None:
    return Dynamics.from_notes(src.notes, src.length) if src.notes else None


def _result(notes: list[Note], length: float, *messages: str) -> ToolResult:
    said = [m for m in messages if m]
    if not notes:
        said.append("the model played no notes here: try another seed or a higher temperature")
    return ToolResult(notes, length, "; ".join(dict.fromkeys(said)))


def _unchanged(src: Source, why: str) -> ToolResult:
    return ToolResult(list(src.notes or ()), src.length, why)


def _own(src: Source, length: float, look: Look, drums: bool) -> list[Note] | None:
    """A source clip itself over the range (looped when shorter), shaped: the end of a morph or blend."""
    if src.notes is None:
        return None
    return finish(looped(src.notes, src.length, length), length, look, drums=drums)


def _drums(model: LatentModel, *sources: Source) -> bool:
    """Drum notes (never snapped to a scale): a drums model's, or a drum rack's clip."""
    return model.representation.kind in ("drums", "groove") or any(s.kind == "drums" for s in sources)


def _empty_range(src: Source) -> None:
    if src.notes is not None and not src.notes:
        raise InputError("no notes in the range: select the notes to transform (or a range that holds some)")


# --- the operations (on the inference worker) ---------------------------------------------------------
def shift(model: LatentModel, src: Source, amount: float, attributes: dict[str, float], look: Look) -> ToolResult:
    """The source with ``amount`` x each attribute amount added to its codes, window by window."""
    look = look.check()
    wanted = {name: float(v) for name, v in attributes.items() if v}
    if amount == 0 or not wanted:
        return _unchanged(src, "amount 0: the notes as they were" if amount == 0 else
                          "every attribute at 0: the notes as they were")
    _empty_range(src)
    missing = [name for name in wanted if name not in model.attributes]
    if missing:
        have = ", ".join(sorted(model.attributes)) or "none"
        raise ModelError(f"this model has no attribute vector for {', '.join(missing)} (it has: {have})")
    bars = bars_of(src.length)
    base, dropped = encode(model, src, bars)
    moves = {name: amount * value for name, value in wanted.items()}
    z = base
    for name, value in moves.items():
        z = model.shift(z, name, value)
    notes = decode(model, z, bars, reference=base, moves=moves)
    return _result(finish(notes, src.length, look, _dynamics(src), _drums(model, src)), src.length,
                   range_message(src.length), *dropped)


def vary(model: LatentModel, src: Source, temperature: float, seed: int, look: Look) -> ToolResult:
    """The source's codes plus ``temperature`` x unit noise keyed by ``seed``, decoded faithfully."""
    look = look.check()
    if temperature == 0:
        return _unchanged(src, "temperature 0: the notes as they were")
    _empty_range(src)
    bars = bars_of(src.length)
    z, dropped = encode(model, src, bars)
    noise = torch.randn(z.shape, generator=torch.Generator().manual_seed(int(seed))).to(z)
    notes = decode(model, z + float(temperature) * noise, bars)
    return _result(finish(notes, src.length, look, _dynamics(src), _drums(model, src)), src.length,
                   range_message(src.length), *dropped)


def morph(model: LatentModel, src: Source, target: Source, amount: float, look: Look) -> ToolResult:
    """Slerp from the source's codes toward the target's by ``amount``, window by window (the target
    looped when shorter). 0 is the source as it was, 1 the target clip itself over the range."""
    look = look.check()
    if amount == 0:
        return _unchanged(src, "amount 0: the notes as they were")
    _empty_range(src)
    length, bars = src.length, bars_of(src.length)
    if amount == 1 and target.notes is not None:
        return _result(_own(target, length, look, _drums(model, src, target)), length, range_message(length))
    count = window_count(model, bars)
    z_src, dropped = encode(model, src, bars)
    z_target, dropped_target = encode(model, target, bars_of(target.length), "the target")
    z = slerp(windows(z_src, count), windows(z_target, count).to(z_src), float(amount))
    notes = decode(model, z, bars)
    near = src if amount < 0.5 or not target.notes else target
    return _result(finish(notes, length, look, _dynamics(near), _drums(model, src, target)), length,
                   range_message(length), *dropped, *dropped_target)


def sample(model: LatentModel, length: float, bars: int, temperature: float, seed: int, look: Look) -> ToolResult:
    """``bars`` bars from the prior (keyed by ``seed``) at ``temperature``, looped over the range."""
    look = look.check()
    z = model.prior(window_count(model, bars), int(seed))
    notes = decode(model, z, bars, float(temperature), int(seed), candidates=1)
    notes = looped(notes, bars * BEATS_PER_BAR, length)
    return _result(finish(notes, length, look, drums=_drums(model)), length, range_message(length))


def between(model: LatentModel, a: Source, b: Source, step: int, steps: int, length: float, look: Look) -> ToolResult:
    """Step ``step`` (1..steps) of the slerp from A to B over the range: step 1 is A itself, the last B
    itself (each looped over the range when shorter)."""
    look = look.check()
    if not 1 <= step <= steps:
        raise InputError(f"step must be in 1..{steps} (the steps from A to B), got {step}")
    t = (step - 1) / (steps - 1)
    end = a if t == 0 else b if t == 1 else None
    own = _own(end, length, look, _drums(model, a, b)) if end is not None else None
    if own is not None:
        return _result(own, length, range_message(length))
    bars = bars_of(length)
    count = window_count(model, bars)
    z_a, dropped_a = encode(model, a, bars_of(a.length), "clip A")
    z_b, dropped_b = encode(model, b, bars_of(b.length), "clip B")
    z = slerp(windows(z_a, count), windows(z_b, count).to(z_a), t)
    notes = decode(model, z, bars)
    near = a if t < 0.5 else b
    return _result(finish(notes, length, look, _dynamics(near), _drums(model, a, b)), length,
                   range_message(length), *dropped_a, *dropped_b)


# --- the engine's side (on its loop) ------------------------------------------------------------------
def clip_source(s: Session, name: str) -> Source:
    """A clip the client uploaded into its own session."""
    clip: Clip | None = s.clips.get(name)
    if clip is None:
        raise InputError(f"no clip {name!r} has been uploaded (have: {', '.join(s.clips) or 'none'})")
    return Source(tuple(clip.notes), clip.length, clip.kind)


def slot_source(engine, instance: str, slot: str, model: LatentModel) -> Source:
    """Slot ``slot`` of another open session (a streaming device's, the panel's): the clip it was
    encoded from, or its codes when it holds no clip and was made by the same model."""
    other = engine.session(instance)
    if other is None:
        raise InputError(f"no open session {instance!r}: its device or panel has gone; choose another target")
    held = other.slots.get(slot)
    if held is None or held.mu is None:
        raise InputError(f"slot {slot} of {instance} is empty")
    if isinstance(held.source, FromClip) and held.source.clip in other.clips:
        return clip_source(other, held.source.clip)
    if held.model != model.config.name:
        raise ModelError(f"slot {slot} of {instance} holds codes of {held.model or 'another model'}, not of this "
                         f"tool's {model.config.name}: choose the same model, or a slot made from a clip")
    return Source(None, held.bars * BEATS_PER_BAR, mu=held.mu.cpu())


def source(engine, s: Session, instance: str, name: str, model: LatentModel) -> Source:
    """``instance`` empty: a clip of this session; else a slot of that session."""
    return clip_source(s, name) if not instance else slot_source(engine, instance, name, model)


def targets(engine, s: Session) -> list[tuple[str, str, int]]:
    """(instance, slot, bars) of every filled slot of the other open sessions, at most MAX_TARGETS."""
    out = []
    for instance in engine.open_sessions():
        other = engine.session(instance)
        if other is None or other is s:
            continue
        out += [(instance, name, int(slot.bars)) for name, slot in sorted(other.slots.items()) if slot.mu is not None]
    return out[:MAX_TARGETS]


def _look(args: Sequence) -> Look:
    root, scale, grid, numerator, denominator = args
    return Look(int(root), str(scale), float(grid), int(numerator), int(denominator))


async def run(engine, s: Session, op: str, args: Sequence) -> ToolResult:
    """One operation of a MIDI Tool, ``args`` as /segue/tool/<op> takes them after the request id
    (checked against the address table already): the sources are read here, on the loop; the model
    runs on the worker, behind every due bar."""
    model = engine.model_of(s)
    look = _look(args[-5:])
    look.check()  # a meter or scale the engine cannot take is said before anything waits
    if op == "shift":
        clip, amount, *amounts = args[:-5]
        job = (shift, clip_source(s, clip), float(amount), dict(zip(ATTRIBUTE_KNOBS, amounts)), look)
    elif op == "morph":
        clip, target_instance, target, amount = args[:-5]
        job = (morph, clip_source(s, clip), source(engine, s, target_instance, target, model), float(amount), look)
    elif op == "vary":
        clip, temperature, seed = args[:-5]
        job = (vary, clip_source(s, clip), float(temperature), int(seed), look)
    elif op == "sample":
        length, bars, temperature, seed = args[:-5]
        job = (sample, float(length), int(bars), float(temperature), int(seed), look)
    elif op == "between":
        length, a_instance, a, b_instance, b, step, steps = args[:-5]
        job = (between, source(engine, s, a_instance, a, model), source(engine, s, b_instance, b, model), int(step),
               int(steps), float(length), look)
    else:
        raise InputError(f"no tool operation {op!r} (operations: {', '.join(OPERATIONS)})")
    key = (id(engine), s.instance)
    if _jobs.get(key, 0) >= MAX_TOOL_JOBS:
        raise InputError(f"{MAX_TOOL_JOBS} tool operations are still being made: send the newest only")
    _jobs[key] = _jobs.get(key, 0) + 1
    try:
        return await engine.run(TOOL_PRIORITY, job[0], model, *job[1:])
    finally:
        _jobs[key] -= 1
        if not _jobs[key]:
            del _jobs[key]
