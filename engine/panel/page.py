"""A page's side of the panel: what it is sent (the vocabulary its controls are built from, a
session's state, bars) and :class:`PanelClient`, one page's WebSocket as a listener of the core.
``engine/panel/server.py`` serves the pages and runs what they ask for."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections import deque
from typing import TYPE_CHECKING, Any

from aiohttp import web

from segue.bridge.addresses import ATTRIBUTE_KNOBS, BY_PATH, CAPABILITIES, KNOBS, PREFIX, SCALES, WEAK_KNOB
from segue.engine.api import Bar, unavailable
from segue.engine.panel import clips
from segue.engine.session import FromClip, FromSample, FromVariation, Session
from segue.models.chords import format_progression
from segue.models.loading import example_clips
from segue.models.notes import BEATS_PER_BAR

if TYPE_CHECKING:
    from segue.engine.panel.server import PanelServer

log = logging.getLogger(__name__)
SLOTS = ("A", "B", "C", "D")  # the pad's corners: top left, top right, bottom left, bottom right
KEEP_BARS = 64  # bars a page's connection remembers (for late marks and downloads)
MAX_QUEUE = 4096  # messages waiting for a slow page before it is cut off (it reconnects)
DOWNLOAD_BARS = (1, 2, 4, 8)
TOOL_CLIP = "panel-tool"  # the clip dropped on the Groove box (not in a slot)
_TRANSPORT = {a.name: a for a in BY_PATH[PREFIX + "/transport/set"].args}
RENDER_STEPS = {a.name: a for a in BY_PATH[PREFIX + "/render"].args}["steps"]
GROOVE_ARGS = {a.name: a for a in BY_PATH[PREFIX + "/clip/groove"].args}  # amount, temperature: as OSC's


def vocabulary() -> dict[str, Any]:
    """What the page builds its controls from, taken from the address table (never restated in JS)."""
    def num(x):
        return int(x) if isinstance(x, float) and x.is_integer() else x

    knobs = {}
    for name, arg in KNOBS.items():
        spec: dict[str, Any] = {"type": arg.type, "default": num(arg.default), "doc": arg.doc}
        if arg.type == "s":
            spec["choices"] = list(arg.choices)
        else:
            spec.update(lo=num(arg.lo), hi=num(arg.hi))
        knobs[name] = spec
    tempo = _TRANSPORT["tempo"]
    return {"knobs": knobs, "attributes": list(ATTRIBUTE_KNOBS), "scales": list(SCALES), "slots": list(SLOTS),
            "tempo": {"lo": num(tempo.lo), "hi": num(tempo.hi)},
            "render_steps": {"lo": num(RENDER_STEPS.lo), "hi": num(RENDER_STEPS.hi)},
            "download_bars": list(DOWNLOAD_BARS), "max_upload": clips.MAX_UPLOAD_BYTES,
            "examples": [p.name for p in example_clips()], "beats_per_bar": BEATS_PER_BAR,
            "capabilities": dict(CAPABILITIES), "weak_knob": WEAK_KNOB,
            "groove": {name: {"lo": num(arg.lo), "hi": num(arg.hi), "doc": arg.doc}
                       for name, arg in GROOVE_ARGS.items() if name != "clip"}}


def knob_values(s: Session) -> dict[str, Any]:
    k = s.knobs
    values: dict[str, Any] = {"morph": k.morph, "temperature": k.temperature, "seed": k.seed, "xy_x": k.xy_x,
                              "xy_y": k.xy_y}
    values.update({a: float(k.attributes.get(a, 0.0)) for a in ATTRIBUTE_KNOBS})
    values.update({name: getattr(k.shape, name) for name in KNOBS if name not in values})
    return values


def note_rows(notes) -> list[list]:
    return [[n.pitch, round(n.start, 4), round(n.duration, 4), n.velocity] for n in notes]


def source_view(source) -> dict[str, Any]:
    if isinstance(source, FromClip):
        return {"kind": "clip", "clip": source.clip}
    if isinstance(source, FromSample):
        return {"kind": "sample", "bars": source.bars}
    if isinstance(source, FromVariation):
        return {"kind": "variation", "of": source.slot, "amount": source.amount}
    return {"kind": "?"}


def session_kind(instance: str) -> str:
    if instance.startswith("midi:"):
        return "midi"
    if instance.startswith("panel-"):
        return "panel"
    return "device"


class PanelClient:
    """One page's WebSocket: a listener of the session it is attached to."""

    keep_open = False  # a panel's own session closes when it goes idle, as an OSC client's

    def __init__(self, server: PanelServer, ws: web.WebSocketResponse):
        self.server, self.ws = server, ws
        self.id = secrets.token_urlsafe(12)
        self.session: Session | None = None
        self.out: asyncio.Queue = asyncio.Queue()
        self.bars: dict[int, Bar] = {}
        self.moves: deque[tuple[int, float]] = deque(maxlen=256)  # (version, time.monotonic()) of pad/knob moves
        self.latencies: deque[float] = deque(maxlen=50)
        self.late = 0
        self.seen_version = -1
        self.seen_views: dict[str, int] = {}
        self.seen_slots: set[str] = set()
        self.seen_tool = 0  # id of the session's tool clip last sent
        self.dead = False

    # --- sending -------------------------------------------------------------------------------
    def send(self, message: dict) -> None:
        if self.dead:
            return
        if self.out.qsize() >= MAX_QUEUE:  # the page does not keep up: cut it off; it reconnects
            self.dead = True
            log.warning("panel page %s does not keep up; disconnected", self.id)
            asyncio.ensure_future(self.ws.close(code=1011, message=b"too slow"))
            return
        self.out.put_nowait(message)

    async def writer(self) -> None:
        while True:
            message = await self.out.get()
            await self.ws.send_str(json.dumps(message, separators=(",", ":")))

    # --- the core's listener -----------------------------------------------------------------------
    def bar(self, s: Session, bar: Bar) -> None:
        now = time.monotonic()
        started = s.transport.playing and s.transport.beat_now(now) > bar.bar * BEATS_PER_BAR + 1e-3
        late = bool(started and bar.bar not in self.bars)  # nothing of this bar had come before it began
        latency = None
        while self.moves and self.moves[0][0] <= bar.version:
            latency = now - self.moves.popleft()[1]
        if latency is not None:
            self.latencies.append(latency)
        if late:
            self.late += 1
        self.bars[bar.bar] = bar
        if len(self.bars) > KEEP_BARS:
            for b in sorted(self.bars)[: len(self.bars) - KEEP_BARS]:
                del self.bars[b]
        self.send({"type": "bar", "bar": bar.bar, "version": bar.version, "notes": note_rows(bar.notes),
                   "late": late, "xy": list(bar.xy) if bar.xy else None, "morph": bar.morph,
                   "latency_ms": None if latency is None else round(latency * 1000, 1)})

    def problem(self, s: Session, where: str, message: str) -> None:
        self.send({"type": "problem", "where": where, "message": message[:1000]})

    def closed(self, s: Session) -> None:
        self.send({"type": "problem", "where": "session", "message": "the session was closed (idle)"})
        self.session = None

    # --- state -----------------------------------------------------------------------------------
    def transport(self, s: Session) -> dict[str, Any]:
        t = s.transport
        now = time.monotonic()
        return {"type": "transport", "beat": t.beat_now(now), "tempo": t.tempo, "playing": t.playing,
                "health": {"latency_ms": self._latency_ms(), "late": self.late}}

    def _latency_ms(self) -> float | None:
        if not self.latencies:
            return None
        ordered = sorted(self.latencies)
        return round(ordered[len(ordered) // 2] * 1000, 1)

    def state(self, s: Session, slots: bool = True) -> dict[str, Any]:
        """The session as the page shows it; ``slots`` False leaves out the slots' views and the tool
        clip (unchanged since the last state: a pad move sends knobs, not piano rolls)."""
        engine = self.server.engine
        info = engine.model_info(s)
        views = self.server.views.get(s.instance, {})
        tool = s.clips.get(TOOL_CLIP)
        vectors = engine.model_of(s).attributes
        return {"type": "state", "instance": s.instance, "kind": session_kind(s.instance), "version": s.version,
                "knobs": knob_values(s), "xy_slots": list(s.xy_slots), "morph_slots": list(s.morph_slots),
                **({"slots": {name: views.get(name) or {"name": name, "source": source_view(slot.source),
                                                         "bars": slot.bars, "pending": True}
                              for name, slot in s.slots.items() if name in SLOTS}} if slots else {}),
                "model": {"name": info.name, "kind": info.kind, "window_bars": info.window_bars,
                          "z_size": info.z_size, "trained": info.trained, "device": info.device,
                          "licence": info.licence, "choice": info.choice, "capabilities": list(info.capabilities),
                          "weak_knobs": [k for k in info.weak_knobs if k in ATTRIBUTE_KNOBS],
                          "no_vector": [k for k in ATTRIBUTE_KNOBS if k not in vectors],
                          "unavailable": unavailable(info)},
                **({"tool": None if tool is None else {
                    "title": self.server.titles.get((s.instance, TOOL_CLIP), "dropped clip"), "kind": tool.kind,
                    "notes": note_rows(tool.notes), "length": tool.length}} if slots else {}),
                "chords": {"text": format_progression(s.chords), "bars": [list(bar) for bar in s.chords]},
                "models": engine.model_names(), **{k: v for k, v in self.transport(s).items() if k != "type"}}
