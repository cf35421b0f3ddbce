"""Client sessions: each device instance or controller has its own model, slots, knobs and
transport. ``engine/store.py`` saves them and restores them by instance id after a restart.

A session knows nothing of how its client talks to the engine (OSC address, MIDI ports, a web
page): the adapters keep that."""

from __future__ import annotations

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from functools import cached_property
from typing import Any

from segue.bridge.addresses import ATTRIBUTE_KNOBS, KNOBS
from segue.engine.shaping import Dynamics, Groove, Shape
from segue.models.errors import InputError
from segue.models.notes import BEATS_PER_BAR, Note, NoteSequence, Track

log = logging.getLogger(__name__)
STATE_VERSION = 1


@dataclass
class Knobs:
    morph: float = KNOBS["morph"].default
    temperature: float = KNOBS["temperature"].default
    seed: int = KNOBS["seed"].default
    xy_x: float = KNOBS["xy_x"].default  # the XY pad's puck (used while the session's xy_slots are named)
    xy_y: float = KNOBS["xy_y"].default
    attributes: dict[str, float] = field(default_factory=dict)
    shape: Shape = field(default_factory=Shape)

    def set(self, name: str, value) -> None:
        if name == "morph":
            self.morph = float(value)
        elif name == "temperature":
            self.temperature = float(value)
        elif name == "seed":
            self.seed = int(value)
        elif name in ("xy_x", "xy_y"):
            setattr(self, name, float(value))
        elif name in ATTRIBUTE_KNOBS:
            self.attributes[name] = float(value)
        else:
            self.shape = self.shape.with_knob(name, value)

    def to_json(self) -> dict[str, Any]:
        return {"morph": self.morph, "temperature": self.temperature, "seed": self.seed, "xy_x": self.xy_x,
                "xy_y": self.xy_y, "attributes": dict(self.attributes), "shape": asdict(self.shape)}


@dataclass
class Transport:
    playing: bool = False
    tempo: float = 120.0
    beat: float = 0.0  # the beat the playhead was on at ``at``
    at: float = 0.0  # time.monotonic() of that report
    loop_start: float = 0.0
    loop_end: float = 0.0  # <= loop_start: no loop

    def beat_now(self, now: float) -> float:
        beat = self.beat + (now - self.at) * self.tempo / 60.0 if self.playing else self.beat
        if self.loop_end > self.loop_start and beat >= self.loop_end:
            span = self.loop_end - self.loop_start
            beat = self.loop_start + (beat - self.loop_start) % span
        return beat


@dataclass
class Clip:
    """An uploaded clip: notes in beats, its length in beats."""

    notes: list[Note]
    length: float
    kind: str = "notes"  # or "drums": a drum rack's clip

    @property
    def bars(self) -> int:
        """Whole bars it spans (a length a hair over a bar line, float noise, is on the line)."""
        return max(1, math.ceil(self.length / BEATS_PER_BAR - 1e-6))

    def sequence(self, qpm: float) -> NoteSequence:
        """Its notes as a one-track NoteSequence (a drum track for a drum clip)."""
        return NoteSequence([Track(list(self.notes), is_drum=self.kind == "drums")], qpm=qpm)

    @cached_property
    def dynamics(self) -> Dynamics | None:
        """Its velocities by position (None for a clip without notes), worked out once."""
        return Dynamics.from_notes(self.notes, self.length)

    @cached_property
    def groove(self) -> Groove:
        """Its micro-timing and velocities, worked out once (a new upload is a new Clip)."""
        return Groove.from_notes(self.notes, self.length)

    def to_json(self) -> dict[str, Any]:
        return {"length": self.length, "kind": self.kind,
                "notes": [[n.pitch, n.start, n.duration, n.velocity] for n in self.notes]}



@dataclass(frozen=True)
class FromClip:
    """A slot filled by encoding an uploaded clip."""

    clip: str


@dataclass(frozen=True)
class FromSample:
    """A slot filled with a draw from the prior (keyed by ``seed``, else by the seed knob)."""

    bars: int
    seed: int | None = None


@dataclass(frozen=True)
class FromVariation:
    """A slot filled with another slot's codes plus ``amount`` times noise (keyed by ``seed``, else
    by the seed knob)."""

    slot: str
    amount: float
    seed: int | None = None


