"""The engine's core: sessions, slots, the bar pipeline and the listeners bars go to.

Every adapter (OSC in ``engine/osc_server.py``, the MIDI session in ``engine/midi/``, a web
panel) calls the same public methods of :class:`Engine` and receives bars through a
:class:`Listener`; none of them reaches inside. The core knows no wire: it imports nothing of
python-osc or of ``segue.bridge.osc``.

    adapter --> Engine.set_knob / set_transport / encode_into_slot ... --> session state
    tick --> scheduler (due bars) --> worker (generate: models, shaping) --> listeners' bar()

Engine state belongs to the event loop. From another thread, go through :meth:`Engine.call`.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field

import torch

from segue.bridge.addresses import KNOBS
from segue.engine import generate, scheduler
from segue.engine.api import Bar, EngineConfig, Listener, ModelInfo
from segue.engine.session import Clip, FromClip, FromSample, FromVariation, Session, Slot
from segue.engine.store import MAX_CHORD_BARS, Saver, SessionStore, restore
from segue.engine.worker import DEFAULT, ONE_THREAD_DECODER, ModelCache, Worker, cpu_threads
from segue.models.chords import chords_from_notes, encode_chord, format_progression, parse_progression
from segue.models.errors import InputError, ModelError
from segue.models.groove import regroove
from segue.models.inference import LatentModel
from segue.models.loading import shipped_models_dir
from segue.models.notes import BEATS_PER_BAR, Note, NoteSequence, Track

log = logging.getLogger(__name__)
BULK_PRIORITY = 1e9  # encodes and renders wait for due bars
PRIMING_DELAY = 0.5  # seconds: a stopped session's next bars queue behind bars due this soon
PRUNE_EVERY = 3600.0  # seconds between sweeps of abandoned session files
REQUEST_SLACK = 1.0  # seconds: a requested bar queues behind every bar due within this
MAX_REQUESTED = 8  # requested bars a session may have waiting at once
MAX_CLIPS, MAX_SESSION_NOTES, MAX_SLOTS = 64, 50_000, 64  # per session (docs/engine.md, Limits)
RENDER_FIDELITY = 8  # candidates per window in renders (models/fidelity.py; docs/model.md has the figures)
LIVE_FIDELITY = 4  # in live bars, when the time allows: a flat small model, the bar a second away, no backlog
FIDELITY_SLACK, FIDELITY_BACKLOG = 1.0, 2


@dataclass
class _Pending:
    bars: dict[tuple[int, int], bool] = field(default_factory=dict)  # (bar, version) in flight -> requested
    newest: dict[int, int] = field(default_factory=dict)  # bar -> the newest version queued for it


class Render:
    """Steps of the morph from A to B for writing clips: ``bars`` bars per step."""

    def __init__(self, engine: Engine, s: Session, steps: int):
        self.engine, self.steps = engine, steps
        self.model = engine.model_of(s)
        self.base = generate.snapshot_of(s)
        self.bars = self.base.windows * self.model.window_bars

    async def step(self, k: int) -> list[Note]:
        snap = generate.Snapshot(**{**self.base.__dict__, "morph": k / (self.steps - 1), "version": -1,
                                    "fidelity": RENDER_FIDELITY,
                                    "corners": None})  # the A->B morph, also while the XY pad is on
        return await self.engine.run(BULK_PRIORITY, generate.render_step, self.model, snap)


class Engine:
    def __init__(self, config: EngineConfig, model: LatentModel):
        self.config = config
        self.models = ModelCache(model, config.models_dir, config.device, shipped_models_dir())
        self.worker = Worker()
        self.store = SessionStore(config.state_dir)
        self.saver = Saver(self.store, self._save_trouble)
        self.sessions: dict[str, Session] = {}
        self.listeners: dict[str, list[Listener]] = {}
        self.caches: dict[str, dict] = {}
        self.pending: dict[str, _Pending] = {}
        self._tasks: list[asyncio.Task] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    # --- lifecycle ------------------------------------------------------------------------------
    async def start(self) -> None:
        self._loop = asyncio.get_running_loop()
        self._tasks = [asyncio.create_task(self._tick_loop()), asyncio.create_task(self._save_loop())]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
        for s in self.sessions.values():
            self.saver.put(s.instance, s.to_json())
        self.saver.close()
        self.worker.close()
        self.models.close()

    def call(self, fn: Callable, *args) -> Future:
        """Run ``fn(*args)`` on the engine's loop (awaited when it is a coroutine function);
        thread-safe. The future holds its result or exception."""
        if self._loop is None:
            raise RuntimeError("the engine has not started")

        async def inside():
            result = fn(*args)
            return await result if asyncio.iscoroutine(result) else result

        return asyncio.run_coroutine_threadsafe(inside(), self._loop)

    def on_loop(self) -> bool:
        """Whether the caller runs on the engine's event loop (then call engine methods directly)."""
        try:
            return self._loop is not None and asyncio.get_running_loop() is self._loop
        except RuntimeError:
            return False

    def spawn(self, coro, on_error: Callable[[Exception], None]) -> asyncio.Task:
        """Run ``coro`` on the loop as a task the engine keeps until it ends (cancelled at stop);
        its failure goes to ``on_error``."""
        async def guarded():
            try:
                await coro
            except Exception as e:  # reported, never raised into asyncio
                on_error(e)

        task = asyncio.ensure_future(guarded())
        self._tasks.append(task)
        task.add_done_callback(self._tasks.remove)
        return task

    # --- sessions and listeners -------------------------------------------------------------------
    def session(self, instance: str) -> Session | None:
        return self.sessions.get(instance)

    def open_sessions(self) -> list[str]:
        """The instance ids of the open sessions (a MIDI session's is ``midi:<port>``)."""
        return list(self.sessions)

    def attach(self, instance: str, listener: Listener) -> tuple[Session, bool]:
        """Open (or resume) the session of ``instance`` and send its bars to ``listener`` too.
        Returns the session and whether it existed before (open, or saved from an earlier run).
        A restored session's slots are re-encoded in the background; failures go to ``problem``."""
        s = self.sessions.get(instance)
        resumed, problems = s is not None, []
        if s is None:
            kept = self.saver.pending(instance)  # closed, but not on disk yet: newer than the file
            s, problems = restore(kept, instance) if kept else self.store.load(instance)
            resumed = s is not None
            s = s or Session(instance=instance)
            self.sessions[instance] = s
        listeners = self.listeners.setdefault(instance, [])
        if listener not in listeners:
            listeners.append(listener)
        if problems:
            self._problem(s, "/segue/hello", "the saved session was damaged: " + "; ".join(problems))
        s.touch()
        s.sent.clear()  # a client may have restarted: send its bars again
        if any(slot.mu is None for slot in s.slots.values()):
            self.spawn(self._restore(s), lambda e: self._problem(s, "/segue/hello", e))
        return s, resumed

    def detach(self, instance: str, listener: Listener) -> None:
        """``listener`` leaves. The session is saved, and closed when no listener is left."""
        listeners = self.listeners.get(instance, [])
        if listener in listeners:
            listeners.remove(listener)
        s = self.sessions.get(instance)
        if s is not None and not s.is_blank():  # a hello and a goodbye with nothing made leave no file
            self.saver.put(instance, s.to_json())  # written at the next save pass, off the loop
            s.dirty = False
        if not listeners:
            self._forget(instance, notify=False)

    def touch(self, s: Session) -> None:
        s.touch()

    def resend(self, s: Session) -> None:
        """Send the session's coming bars again (a client that could not take them before)."""
        s.sent.clear()
        self.tick_session(s, time.monotonic())

    def _forget(self, instance: str, notify: bool = True) -> None:
        """Drop a closed session and what the engine kept for it (its versions restart if it returns)."""
        s = self.sessions.pop(instance, None)
        listeners = self.listeners.pop(instance, [])
        self.caches.pop(instance, None)
        self.pending.pop(instance, None)
        if notify and s is not None:
            for x in listeners:
                x.closed(s)

    def _problem(self, s: Session, where: str, error: Exception | str) -> None:
        message = str(error.args[0] if isinstance(error, Exception) and error.args else error)
        if isinstance(error, Exception) and not isinstance(error, (InputError, ModelError)):
            log.error("%s for %s: %s", where, s.instance, error)
        for x in list(self.listeners.get(s.instance, ())):
            try:
                x.problem(s, where, message)
            except Exception:
                log.exception("listener of %s", s.instance)

    async def _restore(self, s: Session) -> None:
        if s.model and s.model != DEFAULT:
            await asyncio.wrap_future(self.models.load(s.model))
        for name, slot in sorted(s.slots.items(), key=lambda kv: isinstance(kv[1].source, FromVariation)):
            if slot.mu is None:  # variations last: their source slots first
                await self._fill_slot(s, name, slot)
        s.changed()

    # --- models ---------------------------------------------------------------------------------
    def model_of(self, s: Session) -> LatentModel:
        return self.models.cached(s.model) or self.models.cached(DEFAULT)

    def model_names(self) -> list[str]:
        return self.models.names()

    def model_info(self, s: Session) -> ModelInfo:
        m = self.model_of(s)
        return ModelInfo(m.config.name, m.representation.kind, m.window_bars, m.config.z_size, not m.untrained,
                         m.device.type, m.meta.licence, s.model or DEFAULT, m.capabilities)

    def model_card(self, s: Session) -> str | None:
        """The model card of the session's model (``NAME.md`` beside ``NAME.safetensors`` in the
        models folders), or None. The default model's card is ``default.md`` when its config is the
        one the card names."""
        name = s.model or DEFAULT
        for folder in self.models.dirs:
            path = folder / f"{name}.md"
            if path.is_file():
                text = path.read_text(encoding="utf-8", errors="replace")
                if name != DEFAULT or self.model_of(s).config.name in text:
                    return text
        return None

    async def choose_model(self, s: Session, name: str) -> None:
        """Switch the session's model (loaded on the loader thread); its slots are re-encoded."""
        if not name:
            raise InputError(f"name a model; available: {', '.join(self.models.names())}")
        model = await asyncio.wrap_future(self.models.load(name))
        for slot_name, slot in s.slots.items():
            clip = s.clips.get(slot.source.clip) if isinstance(slot.source, FromClip) else None
            if clip is not None:
                generate.check_clip_kind(model, clip.kind, name=slot_name)
        s.model = name
        for slot_name, slot in list(s.slots.items()):
            await self._fill_slot(s, slot_name, slot)
        s.changed()

    async def run(self, priority: float, fn, model: LatentModel, *args):
        """``fn(model, *args)`` on the inference worker, with the model's CPU thread count."""
        return await asyncio.wrap_future(self.worker.submit(priority, fn, model, *args, threads=self.threads(model)))

    def threads(self, model: LatentModel) -> int:
        return cpu_threads(model, self.config.threads)

    # --- clips and slots ----------------------------------------------------------------------------
    def put_clip(self, s: Session, name: str, clip: Clip) -> None:
        """Keep ``clip`` as ``name`` in the session (a clip of that name is replaced), within the
        session's limits: ``MAX_CLIPS`` clips, ``MAX_SESSION_NOTES`` notes in all."""
        others = [c for k, c in s.clips.items() if k != name]
        if len(others) >= MAX_CLIPS:
            raise InputError(f"a session holds at most {MAX_CLIPS} clips: replace one (same name) instead")
        total = sum(len(c.notes) for c in others) + len(clip.notes)
        if total > MAX_SESSION_NOTES:
            raise InputError(f"a session holds at most {MAX_SESSION_NOTES} notes in all its clips; with "
                             f"{name!r} it would hold {total}")
        s.clips[name] = Clip(sorted(clip.notes, key=lambda n: (n.start, n.pitch)), clip.length, clip.kind)
        s.dirty = True

    async def encode_into_slot(self, s: Session, slot: str, clip_name: str) -> Slot:
        if clip_name not in s.clips:
            raise InputError(f"no clip {clip_name!r} has been uploaded (have: {', '.join(s.clips) or 'none'})")
        return await self._set_slot(s, slot, Slot(source=FromClip(clip_name), groove_clip=clip_name))

    async def sample_into_slot(self, s: Session, slot: str, bars: int, seed: int | None = None) -> Slot:
        """A draw from the prior, keyed by ``seed`` (None: the seed knob)."""
        return await self._set_slot(s, slot, Slot(source=FromSample(int(bars), seed)))

    async def vary_into_slot(self, s: Session, slot: str, source: str, amount: float, seed: int | None = None) -> Slot:
        """``source``'s codes plus ``amount`` times noise keyed by ``seed`` (None: the seed knob)."""
        base = s.slots.get(source)
        return await self._set_slot(s, slot, Slot(source=FromVariation(source, float(amount), seed),
                                                  groove_clip=base.groove_clip if base else ""))

    def clear_slot(self, s: Session, name: str) -> None:
        """Empty a slot (no error when it is empty already)."""
        if s.slots.pop(name, None) is not None:
            s.changed()
            self.tick_session(s, time.monotonic())

    async def _set_slot(self, s: Session, name: str, slot: Slot) -> Slot:
        if name not in s.slots and len(s.slots) >= MAX_SLOTS:
            raise InputError(f"a session holds at most {MAX_SLOTS} slots: fill one it has instead")
        await self._fill_slot(s, name, slot)
        s.slots[name] = slot
        s.changed()
        return slot

    async def _fill_slot(self, s: Session, name: str, slot: Slot) -> None:
        model = self.model_of(s)
        src = slot.source
        if isinstance(src, FromClip):
            clip = s.clips.get(src.clip)
            if clip is None:
                raise InputError(f"slot {name}: its clip {src.clip!r} is gone")
            generate.check_clip_kind(model, clip.kind, f"clip {src.clip!r}")
            seq = NoteSequence([Track(list(clip.notes), is_drum=clip.kind == "drums")], qpm=s.transport.tempo)
            bars = max(1, math.ceil(clip.length / BEATS_PER_BAR - 1e-9))
            controls = self.clip_controls(s, model)
            enc = await self.run(BULK_PRIORITY, lambda m: m.encode_clip(seq, bars=bars, **controls), model)
            slot.mu, slot.bars, slot.padded_bars = enc.mu.cpu(), enc.clip_bars, enc.padded_bars
        elif isinstance(src, FromSample):
            windows = max(1, math.ceil(src.bars / model.window_bars))
            slot.mu = model.prior(windows, s.knobs.seed if src.seed is None else src.seed)
            slot.bars, slot.padded_bars = src.bars, windows * model.window_bars - src.bars
        elif isinstance(src, FromVariation):
            base = s.slots.get(src.slot)
            if base is None or base.mu is None:
                raise InputError(f"slot {name}: its source slot {src.slot!r} is empty")
            g = torch.Generator().manual_seed(s.knobs.seed if src.seed is None else src.seed)
            noise = torch.randn(base.mu.shape, generator=g).to(base.mu)
            slot.mu, slot.bars, slot.padded_bars = base.mu + src.amount * noise, base.bars, base.padded_bars
        slot.model = model.config.name

    # --- knobs and transport ------------------------------------------------------------------------
    def set_morph_slots(self, s: Session, a: str, b: str) -> None:
        s.morph_slots = (a, b)
        s.changed()

    def set_xy_slots(self, s: Session, a: str, b: str, c: str, d: str) -> None:
        """The XY pad's corners (top left, top right, bottom left, bottom right); all four empty
        turns the pad off and the morph knob moves between the morph slots again."""
        s.xy_slots = (a, b, c, d)
        s.changed()
        self.tick_session(s, time.monotonic())

    def set_xy(self, s: Session, x: float, y: float) -> int:
        """Move the XY pad's puck (the xy_x and xy_y knobs at once): one new version."""
        for name, value in (("xy_x", x), ("xy_y", y)):
            problem = KNOBS[name].check(value, name)
            if problem:
                raise InputError(f"{name}: {problem}")
        s.knobs.set("xy_x", x)
        s.knobs.set("xy_y", y)
        s.changed()
        self.tick_session(s, time.monotonic())
        return s.version

    def set_knob(self, s: Session, name: str, value) -> int:
        """Set a knob (the address table's range, then the knob's own rules); the session's new version.
        Its coming bars are queued again at once, not at the next tick."""
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
        self.tick_session(s, time.monotonic())
        return s.version

    def set_transport(self, s: Session, playing: bool, tempo: float, beat: float, numerator: int = 4,
                      denominator: int = 4, at: float | None = None) -> None:
        """The song's transport as the client sees it ``at`` (time.monotonic(); now by default)."""
        if (numerator, denominator) != (4, 4):
            s.transport.playing = False
            raise InputError(f"the song is in {numerator}/{denominator}; Segue's models play 4/4 bars, "
                             "so it stays silent")
        t = s.transport
        t.playing, t.tempo, t.beat = bool(playing), float(tempo), float(beat)
        t.at = time.monotonic() if at is None else at

    def set_loop(self, s: Session, start: float, end: float) -> None:
        s.transport.loop_start, s.transport.loop_end = float(start), float(end)

    def seek(self, s: Session, beat: float, at: float | None = None) -> None:
        """Jump the playhead; bars from there are generated afresh, even ones sent before."""
        s.transport.beat, s.transport.at = float(beat), time.monotonic() if at is None else at
        s.sent.clear()

    def request_bar(self, s: Session, bar: int) -> None:
        """Generate one bar, whatever the transport: as soon as every bar due within
        ``REQUEST_SLACK`` has gone, so that no client's requests make another's bars late. A
        session may have ``MAX_REQUESTED`` requested bars waiting; one asked again is not redone."""
        pending = self.pending.setdefault(s.instance, _Pending())
        if (bar, s.version) not in pending.bars and sum(pending.bars.values()) >= MAX_REQUESTED:
            raise InputError(f"{MAX_REQUESTED} requested bars are still being made: ask again when they arrive")
        self._queue_bar(s, bar, priority=time.monotonic() + REQUEST_SLACK, requested=True)

    def render(self, s: Session, steps: int) -> Render:
        return Render(self, s, steps)

    # --- chords, groove, drumify (for the models that take them: ModelInfo.capabilities) -------------
    def clip_controls(self, s: Session, model: LatentModel) -> dict:
        """What a conditioned model reads beside a clip: the session's chords and key."""
        if not model.model.controls:
            return {}
        key = generate.key_of(s.knobs.shape)
        return {"chords": s.chords or None, "key": 0 if key is None else key}

    async def set_chords(self, s: Session, progression: str) -> str:
        """The session's chord progression: a chord per bar, looped with the song ("C G Am F"; "C G |
        Am" puts two in a bar; "" for none). Chord models read it bar by bar in every bar, sample,
        morph and shift; slots encoded from clips are encoded again with it. Returns it as read."""
        bars = parse_progression(progression) if progression.strip() else []
        if len(bars) > MAX_CHORD_BARS:
            raise InputError(f"a progression holds at most {MAX_CHORD_BARS} bars, got {len(bars)}")
        model = self.model_of(s)
        encoder = model.model.controls.chords
        for chord in (c for bar in bars for c in bar) if encoder else ():
            encode_chord(chord, encoder)  # one this model's encoder cannot take is refused before anything changes
        s.chords = bars
        if encoder:
            for name, slot in list(s.slots.items()):
                if isinstance(slot.source, FromClip):
                    await self._fill_slot(s, name, slot)
        s.changed()
        return format_progression(bars)

    async def chords_from_clip(self, s: Session, clip_name: str) -> str:
        """Read a chord per bar off an uploaded clip (its harmony) and make it the progression."""
        clip = s.clips.get(clip_name)
        if clip is None:
            raise InputError(f"no clip {clip_name!r} has been uploaded (have: {', '.join(s.clips) or 'none'})")
        bars = max(1, math.ceil(clip.length / BEATS_PER_BAR - 1e-9))
        return await self.set_chords(s, " ".join(chords_from_notes(clip.notes, bars)))

    async def regroove_clip(self, s: Session, clip_name: str, amount: float, temperature: float = 0.0,
                            tap: bool = False) -> tuple[list[Note], float]:
        """Groove an uploaded drum clip (``tap``: drumify any clip) with the session's GrooVAE model,
        ``amount`` blending the grid and the model's timing and velocities: the new clip's notes
        (beats from its start, velocities and micro-timing kept) and its length in beats."""
        clip = s.clips.get(clip_name)
        if clip is None:
            raise InputError(f"no clip {clip_name!r} has been uploaded (have: {', '.join(s.clips) or 'none'})")
        model = self.model_of(s)
        if not tap and model.representation.kind == "groove":
            generate.check_clip_kind(model, clip.kind, f"clip {clip_name!r}")
        seq = NoteSequence([Track(list(clip.notes), is_drum=clip.kind == "drums")], qpm=s.transport.tempo)
        bars = max(1, math.ceil(clip.length / BEATS_PER_BAR - 1e-9))
        out, _ = await self.run(BULK_PRIORITY, lambda m: regroove(m, seq, bars, float(amount), float(temperature),
                                                                  s.knobs.seed, tap), model)
        notes = sorted((n for t in out.tracks for n in t.notes), key=lambda n: (n.start, n.pitch))
        return notes, bars * BEATS_PER_BAR

    # --- bars -------------------------------------------------------------------------------------
    def _queue_bar(self, s: Session, bar: int, priority: float, requested: bool = False) -> None:
        pending = self.pending.setdefault(s.instance, _Pending())
        key = (bar, s.version)
        if key in pending.bars:
            return
        pending.bars[key] = requested
        pending.newest[bar] = max(pending.newest.get(bar, -1), s.version)
        snap = generate.snapshot_of(s)
        model = self.model_of(s)
        if self._time_for_fidelity(model, priority - time.monotonic()):
            snap = dataclasses.replace(snap, fidelity=LIVE_FIDELITY)
        cache = self.caches.setdefault(s.instance, {})
        future = self.worker.submit(priority, generate.bar_job, s, model, snap, bar, cache, pending.newest,
                                    threads=self.threads(model))
        loop = self._loop

        def done(f) -> None:
            loop.call_soon_threadsafe(self._bar_done, s, bar, snap, f)

        future.add_done_callback(done)

    def _time_for_fidelity(self, model: LatentModel, slack: float) -> bool:
        """A live bar is decoded faithfully (several candidates) when that costs no bar its time:
        a small flat model, the bar at least FIDELITY_SLACK away, and the worker all but idle."""
        return (model.config.decoder == "flat" and model.decoder_parameters <= ONE_THREAD_DECODER
                and slack >= FIDELITY_SLACK and self.worker.backlog() <= FIDELITY_BACKLOG)

    def _bar_done(self, s: Session, bar: int, snap: generate.Snapshot, future) -> None:
        self.pending.get(s.instance, _Pending()).bars.pop((bar, snap.version), None)
        if self.sessions.get(s.instance) is not s:
            return  # the session left meanwhile
        exc = future.exception()
        if exc is not None:
            log.error("bar %d for %s failed: %s", bar, s.instance, exc)
            self._problem(s, "/segue/bar/begin", f"bar {bar} could not be generated: {exc}")
            return
        notes = future.result()
        if notes is None or s.sent.get(bar, -1) > snap.version:
            return  # superseded: a newer version is (or will be) sent instead
        out = Bar(bar, snap.version, notes, float(snap.morph), float(snap.temperature), int(snap.seed),
                  dict(snap.attributes), xy=snap.xy if snap.corners is not None else None)
        for x in list(self.listeners.get(s.instance, ())):
            try:
                x.bar(s, out)
            except Exception:
                log.exception("bar listener of %s", s.instance)
        s.sent[bar] = snap.version

    def tick(self, now: float) -> None:
        """Queue every bar that is due and not yet sent at its session's current version."""
        for s in list(self.sessions.values()):
            self.tick_session(s, now)

    def tick_session(self, s: Session, now: float) -> None:
        """Queue the session's bars that need generating: while playing, the bar under the playhead
        and the next ``lookahead`` bars; while stopped, the bar at the playhead and the next one, so
        that Play finds them ready (the downbeat is never lost)."""
        if not self.listeners.get(s.instance):
            return
        if not s.transport.playing:
            bar = scheduler.bar_of(s.transport.beat)
            primed = [scheduler.Due(b, PRIMING_DELAY, False) for b in (bar, bar + 1)]
            for d in scheduler.needs_generation(primed, s.sent, s.version):
                self._queue_bar(s, d.bar, priority=now + d.starts_in)
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
        """Every ``save_every_seconds``: hand changed sessions to the saver, close idle ones (their
        state stays with the saver until it is on disk), write; prune old files now and then."""
        pruned = -PRUNE_EVERY
        while True:
            await asyncio.sleep(self.config.save_every_seconds)
            now = time.monotonic()
            try:
                for s in list(self.sessions.values()):
                    idle = now - s.last_seen > self.config.session_idle_seconds
                    if (s.dirty or (idle and not self._kept_open(s))) and not s.is_blank():
                        self.saver.put(s.instance, s.to_json())
                        s.dirty = False
                    if idle and not self._kept_open(s):
                        log.info("session %s idle: closed", s.instance)
                        self._forget(s.instance)
                await self.saver.flush(now)
                if now - pruned > PRUNE_EVERY:
                    pruned = now
                    await self.saver.prune(keep=set(self.sessions))
            except Exception:  # saving must go on, whatever one pass meets
                log.exception("saving sessions")

    def _kept_open(self, s: Session) -> bool:
        return any(x.keep_open for x in self.listeners.get(s.instance, ()))

    def _save_trouble(self, error: str | None) -> None:
        """Saving fails (``error``) or works again (None): the clients whose work waits are told once."""
        if error is None:
            return
        for instance in list(self.saver.unsaved):
            s = self.sessions.get(instance)
            if s is not None:
                self._problem(s, "/segue/save", f"your session cannot be saved ({error}); it is kept in "
                              "memory and saved as soon as the disk allows")
