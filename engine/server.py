"""The resident engine: one model host, any number of client sessions, bars streamed ahead of
each session's playhead over OSC.

    device --OSC--> bridge (check against the address table) --> Engine handler --> session state
    scheduler tick --> due bars --> inference worker (generate) --> bridge (chunk) --OSC--> device
"""

from __future__ import annotations

import asyncio
import logging
import math
import signal
import sys
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import torch
from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import AsyncIOOSCUDPServer

from segue.bridge import osc
from segue.bridge.addresses import DEFAULT_PORT, KNOBS
from segue.engine import generate, scheduler
from segue.engine.host import DEFAULT, ModelHost, Worker, cpu_threads
from segue.engine.session import ATTRIBUTE_KNOBS, Clip, Session, SessionStore, Slot, Upload
from segue.models.errors import InputError, ModelError, SegueError
from segue.models.inference import LatentModel
from segue.models.notes import NoteSequence, Track

log = logging.getLogger(__name__)
SESSIONLESS = ("/segue/hello", "/segue/ping")  # ping is a health check: it answers anyone allowed
BULK_PRIORITY = 1e9  # encodes and renders wait for due bars


def shipped_models_dir() -> Path | None:
    """The models shipped with Segue: package data, or in the standalone binary (PyInstaller sets
    ``sys.frozen``) the ``models/`` folder beside the executable."""
    if getattr(sys, "frozen", False):
        folder = Path(sys.executable).resolve().parent / "models"
    else:
        from importlib.resources import files

        folder = Path(str(files("segue.models").joinpath("weights")))
    return folder if folder.is_dir() else None


def engine_version() -> str:
    try:
        return version("segue")
    except PackageNotFoundError:
        return "0+unknown"


@dataclass(frozen=True)
class EngineConfig:
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    allow: tuple[str, ...] = ()  # source hosts allowed besides loopback (needed with a non-loopback host)
    models_dir: Path | None = None
    state_dir: Path | None = None
    device: str | None = None
    lookahead_bars: int = 2
    threads: int | None = None  # CPU threads per inference job; None: 1 for small models, all cores for large
    tick_seconds: float = 0.02
    session_idle_seconds: float = 3600.0
    save_every_seconds: float = 0.5


class _Dispatcher(Dispatcher):
    """python-osc's dispatcher, told never to sleep on timetags, handing every datagram to the
    engine (which checks it against the address table and answers errors instead of dropping)."""

    def __init__(self, engine: Engine):
        super().__init__(strict_timing=False)
        self.engine = engine

    def call_handlers_for_packet(self, data: bytes, client_address) -> list:
        self.engine.datagram(data, client_address)
        return []


@dataclass
class _Pending:
    bars: dict[tuple[int, int], bool] = field(default_factory=dict)  # (bar, version) in flight
    newest: dict[int, int] = field(default_factory=dict)  # bar -> the newest version queued for it


