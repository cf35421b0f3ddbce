"""The engine's core: sessions, slots, the bar pipeline and the listeners bars go to.

Every adapter (OSC in ``engine/osc_server.py``, the MIDI session in ``engine/midi/``, a web
panel) calls the same public methods of :class:`Engine` and receives bars through a
:class:`Listener`; none of them reaches inside. The core knows no wire: it imports nothing of
python-osc or of ``segue.bridge.osc``.

    adapter --> Engine.set_knob / set_transport / encode_into_slot ... --> session state
    tick --> BarPipeline (engine/pipeline.py): scheduler (due bars) --> worker (generate: models,
             shaping) --> listeners' bar()

Engine state belongs to the event loop. From another thread, go through :meth:`Engine.call`.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections.abc import Callable
from concurrent.futures import Future

import torch

from segue.bridge.addresses import KNOBS
from segue.engine import generate
from segue.engine.api import EngineConfig, Listener, ModelInfo, weak_knobs
from segue.engine.pipeline import BULK_PRIORITY, BarPipeline, Render
from segue.engine.session import Clip, FromClip, FromSample, FromVariation, Session, Slot
from segue.engine.store import MAX_CHORD_BARS, Saver, SessionStore, restore
from segue.engine.worker import DEFAULT, ModelCache, Worker, cpu_threads
from segue.models.chords import chords_from_notes, encode_chord, format_progression, parse_progression
from segue.models.errors import InputError, ModelError
from segue.models.groove import regroove
from segue.models.inference import LatentModel
from segue.models.loading import shipped_models_dir
from segue.models.notes import BEATS_PER_BAR, Note

log = logging.getLogger(__name__)
PRUNE_EVERY = 3600.0  # seconds between sweeps of abandoned session files
MAX_CLIPS, MAX_SESSION_NOTES, MAX_SLOTS = 64, 50_000, 64  # per session (docs/engine.md, Limits)


class Engine:
    def __init__(self, config: EngineConfig, model: LatentModel):
        self.config = config
        self.models = ModelCache(model, config.models_dir, config.device, shipped_models_dir())
        self.worker = Worker()
        self.store = SessionStore(config.state_dir)
        self.saver = Saver(self.store, self._save_trouble)
        self.save_passes = 0  # finished passes of the save loop (what a caller can wait on)
        self.sessions: dict[str, Session] = {}
        self.listeners: dict[str, list[Listener]] = {}
        self.bars = BarPipeline(self)
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

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        if self._loop is None:
            raise RuntimeError("the engine has not started")
        return self._loop

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
            self.problem(s, "/segue/hello", "the saved session was damaged: " + "; ".join(problems))
        s.touch()
        s.sent.clear()  # a client may have restarted: send its bars again
        if any(slot.mu is None for slot in s.slots.values()):
            self.spawn(self._restore(s), lambda e: self.problem(s, "/segue/hello", e))
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
        self.bars.tick_session(s, time.monotonic())

    def _forget(self, instance: str, notify: bool = True) -> None:
        """Drop a closed session and what the engine kept for it (its versions restart if it returns)."""
        s = self.sessions.pop(instance, None)
        listeners = self.listeners.pop(instance, [])
        self.bars.forget(instance)
        if notify and s is not None:
            for x in listeners:
                x.closed(s)

    def problem(self, s: Session, where: str, error: Exception | str) -> None:
        """Tell the session's listeners what went wrong (an unexpected error is logged too)."""
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
                         m.device.type, m.meta.licence, s.model or DEFAULT, m.capabilities,
                         weak_knobs(m.meta.training))

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
        s.clip(clip_name)
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
            self.bars.tick_session(s, time.monotonic())

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
            seq, controls = clip.sequence(s.transport.tempo), self.clip_controls(s, model)
            enc = await self.run(BULK_PRIORITY, lambda m: m.encode_clip(seq, bars=clip.bars, **controls), model)
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
        self.bars.tick_session(s, time.monotonic())

    def set_xy(self, s: Session, x: float, y: float) -> int:
        """Move the XY pad's puck (the xy_x and xy_y knobs at once): one new version."""
        for name, value in (("xy_x", x), ("xy_y", y)):
            problem = KNOBS[name].check(value, name)
            if problem:
                raise InputError(f"{name}: {problem}")
        s.knobs.set("xy_x", x)
        s.knobs.set("xy_y", y)
        s.changed()
        self.bars.tick_session(s, time.monotonic())
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
        self.bars.tick_session(s, time.monotonic())
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
        """Generate one bar, whatever the transport (``BarPipeline.request``: behind every due bar)."""
        self.bars.request(s, bar)

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
        clip = s.clip(clip_name)
        return await self.set_chords(s, " ".join(chords_from_notes(clip.notes, clip.bars)))

    async def regroove_clip(self, s: Session, clip_name: str, amount: float, temperature: float = 0.0,
                            tap: bool = False) -> tuple[list[Note], float]:
        """Groove an uploaded drum clip (``tap``: drumify any clip) with the session's GrooVAE model,
        ``amount`` blending the grid and the model's timing and velocities: the new clip's notes
        (beats from its start, velocities and micro-timing kept) and its length in beats."""
        clip, model = s.clip(clip_name), self.model_of(s)
        if not tap and model.representation.kind == "groove":
            generate.check_clip_kind(model, clip.kind, f"clip {clip_name!r}")
        seq, bars = clip.sequence(s.transport.tempo), clip.bars
        out, _ = await self.run(BULK_PRIORITY, lambda m: regroove(m, seq, bars, float(amount), float(temperature),
                                                                  s.knobs.seed, tap), model)
        notes = sorted((n for t in out.tracks for n in t.notes), key=lambda n: (n.start, n.pitch))
        return notes, bars * BEATS_PER_BAR

    # --- bars (engine/pipeline.py) ---------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Queue every bar that is due and not yet sent at its session's current version."""
        self.bars.tick(now)

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
            self.save_passes += 1

    def _kept_open(self, s: Session) -> bool:
        return any(x.keep_open for x in self.listeners.get(s.instance, ()))

    def _save_trouble(self, error: str | None) -> None:
        """Saving fails (``error``) or works again (None): the clients whose work waits are told once."""
        if error is None:
            return
        for instance in list(self.saver.unsaved):
            s = self.sessions.get(instance)
            if s is not None:
                self.problem(s, "/segue/save", f"your session cannot be saved ({error}); it is kept in "
                              "memory and saved as soon as the disk allows")
