"""What a bar holds: latent codes from the session's slots and knobs, decoded and shaped.

Runs on the inference worker. A session's slots hold one code per model window; song bar k plays
bar k mod (the longest slot's length) of the morph, so the clips loop with the song. The code of a
window is slerp(A, B, morph) plus each attribute amount times its vector; with no slot encoded yet,
a draw from the prior (keyed by the seed knob) stands in, so a device plays something at once.
While the session's XY pad is on (its corners named), the four-corner blend (:func:`xy_blend`)
takes the place of the A->B slerp.

At the ends of the blend a producer hears their own clip, not the model's reconstruction of it: at
morph 0 (or on a corner of the pad) the slot's clip itself plays, and over the last ``FADE`` of the
way the clip's notes give way to the decoded ones, note by note (:func:`source_weights`). Decoded
notes take the clip's velocities by position (``shaping.Dynamics``), unless the velocity knob is set.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, replace

import torch

from segue.engine.session import FromClip, Session
from segue.engine.shaping import Dynamics, Groove, Shape, shape_bar
from segue.models.errors import ModelError
from segue.models.fidelity import DEFAULT_CANDIDATES, KnobScale, faithful_decode, guided_decode
from segue.models.inference import LatentModel
from segue.models.latent import slerp
from segue.models.notes import BEATS_PER_BAR, Note

FADE = 0.1  # of the morph (or of the pad's side): where a slot's own clip gives way to decoded notes
CORNER_XY = ((0.0, 0.0), (1.0, 0.0), (0.0, 1.0), (1.0, 1.0))  # the pad's a, b, c, d


@dataclass(frozen=True)
class SourceClip:
    """The clip behind a slot, as it plays at its end of the blend."""

    notes: tuple[Note, ...]
    bars: int  # the clip's bars
    period: int  # the bars its slot plays before it repeats (the clip padded to whole model windows)

    def bar(self, content_bar: int) -> list[Note]:
        k = content_bar % self.period
        if k >= self.bars:  # the padding after a clip that does not fill its last window
            return []
        lo = k * BEATS_PER_BAR
        return [Note(n.pitch, n.start - lo, n.duration, n.velocity) for n in self.notes
                if lo <= n.start < lo + BEATS_PER_BAR]


@dataclass(frozen=True)
class Snapshot:
    """Everything a bar depends on, copied from the session when the job is queued."""

    version: int
    mu_a: torch.Tensor | None  # (W, Z)
    mu_b: torch.Tensor | None
    morph: float
    temperature: float
    seed: int
    attributes: tuple[tuple[str, float], ...]
    shape: Shape
    groove: Groove | None
    corners: tuple[torch.Tensor | None, ...] | None = None  # the XY pad's a, b, c, d (None: the pad is off)
    xy: tuple[float, float] = (0.0, 0.0)  # the pad's puck
    sources: tuple[SourceClip | None, ...] = ()  # the clips at the blend's ends: A, B, or the pad's a..d
    dynamics: Dynamics | None = None  # the velocities decoded notes take
    fidelity: int = 1  # candidates decoded per window, the most faithful kept (models.fidelity)
    chords: tuple[tuple[str, ...], ...] = ()  # chord models: the session's progression, bar by bar (looped)
    key: int | None = None  # key models: the scale knobs' key signature, 0..11 (None: C)

    @property
    def windows(self) -> int:
        counts = [m.shape[0] for m in (self.mu_a, self.mu_b, *(self.corners or ())) if m is not None]
        return max(counts) if counts else 1


# Where an XY corner without a code takes one: a from c then b, b from d then a, c from a then d,
# d from b then c (the neighbour along y first), then the corner diagonally across.
XY_NEIGHBOURS = ((2, 1, 3), (3, 0, 2), (0, 3, 1), (1, 2, 0))


def fill_corners(corners) -> tuple | None:
    """The four corners with every missing one taken from its neighbour (``XY_NEIGHBOURS``); None
    when none has a code. With a and b alone, c = a and d = b: the pad is the A->B morph along x."""
    if corners is None or all(c is None for c in corners):
        return None
    return tuple(c if c is not None else next(corners[k] for k in XY_NEIGHBOURS[i] if corners[k] is not None)
                 for i, c in enumerate(corners))


def xy_blend(a: torch.Tensor, b: torch.Tensor, c: torch.Tensor, d: torch.Tensor, x: float, y: float) -> torch.Tensor:
    """The four-corner blend (Beat Blender's grid): slerp along x on the top edge (a -> b) and on
    the bottom edge (c -> d), then along y between the two. Exact at the corners, as slerp is at
    its ends: (0, 0) is a, (1, 0) b, (0, 1) c, (1, 1) d. With c = a and d = b (two slots) it is
    exactly slerp(a, b, x), whatever y."""
    top = slerp(a, b, x)
    if c is a and d is b:
        return top
    return slerp(top, slerp(c, d, x), y)


def xy_corner(x: float, y: float) -> int | None:
    """The corner (0..3 for a..d) the puck sits exactly on, else None."""
    if x in (0.0, 1.0) and y in (0.0, 1.0):
        return int(y) * 2 + int(x)
    return None


def window_code(model: LatentModel, snap: Snapshot, window: int, shifted: bool = True) -> torch.Tensor:
    a, b = snap.mu_a, snap.mu_b
    corners = fill_corners(snap.corners)
    if corners is not None:
        rows: dict[int, torch.Tensor] = {}  # a corner that stands in for another is the same tensor
        z = xy_blend(*(rows.setdefault(id(c), c[window % c.shape[0]]) for c in corners), *snap.xy)
    elif snap.corners is not None or (a is None and b is None):
        z = model.prior(window + 1, snap.seed)[window]
    else:
        a = a if a is not None else b
        b = b if b is not None else a
        z = slerp(a[window % a.shape[0]], b[window % b.shape[0]], snap.morph)
    for name, amount in snap.attributes if shifted else ():
        if amount and name in model.attributes:
            z = model.shift(z, name, amount)
    return z


def knob_moves(model: LatentModel, snap: Snapshot) -> dict[str, float]:
    """The attribute knobs that move this window's code (and that the model has a vector for)."""
    return {name: amount for name, amount in snap.attributes if amount and name in model.attributes}


def source_weights(snap: Snapshot) -> tuple[float, ...]:
    """How much of each end's own clip plays (aligned with ``snap.sources``): 1 at that end, 0 from
    ``FADE`` of the way on; the decoded notes fill the rest."""
    if snap.corners is not None:
        x, y = snap.xy
        return tuple(max(0.0, 1 - max(abs(x - cx), abs(y - cy)) / FADE) for cx, cy in CORNER_XY)
    m = snap.morph
    return (max(0.0, 1 - m / FADE), max(0.0, 1 - (1 - m) / FADE))


def _unit(*key) -> float:
    """A fixed number in [0, 1) for a note (which notes give way is the same each time round)."""
    return zlib.crc32(repr(key).encode()) / 2**32


def _blend(decoded: list[Note], snap: Snapshot, weights: tuple[float, ...], content_bar: int) -> list[Note]:
    out = [n for n in decoded if _unit(snap.seed, content_bar, "d", n.pitch, round(n.start * 48)) >= sum(weights)]
    for k, (w, src) in enumerate(zip(weights, snap.sources)):
        if w > 0 and src is not None:
            out += [n for n in src.bar(content_bar) if _unit(snap.seed, content_bar, k, n.pitch,
                                                             round(n.start * 48)) < w]
    return sorted(out, key=lambda n: (n.start, n.pitch))


def _notes(model: LatentModel, tokens) -> list[Note]:
    seq = model.representation.from_indices(tokens.numpy(), velocity=100)
    return [n for track in seq.tracks for n in track.notes]


def _by_bar(model: LatentModel) -> bool:
    """Hierarchical models whose segments are bars decode only the bars that are due (not GrooVAE's:
    a hit played early belongs to the bar before, which must not have gone out without it)."""
    return model.config.decoder == "hierarchical" and model.config.segment_steps == 16 and not _own_feel(model)


def _own_feel(model: LatentModel) -> bool:
    """A model whose notes carry their own velocities and micro-timing (GrooVAE): a bar plays them
    as decoded, not with a source clip's dynamics or the clip itself at an end of the blend."""
    return "timing" in model.capabilities


# Semitones from a scale's root up to its relative major's tonic: a key-conditioned model's key (0 = C
# major / A minor) is the key signature, so D dorian and A minor are both key 0.
_TO_MAJOR = {"minor": 3, "harmonic_minor": 3, "melodic_minor": 3, "pentatonic_minor": 3, "blues": 3, "dorian": -2,
             "phrygian": -4, "lydian": -5, "mixolydian": -7, "locrian": 1}


def key_of(shape) -> int | None:
    """The key a key-conditioned model reads for the scale knobs (None while no root is set)."""
    if shape.scale_root < 0:
        return None
    return (shape.scale_root + _TO_MAJOR.get(shape.scale, 0)) % 12


def window_controls(model: LatentModel, snap: Snapshot, window: int):
    """A conditioned model's controls for one window (1, T, K): the progression's chords for the
    window's bars, the key; None for other models."""
    if not model.model.controls:
        return None
    return model.controls(1, [list(bar) for bar in snap.chords] or None,
                          snap.key if snap.key is not None else 0, first_bar=window * model.window_bars)


def window_notes(model: LatentModel, snap: Snapshot, window: int, upto_bar: int, cache: dict) -> list[Note]:
    """Notes of one window (beats from its start), decoded at least up to bar ``upto_bar``.

    A window whose code an attribute knob moves is decoded whole, among candidates, keeping the one
    whose attributes land where the knobs aim (``guided_decode``: one standard deviation of the
    attribute per unit), when the model's knobs are calibrated.

    Flat models decode the whole window at once (cached per version and window). Hierarchical
    models run the conductor once per window and then decode only the bars asked for, each from
    the previous bar's last token: the same music as decoding the window whole (the noise is keyed
    by bar), but a bar's last note ends at the bar line until the next bar is decoded."""
    key = (snap.version, window)
    bar_offset = window * model.window_bars
    moves, scales = knob_moves(model, snap), KnobScale.of(model)
    guided = any(name in scales for name in moves)  # knobs that keep their promise: models/fidelity.py
    if not _by_bar(model) or snap.fidelity > 1 or guided:
        if key not in cache:
            z, controls = window_code(model, snap, window), window_controls(model, snap, window)
            if guided:
                tokens = guided_decode(model, z[None], window_code(model, snap, window, shifted=False)[None], moves,
                                       scales, max(snap.fidelity, DEFAULT_CANDIDATES), snap.temperature, snap.seed,
                                       bar_offset, controls)
            else:
                tokens = faithful_decode(model, z[None], snap.fidelity, snap.temperature, snap.seed, bar_offset,
                                         controls=controls)
            cache[key] = _notes(model, tokens[0].cpu())
        return cache[key]
    entry = cache.get(key)
    if entry is None:
        entry = cache[key] = {"emb": model.conduct(window_code(model, snap, window)[None]), "segments": [],
                              "controls": window_controls(model, snap, window)}
    segments = entry["segments"]
    while len(segments) <= upto_bar:
        start = segments[-1][:, -1] if segments else model.start_tokens(1)
        segments.append(model.decode_segment(entry["emb"], len(segments), start, snap.temperature,
                                             seed=snap.seed, bar_offset=bar_offset, controls=entry["controls"]))
    return _notes(model, torch.cat(segments, dim=1)[0].cpu())


def snapshot_of(s: Session) -> Snapshot:
    """What the session's next bars depend on, copied now (the worker never reads the session)."""
    a_name, b_name = s.morph_slots
    a, b = s.slots.get(a_name), s.slots.get(b_name)
    near = a if (s.knobs.morph < 0.5 or b is None) else b
    corners, xy = None, (s.knobs.xy_x, s.knobs.xy_y)
    if any(s.xy_slots):
        slots = [s.slots.get(name) if name else None for name in s.xy_slots]
        corners = tuple(x.mu if x is not None else None for x in slots)
        nearest = int(xy[1] >= 0.5) * 2 + int(xy[0] >= 0.5)
        near = next((slots[k] for k in (nearest, *XY_NEIGHBOURS[nearest]) if slots[k] is not None), None)
    groove = dynamics = None
    if near is not None and near.groove_clip in s.clips:
        clip = s.clips[near.groove_clip]
        groove = clip.groove if s.knobs.shape.groove > 0 else None
        dynamics = clip.dynamics
    ends = [s.slots.get(name) if name else None for name in s.xy_slots] if corners is not None else [a, b]
    sources = [_source_clip(s, slot) for slot in ends]
    if corners is not None:  # a corner without a slot plays its neighbour, as its code is the neighbour's
        sources = [src if slot is not None else next((sources[k] for k in XY_NEIGHBOURS[i] if ends[k] is not None),
                                                    None) for i, (src, slot) in enumerate(zip(sources, ends))]
    elif a is None or b is None:
        sources = [sources[1], sources[1]] if a is None else [sources[0], sources[0]]
    if any(s.knobs.attributes.values()):  # shifted on purpose: the decoded notes are what was asked for
        sources = []
    return Snapshot(version=s.version, mu_a=a.mu if a is not None else None, mu_b=b.mu if b is not None else None,
                    morph=s.knobs.morph, temperature=s.knobs.temperature, seed=s.knobs.seed,
                    attributes=tuple(sorted(s.knobs.attributes.items())), shape=s.knobs.shape, groove=groove,
                    corners=corners, xy=xy, sources=tuple(sources), dynamics=dynamics,
                    chords=tuple(tuple(bar) for bar in s.chords),
                    key=key_of(s.knobs.shape))


def _source_clip(s: Session, slot) -> SourceClip | None:
    """The clip a slot was encoded from, while the slot still holds it (attribute shifts change
    what the slot plays: then the decoded notes are the truth)."""
    if slot is None or slot.mu is None or not isinstance(slot.source, FromClip):
        return None
    clip = s.clips.get(slot.source.clip)
    if clip is None:
        return None
    return SourceClip(tuple(clip.notes), max(1, slot.bars), max(1, slot.bars + slot.padded_bars))


def check_clip_kind(model: LatentModel, clip_kind: str, name: str) -> None:
    """ModelError when a drum clip meets a melody model or a melodic clip a drums model."""
    rep = model.representation.kind
    if clip_kind == "drums" and rep == "melody":
        raise ModelError(f"{name} is a drum clip, but the model ({model.config.name}) is a melody model: "
                         "choose a drums model or a melodic clip")
    mode = getattr(model.representation, "mode", "")
    if clip_kind == "drums" and rep in ("melody_rhythm", "melody_shape"):
        raise ModelError(f"{name} is a drum clip, but the model ({model.config.name}) reads melodies")
    if clip_kind == "notes" and rep == "groove" and mode != "tap":
        raise ModelError(f"{name} is a melodic clip, but the model ({model.config.name}) is a GrooVAE drums model "
                         "(a tap model drumifies any clip)")
    if clip_kind == "notes" and rep == "drums":
        raise ModelError(f"{name} is a melodic clip, but the model ({model.config.name}) is a drums model")


def bar_job(s: Session, model: LatentModel, snap: Snapshot, bar: int, cache: dict, newest: dict[int, int]):
    """On the worker: skip a bar that a newer version will replace before anyone hears this one:
    a newer version of it is queued (it runs next: same bar, same deadline), or the session
    moved on and an older version already went out. Otherwise generate it."""
    if newest.get(bar, snap.version) > snap.version:
        return None
    if s.version > snap.version and s.sent.get(bar) is not None:
        return None
    return bar_notes(model, snap, bar, cache)


def bar_notes(model: LatentModel, snap: Snapshot, bar: int, cache: dict) -> list[Note]:
    """Song bar ``bar``: the notes starting in it (beats from the bar's start; a note may last
    past the bar's end), shaped. ``cache`` keeps decoded windows per (version, window)."""
    if len(cache) > 64:
        cache.clear()
    if _own_feel(model):  # GrooVAE: the model's velocities and timing are the point
        snap = replace(snap, sources=(), dynamics=None)
    total_bars = snap.windows * model.window_bars
    content_bar = bar % total_bars
    window, in_window = divmod(content_bar, model.window_bars)
    weights = source_weights(snap) if snap.sources else ()
    whole = next((src for w, src in zip(weights, snap.sources) if w >= 1.0 and src is not None), None)
    if whole is not None:  # at an end of the blend: the clip itself, nothing decoded
        return shape_bar(whole.bar(content_bar), snap.shape, snap.groove, bar_index=content_bar)
    lo, hi = in_window * BEATS_PER_BAR, (in_window + 1) * BEATS_PER_BAR
    notes = [Note(n.pitch, n.start - lo, n.duration, n.velocity)
             for n in window_notes(model, snap, window, in_window, cache) if lo <= n.start < hi]
    if snap.dynamics is not None:
        notes = snap.dynamics.apply(notes, offset=content_bar * BEATS_PER_BAR)
    if any(w > 0 for w, src in zip(weights, snap.sources) if src is not None):
        notes = _blend(notes, snap, weights, content_bar)
    return shape_bar(notes, snap.shape, snap.groove, bar_index=content_bar)


def render_step(model: LatentModel, snap: Snapshot) -> list[Note]:
    """One render step: every bar of the morph at ``snap.morph``, joined (beats from the start)."""
    cache: dict = {}
    out: list[Note] = []
    for bar in range(snap.windows * model.window_bars):
        out += [Note(n.pitch, n.start + bar * BEATS_PER_BAR, n.duration, n.velocity)
                for n in bar_notes(model, snap, bar, cache)]
    return sorted(out, key=lambda n: (n.start, n.pitch))