class Engine:
    def __init__(self, config: EngineConfig, model: LatentModel):
        self.config = config
        self.models = ModelHost(model, config.models_dir, config.device, shipped_models_dir())
        self.worker = Worker()
        self.store = SessionStore(config.state_dir)
        self.sessions: dict[str, Session] = {}
        self.by_addr: dict[tuple[str, int], str] = {}
        self.caches: dict[str, dict] = {}
        self.pending: dict[str, _Pending] = {}
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] | None = None
        self._tasks: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._warned: dict[str, float] = {}
        # instance -> callbacks (session, bar, version, notes) that get each generated bar besides OSC:
        # a MIDI host plays them. A session with a sink stays open without an OSC client.
        self.bar_sinks: dict[str, list[Callable]] = {}
        self.handlers: dict[str, Callable] = {
            "/segue/hello": self.on_hello, "/segue/ping": self.on_ping, "/segue/goodbye": self.on_goodbye,
            "/segue/model/info": self.on_model_info, "/segue/model/list": self.on_model_list,
            "/segue/model/choose": self.on_model_choose, "/segue/clip/begin": self.on_clip_begin,
            "/segue/clip/notes": self.on_clip_notes, "/segue/clip/end": self.on_clip_end,
            "/segue/slot/encode": self.on_slot_encode, "/segue/slot/sample": self.on_slot_sample,
            "/segue/slot/variation": self.on_slot_variation, "/segue/morph/slots": self.on_morph_slots,
            "/segue/transport/set": self.on_transport_set, "/segue/transport/loop": self.on_transport_loop,
            "/segue/transport/seek": self.on_transport_seek, "/segue/bar/request": self.on_bar_request,
            "/segue/render": self.on_render,
            **{f"/segue/knob/set/{name}": self.on_knob for name in KNOBS},
        }

    # --- lifecycle ----------------------------------------------------------------------------
    async def start(self) -> tuple[str, int]:
        self._loop = asyncio.get_running_loop()
        server = AsyncIOOSCUDPServer((self.config.host, self.config.port), _Dispatcher(self), self._loop)
        self.transport, _ = await server.create_serve_endpoint()
        self.address = self.transport.get_extra_info("sockname")[:2]
        self._tasks = [asyncio.create_task(self._tick_loop()), asyncio.create_task(self._save_loop())]
        return self.address

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for s in self.sessions.values():
            self.store.save(s)
        if self.transport:
            self.transport.close()
        self.worker.close()
        self.models.close()

    def model_of(self, s: Session) -> LatentModel:
        return self.models.cached(s.model) or self.models.cached(DEFAULT)

    # --- receiving ------------------------------------------------------------------------------
    def allowed(self, host: str) -> bool:
        return host.startswith("127.") or host == "::1" or host in self.config.allow

    def _warn_once(self, key: str, message: str, *args) -> None:
        now = time.monotonic()
        if now - self._warned.get(key, -1e9) > 10:
            self._warned[key] = now
            log.warning(message, *args)

    def datagram(self, data: bytes, addr: tuple[str, int]) -> None:
        if not self.allowed(addr[0]):
            self._warn_once("deny:" + addr[0], "dropped a packet from %s: not in --allow", addr[0])
            return
        try:
            messages = osc.parse_packet(data)
        except (osc.ParseError, ValueError, IndexError, UnicodeDecodeError) as e:
            self._warn_once("parse:" + addr[0], "malformed OSC packet from %s:%d: %s", *addr, e)
            self.error(addr, -1, "", f"malformed OSC packet ({len(data)} bytes): {e}")
            return
        for address, params in messages:
            self.handle(address, params, addr)

    def handle(self, address: str, params: list, addr: tuple[str, int]) -> None:
        rid = -1
        try:
            request = osc.check(address, params)
            rid = request.rid
            handler = self.handlers[address]
            session = None if address in SESSIONLESS else self._session_for(addr, address)
            result = handler(request, session, addr)
            if asyncio.iscoroutine(result):
                task = asyncio.ensure_future(self._guard(result, address, rid, addr))
                self._tasks.append(task)
                task.add_done_callback(self._tasks.remove)
        except osc.AddressError as e:
            self.error(addr, e.rid, address, str(e))
        except SegueError as e:
            self.error(addr, rid, address, str(e.args[0] if e.args else e))
        except Exception as e:  # a bug must not take the engine down for everyone
            log.exception("handling %s", address)
            self.error(addr, rid, address, f"internal error: {type(e).__name__}: {e}")

    async def _guard(self, coro, address: str, rid: int, addr) -> None:
        try:
            await coro
        except SegueError as e:
            self.error(addr, rid, address, str(e.args[0] if e.args else e))
        except Exception as e:
            log.exception("handling %s", address)
            self.error(addr, rid, address, f"internal error: {type(e).__name__}: {e}")

    def _session_for(self, addr, address: str) -> Session:
        instance = self.by_addr.get(addr)
        session = self.sessions.get(instance) if instance else None
        if session is None:
            raise InputError(f"no session: send /segue/hello first (then {address})")
        session.touch()
        return session

    # --- sending --------------------------------------------------------------------------------
    def send_to(self, target: tuple[str, int], data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, target)

    def target(self, s: Session) -> tuple[str, int]:
        return (s.host, s.reply_port)

    def reply(self, s: Session, address: str, *args) -> None:
        self.send_to(self.target(s), osc.message(address, *args))

    def error(self, addr: tuple[str, int], rid: int, address: str, message: str) -> None:
        instance = self.by_addr.get(addr)
        s = self.sessions.get(instance) if instance else None
        target = self.target(s) if s and s.reply_port else addr
        self.send_to(target, osc.message("/segue/error", int(rid), address, message[:1000]))

    def send_notes(self, s: Session, address: str, head: tuple, notes) -> int:
        chunks = list(osc.note_chunks(address, head, notes, s.chunk_bytes))
        for chunk in chunks:
            self.send_to(self.target(s), chunk)
        return len(chunks)

    # --- handlers -------------------------------------------------------------------------------
    def on_hello(self, r: osc.Request, _s, addr) -> None:
        instance, reply_port = r.args[0], r.args[1]
        chunk = r.args[2] if len(r.args) > 2 else None
        s = self.sessions.get(instance)
        resumed = s is not None
        if s is None:
            s = self.store.load(instance)
            resumed = s is not None
            if s is None:
                s = Session(instance=instance)
            self.sessions[instance] = s
        for key in [k for k, v in self.by_addr.items() if v == instance]:
            del self.by_addr[key]
        self.by_addr[addr] = instance
        s.host, s.reply_port = addr[0], reply_port
        if chunk:
            s.chunk_bytes = chunk
        s.touch()
        s.sent.clear()  # the client may have restarted: send its bars again
        model = self.model_of(s)
        self.reply(s, "/segue/hello", r.rid, instance, int(resumed), engine_version(), model.config.name,
                   model.device.type, model.meta.licence)
        if resumed and any(slot.mu is None for slot in s.slots.values()):
            task = asyncio.ensure_future(self._guard(self._restore(s), "/segue/hello", r.rid, addr))
            self._tasks.append(task)
            task.add_done_callback(self._tasks.remove)

    async def _restore(self, s: Session) -> None:
        if s.model and s.model != DEFAULT:
            await asyncio.wrap_future(self.models.load(s.model))
        for name, slot in list(s.slots.items()):
            if slot.mu is None:
                await self._fill_slot(s, name, slot)
        s.changed()

    def on_ping(self, r, _s, addr) -> None:
        instance = self.by_addr.get(addr)
        s = self.sessions.get(instance) if instance else None
        target = self.target(s) if s is not None and s.reply_port else addr
        self.send_to(target, osc.message("/segue/pong", r.rid, float(time.monotonic())))

    def on_goodbye(self, r, s: Session, addr) -> None:
        self.reply(s, "/segue/goodbye", r.rid)
        self.store.save(s)
        self.by_addr.pop(addr, None)
        if s.instance in self.bar_sinks:  # a MIDI host still plays this session: only the OSC client leaves
            s.reply_port = 0
            return
        self._forget(s.instance)

    def _forget(self, instance: str) -> None:
        """Drop a closed session and what the engine kept for it (its versions restart if it returns)."""
        self.sessions.pop(instance, None)
        self.caches.pop(instance, None)
        self.pending.pop(instance, None)

    def on_model_info(self, r, s: Session, addr) -> None:
        m = self.model_of(s)
        self.reply(s, "/segue/model/info", r.rid, m.config.name, m.representation.kind, m.window_bars,
                   m.config.z_size, int(not m.untrained), m.device.type, m.meta.licence, s.model or DEFAULT)

    def on_model_list(self, r, s: Session, addr) -> None:
        self.reply(s, "/segue/model/list", r.rid, *self.models.names())

    async def on_model_choose(self, r, s: Session, addr) -> None:
        name = r.args[0]
        if not name:
            raise InputError(f"name a model; available: {', '.join(self.models.names())}")
        model = await asyncio.wrap_future(self.models.load(name))  # on the loader thread
        for slot_name, slot in s.slots.items():
            clip = s.clips.get(slot.source.removeprefix("clip:")) if slot.source.startswith("clip:") else None
            if clip is not None:
                self._check_kind(model, clip.kind, name=slot_name)
        s.model = name
        for slot_name, slot in list(s.slots.items()):
            await self._fill_slot(s, slot_name, slot)
        s.changed()
        self.reply(s, "/segue/model/choose", r.rid, name)

    def on_clip_begin(self, r, s: Session, addr) -> None:
        clip, count, length = r.args[0], r.args[1], r.args[2]
        kind = r.args[3] if len(r.args) > 3 else "notes"
        if kind not in ("notes", "drums"):
            raise InputError(f"kind must be notes or drums, got {kind!r}")
        s.uploads[clip] = Upload(expected=count, length=float(length), kind=kind)
        self.reply(s, "/segue/clip/ack", r.rid, clip, -1)

    def on_clip_notes(self, r, s: Session, addr) -> None:
        clip, seq = r.args[0], r.args[1]
        up = s.uploads.get(clip)
        if up is None:
            raise InputError(f"no upload of clip {clip!r} is open: send /segue/clip/begin first")
        if seq in up.chunks:
            raise InputError(f"chunk {seq} of clip {clip!r} arrived twice")
        up.chunks[seq] = r.notes
        self.reply(s, "/segue/clip/ack", r.rid, clip, seq)

    def on_clip_end(self, r, s: Session, addr) -> None:
        clip, chunks = r.args[0], r.args[1]
        up = s.uploads.get(clip)
        if up is None:
            raise InputError(f"no upload of clip {clip!r} is open")
        missing = [k for k in range(chunks) if k not in up.chunks]
        extra = sorted(k for k in up.chunks if k >= chunks)
        if missing or extra:
            raise InputError(f"clip {clip!r}: missing chunks {missing[:20]}" + (f", unexpected {extra[:20]}"
                             if extra else "") + "; resend them and /segue/clip/end again")
        notes = [n for k in range(chunks) for n in up.chunks[k]]
        if len(notes) != up.expected:
            raise InputError(f"clip {clip!r}: {len(notes)} notes arrived, /segue/clip/begin announced {up.expected}")
        s.clips[clip] = Clip(sorted(notes, key=lambda n: (n.start, n.pitch)), up.length, up.kind)
        del s.uploads[clip]
        s.dirty = True
        self.reply(s, "/segue/clip/ack", r.rid, clip, -2)

    @staticmethod
    def _check_kind(model: LatentModel, clip_kind: str, name: str) -> None:
        rep = model.representation.kind
        if clip_kind == "drums" and rep == "melody":
            raise ModelError(f"{name} is a drum clip, but the model ({model.config.name}) is a melody model: "
                             "choose a drums model or a melodic clip")
        if clip_kind == "notes" and rep == "drums":
            raise ModelError(f"{name} is a melodic clip, but the model ({model.config.name}) is a drums model")

    async def _fill_slot(self, s: Session, name: str, slot: Slot) -> None:
        model = self.model_of(s)
        if slot.source.startswith("clip:"):
            clip = s.clips.get(slot.source[5:])
            if clip is None:
                raise InputError(f"slot {name}: its clip {slot.source[5:]!r} is gone")
            self._check_kind(model, clip.kind, f"clip {slot.source[5:]!r}")
            seq = NoteSequence([Track(list(clip.notes), is_drum=clip.kind == "drums")], qpm=s.transport.tempo)
            enc = await self._run(BULK_PRIORITY, self._encode_clip, model, seq, clip.length)
            slot.mu, slot.bars, slot.padded_bars = enc.mu, enc.clip_bars, enc.padded_bars
        elif slot.source.startswith("sample:"):
            bars = int(slot.source.split(":")[1])
            windows = max(1, math.ceil(bars / model.window_bars))
            slot.mu = model.prior(windows, s.knobs.seed)
            slot.bars, slot.padded_bars = bars, windows * model.window_bars - bars
        elif slot.source.startswith("variation:"):
            src, amount = slot.source.removeprefix("variation:").rsplit(":", 1)  # slot names may hold ':'
            base = s.slots.get(src)
            if base is None or base.mu is None:
                raise InputError(f"slot {name}: its source slot {src!r} is empty")
            g = torch.Generator().manual_seed(s.knobs.seed)
            noise = torch.randn(base.mu.shape, generator=g).to(base.mu)
            slot.mu, slot.bars, slot.padded_bars = base.mu + float(amount) * noise, base.bars, base.padded_bars
        slot.model = model.config.name

    @staticmethod
    def _encode_clip(model: LatentModel, seq: NoteSequence, length: float):
        rep = model.representation
        bars = max(1, math.ceil(length / 4.0 - 1e-9))
        result = rep.to_indices(seq, num_bars=bars)
        from segue.models.representation import split_windows

        win = split_windows(result.indices, model.window_bars, rep.melodic_heads)
        mu, sigma = model.encode(win.windows)
        from segue.models.inference import EncodedClip

        return EncodedClip(mu.cpu(), sigma.cpu(), win.clip_bars, win.padded_bars, seq.qpm,
                           list(result.messages) + list(win.messages))

    async def _run(self, priority: float, fn, model: LatentModel, *args):
        """``fn(model, *args)`` on the inference worker, with the model's CPU thread count."""
        return await asyncio.wrap_future(self.worker.submit(priority, fn, model, *args, threads=self.threads(model)))

    def threads(self, model: LatentModel) -> int:
        return cpu_threads(model, self.config.threads)

    async def _set_slot(self, r, s: Session, name: str, slot: Slot) -> None:
        await self._fill_slot(s, name, slot)
        s.slots[name] = slot
        s.changed()
        self.reply(s, "/segue/slot/encode", r.rid, name, int(slot.mu.shape[0]), slot.bars, slot.padded_bars)

    async def on_slot_encode(self, r, s: Session, addr) -> None:
        name, clip = r.args
        if clip not in s.clips:
            raise InputError(f"no clip {clip!r} has been uploaded (have: {', '.join(s.clips) or 'none'})")
        await self._set_slot(r, s, name, Slot(source=f"clip:{clip}", groove_clip=clip))

    async def on_slot_sample(self, r, s: Session, addr) -> None:
        name, bars = r.args
        await self._set_slot(r, s, name, Slot(source=f"sample:{bars}"))

    async def on_slot_variation(self, r, s: Session, addr) -> None:
        name, source, amount = r.args
        base = s.slots.get(source)
        await self._set_slot(r, s, name, Slot(source=f"variation:{source}:{amount}",
                                              groove_clip=base.groove_clip if base else ""))

    def on_morph_slots(self, r, s: Session, addr) -> None:
        s.morph_slots = (r.args[0], r.args[1])
        s.changed()
        self.reply(s, "/segue/morph/slots", r.rid, *s.morph_slots)

    def on_knob(self, r, s: Session, addr) -> None:
        version = self.set_knob(s, r.address.rsplit("/", 1)[1], r.args[0])
        self.reply(s, r.address, r.rid, r.args[0], version)

    def on_transport_set(self, r, s: Session, addr) -> None:
        playing, tempo, beat, num, den = r.args
        if (num, den) != (4, 4):
            s.transport.playing = False
            raise InputError(f"the song is in {num}/{den}; Segue's models play 4/4 bars, so it stays silent")
        t = s.transport
        t.playing, t.tempo, t.beat, t.at = bool(playing), float(tempo), float(beat), time.monotonic()
        self.reply(s, "/segue/transport/set", r.rid)

    def on_transport_loop(self, r, s: Session, addr) -> None:
        s.transport.loop_start, s.transport.loop_end = float(r.args[0]), float(r.args[1])
        self.reply(s, "/segue/transport/loop", r.rid)

    def on_transport_seek(self, r, s: Session, addr) -> None:
        s.transport.beat, s.transport.at = float(r.args[0]), time.monotonic()
        s.sent.clear()  # bars from the new position are generated afresh, even ones sent before
        self.reply(s, "/segue/transport/seek", r.rid)

    def on_bar_request(self, r, s: Session, addr) -> None:
        self._queue_bar(s, r.args[0], priority=time.monotonic())

    async def on_render(self, r, s: Session, addr) -> None:
        steps = r.args[0]
        model = self.model_of(s)
        base = self.snapshot(s)
        bars = base.windows * model.window_bars
        self.send_to(self.target(s), osc.message("/segue/render/begin", r.rid, steps, bars))
        for step in range(steps):
            snap = generate.Snapshot(**{**base.__dict__, "morph": step / (steps - 1), "version": -1})
            notes = await self._run(BULK_PRIORITY, generate.render_step, model, snap)
            self.send_notes(s, "/segue/render/notes", (r.rid, step), notes)
        self.send_to(self.target(s), osc.message("/segue/render/end", r.rid))

    # --- for code besides OSC (a MIDI host) ------------------------------------------------------
    # Engine state belongs to the event loop: from another thread, run these through ``call``.
    def call(self, fn: Callable, *args) -> Future:
        """Run ``fn(*args)`` on the engine's loop (awaited when it is a coroutine function);
        thread-safe. The future holds its result or exception."""
        if self._loop is None:
            raise RuntimeError("the engine has not started")

        async def inside():
            result = fn(*args)
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(inside(), self._loop)

    def open_session(self, instance: str) -> Session:
        """The session of ``instance``: open, saved (restored, its slots re-encoded) or new."""
        s = self.sessions.get(instance)
        if s is None:
            s = self.store.load(instance) or Session(instance=instance)
            self.sessions[instance] = s
            if any(slot.mu is None for slot in s.slots.values()):
                task = asyncio.ensure_future(self._restore(s))
                task.add_done_callback(lambda t: t.cancelled() or t.exception() is None or log.error(
                    "restoring the slots of %s: %s", instance, t.exception()))
        s.touch()
        return s

    def add_bar_sink(self, instance: str, sink: Callable) -> Session:
        """Call ``sink(session, bar, version, notes)`` with each bar generated for ``instance``
        (besides any OSC client of that session), and keep the session open while it is there."""
        self.bar_sinks.setdefault(instance, []).append(sink)
        return self.open_session(instance)

    def remove_bar_sink(self, instance: str, sink: Callable) -> None:
        sinks = self.bar_sinks.get(instance, [])
        if sink in sinks:
            sinks.remove(sink)
        if not sinks:
            self.bar_sinks.pop(instance, None)
        s = self.sessions.get(instance)
        if s is not None:
            self.store.save(s)

    def set_knob(self, s: Session, name: str, value) -> int:
        """Set a knob as /segue/knob/set/<name> does (same checks); the session's new version."""
        arg = KNOBS.get(name)
        if arg is None:
            raise InputError(f"no knob {name!r} (knobs: {', '.join(KNOBS)})")
        problem = arg.check(value, name)
        if problem:
            raise InputError(f"{name}: {problem}")
        try:
            s.knobs.set(name, value)
        except ValueError as e:
            raise InputError(str(e)) from None
        s.changed()
        self.tick_session(s, time.monotonic())  # regenerate its coming bars now, not at the next tick
        return s.version

    def set_transport(self, s: Session, playing: bool, tempo: float, beat: float, at: float | None = None) -> None:
        t = s.transport
        t.playing, t.tempo, t.beat = bool(playing), float(tempo), float(beat)
        t.at = time.monotonic() if at is None else at

    def seek(self, s: Session, beat: float, at: float | None = None) -> None:
        s.transport.beat, s.transport.at = float(beat), time.monotonic() if at is None else at
        s.sent.clear()

    def request_bar(self, s: Session, bar: int) -> None:
        """Generate one bar now, whatever the transport (as /segue/bar/request)."""
        self._queue_bar(s, bar, priority=time.monotonic())

    def set_morph_slots(self, s: Session, a: str, b: str) -> None:
        s.morph_slots = (a, b)
        s.changed()

    async def encode_into_slot(self, s: Session, slot: str, clip_name: str, clip: Clip) -> Slot:
        """Keep ``clip`` as ``clip_name`` and encode it into ``slot`` (like clip upload + /slot/encode)."""
        s.clips[clip_name] = clip
        s.dirty = True
        filled = Slot(source=f"clip:{clip_name}", groove_clip=clip_name)
        await self._fill_slot(s, slot, filled)
        s.slots[slot] = filled
        s.changed()
        return filled

    async def sample_into_slot(self, s: Session, slot: str, bars: int) -> Slot:
        filled = Slot(source=f"sample:{int(bars)}")
        await self._fill_slot(s, slot, filled)
        s.slots[slot] = filled
        s.changed()
        return filled

    # --- bars -----------------------------------------------------------------------------------
    def snapshot(self, s: Session) -> generate.Snapshot:
        a_name, b_name = s.morph_slots
        a, b = s.slots.get(a_name), s.slots.get(b_name)
        mu_a = a.mu if a is not None else None
        mu_b = b.mu if b is not None else None
        near = a if (s.knobs.morph < 0.5 or b is None) else b
        groove = None
        if near is not None and near.groove_clip in s.clips and s.knobs.shape.groove > 0:
            groove = s.clips[near.groove_clip].groove
        return generate.Snapshot(version=s.version, mu_a=mu_a, mu_b=mu_b, morph=s.knobs.morph,
                                 temperature=s.knobs.temperature, seed=s.knobs.seed,
                                 attributes=tuple(sorted(s.knobs.attributes.items())), shape=s.knobs.shape,
                                 groove=groove)

    def _queue_bar(self, s: Session, bar: int, priority: float) -> None:
        pending = self.pending.setdefault(s.instance, _Pending())
        key = (bar, s.version)
        if key in pending.bars:
            return
        pending.bars[key] = True
        pending.newest[bar] = max(pending.newest.get(bar, -1), s.version)
        snap = self.snapshot(s)
        model = self.model_of(s)
        cache = self.caches.setdefault(s.instance, {})
        future = self.worker.submit(priority, self._bar_job, s, model, snap, bar, cache, pending,
                                    threads=self.threads(model))
        loop = self._loop

        def done(f) -> None:
            loop.call_soon_threadsafe(self._bar_done, s, bar, snap, f)

        future.add_done_callback(done)

    @staticmethod
    def _bar_job(s: Session, model: LatentModel, snap: generate.Snapshot, bar: int, cache: dict,
                 pending: _Pending):
        """On the worker: skip a bar that a newer version will replace before anyone hears this one:
        a newer version of it is queued (it runs next: same bar, same deadline), or the session
        moved on and an older version already went out. Otherwise generate it."""
        if pending.newest.get(bar, snap.version) > snap.version:
            return None
        if s.version > snap.version and s.sent.get(bar) is not None:
            return None
        return generate.bar_notes(model, snap, bar, cache)

    def _bar_done(self, s: Session, bar: int, snap: generate.Snapshot, future) -> None:
        self.pending.get(s.instance, _Pending()).bars.pop((bar, snap.version), None)
        if self.sessions.get(s.instance) is not s:
            return  # the session left meanwhile
        exc = future.exception()
        if exc is not None:
            log.error("bar %d for %s failed: %s", bar, s.instance, exc)
            if s.reply_port:
                self.send_to(self.target(s), osc.message("/segue/error", -1, "/segue/bar/begin",
                                                         f"bar {bar} could not be generated: {exc}"))
            return
        notes = future.result()
        if notes is None or s.sent.get(bar, -1) > snap.version:
            return  # superseded: a newer version is (or will be) sent instead
        for sink in list(self.bar_sinks.get(s.instance, ())):
            try:
                sink(s, bar, snap.version, notes)
            except Exception:
                log.exception("bar sink of %s", s.instance)
        if not s.reply_port:
            s.sent[bar] = snap.version
            return
        chunks = list(osc.note_chunks("/segue/bar/notes", (bar, snap.version), notes, s.chunk_bytes))
        amounts = dict(snap.attributes)
        self.send_to(self.target(s), osc.message(
            "/segue/bar/begin", bar, snap.version, len(notes), len(chunks), float(snap.morph),
            float(snap.temperature), int(snap.seed), *(float(amounts.get(a, 0.0)) for a in ATTRIBUTE_KNOBS)))
        for chunk in chunks:
            self.send_to(self.target(s), chunk)
        self.send_to(self.target(s), osc.message("/segue/bar/end", bar, snap.version))
        s.sent[bar] = snap.version

    def tick(self, now: float) -> None:
        """Queue every bar that is due and not yet sent at its session's current version."""
        for s in list(self.sessions.values()):
            self.tick_session(s, now)

    def tick_session(self, s: Session, now: float) -> None:
        if not (s.transport.playing and (s.reply_port or s.instance in self.bar_sinks)):
            return
        due = scheduler.upcoming(s.transport, now, self.config.lookahead_bars)
        for d in scheduler.needs_generation(due, s.sent, s.version):
            self._queue_bar(s, d.bar, priority=now + d.starts_in)
        if len(s.sent) > 256:  # forget bars far behind the playhead
            current = due[0].bar
            newest = self.pending.get(s.instance, _Pending()).newest
            for bar in [b for b in s.sent if b < current - 8]:
                del s.sent[bar]
                newest.pop(bar, None)

    async def _tick_loop(self) -> None:
        while True:
            try:
                self.tick(time.monotonic())
            except Exception:  # one session's broken state must not stop everyone's bars
                log.exception("scheduler tick failed")
            await asyncio.sleep(self.config.tick_seconds)

    async def _save_loop(self) -> None:
        while True:
            await asyncio.sleep(self.config.save_every_seconds)
            now = time.monotonic()
            for s in list(self.sessions.values()):
                if s.dirty:
                    self.store.save(s)
                if now - s.last_seen > self.config.session_idle_seconds and s.instance not in self.bar_sinks:
                    log.info("session %s idle: saved and closed", s.instance)
                    self.store.save(s)
                    self._forget(s.instance)
                    for key in [k for k, v in self.by_addr.items() if v == s.instance]:
                        del self.by_addr[key]


async def serve(config: EngineConfig, model: LatentModel, ready: Callable[[str], None] = print,
                stop: asyncio.Event | None = None, midi=None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set); prints one ready line. With ``midi`` (a
    ``segue.engine.midi_host.MidiSettings``) a MIDI host plays a session on MIDI ports too; when
    its ports cannot open, the error is logged and the engine serves OSC alone."""
    engine = Engine(config, model)
    host, port = await engine.start()
    midi_host = None
    if midi is not None:
        from segue.engine.midi_host import open_host

        try:
            midi_host = open_host(engine, midi)
        except SegueError as e:
            log.error("MIDI is off: %s. The engine keeps serving OSC.", e.args[0] if e.args else e)
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    state = "untrained" if model.untrained else "trained"
    ready(f"segue engine ready: udp://{host}:{port} model {model.config.name} ({state}, "
          f"licence: {model.meta.licence}) device {model.device.type}")
    if midi_host is not None:
        ready(midi_host.describe())
    try:
        await stop.wait()
    finally:
        if midi_host is not None:
            midi_host.close()
        await engine.stop()
        log.info("segue engine stopped")