Source = FromClip | FromSample | FromVariation
_SOURCE_KINDS: dict[str, type] = {"clip": FromClip, "sample": FromSample, "variation": FromVariation}


def source_to_json(source: Source) -> dict[str, Any]:
    kind = next(k for k, t in _SOURCE_KINDS.items() if isinstance(source, t))
    return {"kind": kind, **{k: v for k, v in asdict(source).items() if not (k == "seed" and v is None)}}


def source_from_json(d: Any) -> Source:
    """A slot's source as saved: a tagged object, or the string form of state files written before
    it (``clip:<id>``, ``sample:<bars>``, ``variation:<slot>:<amount>``)."""
    if isinstance(d, str):
        kind, _, rest = d.partition(":")
        if kind == "clip":
            return FromClip(rest)
        if kind == "sample":
            return FromSample(int(rest))
        if kind == "variation":
            slot, _, amount = rest.rpartition(":")  # slot names may hold ':'
            return FromVariation(slot, float(amount))
        raise ValueError(f"unknown slot source {d!r}")
    if not isinstance(d, dict) or d.get("kind") not in _SOURCE_KINDS:
        raise ValueError(f"unknown slot source {d!r}")
    fields_ = {k: v for k, v in d.items() if k != "kind"}
    seed = fields_.get("seed")
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**31):
        raise ValueError(f"a slot's seed is an int 0..2**31-1, got {seed!r}")
    return _SOURCE_KINDS[d["kind"]](**fields_)


@dataclass
class Slot:
    """A named slot: where its codes came from, and the codes (not saved: re-encoded on restore)."""

    source: Source
    bars: int = 0
    padded_bars: int = 0
    mu: Any = None  # torch.Tensor (W, Z) for the session's model
    model: str = ""  # the model the codes belong to
    groove_clip: str = ""  # the clip whose groove this slot keeps


@dataclass
class Session:
    instance: str
    model: str = ""
    clips: dict[str, Clip] = field(default_factory=dict)
    slots: dict[str, Slot] = field(default_factory=dict)
    morph_slots: tuple[str, str] = ("A", "B")
    xy_slots: tuple[str, str, str, str] = ("", "", "", "")  # the XY pad's corners; all empty: the pad is off
    chords: list[list[str]] = field(default_factory=list)  # chord models' progression, bar by bar (looped)
    knobs: Knobs = field(default_factory=Knobs)
    version: int = 0  # bumped by every change that alters generated bars
    transport: Transport = field(default_factory=Transport)
    sent: dict[int, int] = field(default_factory=dict)  # bar -> version sent
    last_seen: float = field(default_factory=time.monotonic)
    dirty: bool = True

    def touch(self) -> None:
        self.last_seen = time.monotonic()

    def is_blank(self) -> bool:
        """Nothing a client made: no clips, slots or chords, every knob at its default (no file is kept)."""
        return (not self.clips and not self.slots and self.knobs == Knobs() and not self.model
                and self.morph_slots == ("A", "B") and not any(self.xy_slots)
                and not self.chords)

    def clip(self, name: str) -> Clip:
        """The uploaded clip ``name``, or an InputError that lists the session's clips."""
        clip = self.clips.get(name)
        if clip is None:
            raise InputError(f"no clip {name!r} has been uploaded (have: {', '.join(self.clips) or 'none'})")
        return clip

    def changed(self) -> None:
        """Generated bars depend on what changed: newer version, and save soon."""
        self.version += 1
        self.dirty = True

    def to_json(self) -> dict[str, Any]:
        return {
            "state_version": STATE_VERSION, "instance": self.instance,
            "model": self.model, "clips": {k: c.to_json() for k, c in self.clips.items()},
            "slots": {k: {"source": source_to_json(s.source), "bars": s.bars, "groove_clip": s.groove_clip}
                      for k, s in self.slots.items()},
            "morph_slots": list(self.morph_slots), "xy_slots": list(self.xy_slots), "chords": self.chords,
            "knobs": self.knobs.to_json(),
            "version": self.version,
            "transport": {"tempo": self.transport.tempo, "loop_start": self.transport.loop_start,
                          "loop_end": self.transport.loop_end},
        }

