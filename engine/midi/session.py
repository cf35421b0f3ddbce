"""The MIDI session: any DAW plays Segue through two MIDI ports.

    DAW --clock, song position, start/stop, CC, program change, notes--> Segue In
        clock follower --> the session's transport --> the engine generates bars ahead (as for OSC)
        bars --> BarQueue --> Player (on this module's thread, time.monotonic) --> Segue Out

The session is an ordinary engine session (instance ``midi:<port name>``): an OSC client that says
hello with that instance id sees and turns the same knobs and slots, and hears the bars too.

* Timing: raw MIDI has no timestamps, so a thread sends each note-on and note-off when the clock
  follower says its beat is sounding (with ``--clock-offset-ms``). A bar keeps the newest version
  that arrived before it began.
* Stop, a lost clock (no pulse for 0.5 s while playing) and song-position jumps send a note-off for
  every sounding note: nothing hangs.
* Control changes and program changes act through a map (:class:`~segue.engine.midi.map.MidiMap`,
  docs/midi.md): knobs, arming a capture, sampling slots, picking morph slots, presets.
* Capture: once a slot is armed, the notes played into Segue In over the next N bars, from the next
  bar line, become that slot's clip (``midi-<slot>``) and are encoded. Incoming notes are never
  echoed to Segue Out.

This module keeps the threads and the ports; what to play is :mod:`~segue.engine.midi.player`'s,
what a capture holds :mod:`~segue.engine.midi.capture`'s, and the engine is reached only through
its public API (:class:`~segue.engine.api.EngineAPI`).
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from segue.bridge import ports
from segue.bridge.clock import ClockEvent, ClockFollower
from segue.engine.api import Bar, EngineAPI
from segue.engine.midi.capture import Capture, CaptureResult
from segue.engine.midi.map import MidiMap, cc_value
from segue.engine.midi.player import BarQueue, Player
from segue.engine.session import Clip, Session
from segue.models.errors import SegueError
from segue.models.notes import BEATS_PER_BAR

log = logging.getLogger(__name__)

MAX_WAIT = 0.02  # seconds the scheduler thread sleeps at most (it re-reads the clock estimate then)
MIN_WAIT = 0.0005


class MidiSession:
    """Plays one engine session on a MIDI output, following the MIDI clock on an input.

    ``clock`` is the time base (time.monotonic); ``threaded=False`` leaves stepping to the
    caller (``step(now)``), for tests on a fake clock."""

    keep_open = True  # the engine keeps this session open while the ports are

    def __init__(self, engine: EngineAPI, inp: ports.Input | None, out: ports.Output | None, instance: str,
                 meter: tuple[int, int] = (4, 4), offset_ms: float = 0.0, mapping: MidiMap | None = None,
                 clock: Callable[[], float] = time.monotonic, threaded: bool = True):
        self.engine = engine
        self.inp, self.out = inp, out
        self.instance = instance
        self.meter = meter
        self.map = mapping or MidiMap()
        self.clock = clock
        self.threaded = threaded
        self.follower = ClockFollower(meter=meter, offset_ms=offset_ms)
        self.silent = meter != (4, 4)
        self.session: Session | None = None
        self.queue = BarQueue()
        self.player = Player(self.queue, self.map.out_channel - 1)
        self.capture: Capture | None = None
        self.captures: list[CaptureResult] = []
        self.errors: list[str] = []  # recent problems (also logged)
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._pending_knobs: dict[str, Any] = {}
        self._knobs_queued = False
        self._cc_last: dict[tuple[int, int], int] = {}

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> MidiSession:
        if self.silent:
            self._problem(f"the MIDI meter is {self.meter[0]}/{self.meter[1]}; Segue's models play 4/4 bars, "
                          "so the MIDI session stays silent (set --midi-meter 4/4)")
        self.session, _ = self._sync(self.engine.attach, self.instance, self)
        if self.inp is not None:
            self.inp.set_callback(self.receive)
        if self.threaded:
            self._thread = threading.Thread(target=self._run, name="segue-midi-out", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=2)
        if self.inp is not None:
            self.inp.set_callback(None)
        with self._lock:
            self._send_all(self.player.all_off())
        try:
            self._sync(self.engine.detach, self.instance, self, timeout=2)
        except Exception as e:  # the engine may be gone already
            log.debug("detaching the MIDI session: %s", e)
        for port in (self.inp, self.out):
            if port is not None:
                try:
                    port.close()
                except Exception as e:
                    log.debug("closing MIDI port: %s", e)

    def _sync(self, fn, *args, timeout: float = 10):
        """Run on the engine's loop and wait (directly when already on it)."""
        if self.engine.on_loop():
            return fn(*args)
        return self.engine.call(fn, *args).result(timeout=timeout)

    def _problem(self, message: str) -> None:
        log.warning("MIDI: %s", message)
        self.errors = (self.errors + [message])[-20:]

    def _engine(self, fn, *args) -> Future:
        """Run on the engine's loop without waiting; failures are logged."""
        future = self.engine.call(fn, *args)
        future.add_done_callback(self._report)
        return future

    def _report(self, future: Future) -> None:
        if future.cancelled():
            return
        e = future.exception()
        if e is not None:
            self._problem(str(e.args[0] if isinstance(e, SegueError) and e.args else e))

    # --- the engine's listener (on its loop) ------------------------------------------------------
    def bar(self, _session: Session, bar: Bar) -> None:
        with self._lock:
            here = math.floor(self.follower.position / BEATS_PER_BAR)
            self.queue.offer(bar.bar, bar.version, bar.notes, playhead_bar=here)
        self._wake.set()

    def problem(self, _session: Session, where: str, message: str) -> None:
        self._problem(f"{where}: {message}")

    def closed(self, _session: Session) -> None:
        pass  # a MIDI session keeps its engine session open: never closed under it

    # --- input ----------------------------------------------------------------------------------
    def receive(self, msg: ports.Message, t: float) -> None:
        """One message from Segue In (the input callback)."""
        if msg.is_realtime or msg.type == ports.SONG_POSITION:
            with self._lock:
                events = self.follower.feed(msg, t)
                for ev in events:
                    self._on_clock(ev)
                if msg.type == ports.CLOCK and self.follower.playing:
                    if self.follower.next_tick % 6 == 0:
                        self._push_transport(t)
                    self._wake.set()
            return
        channel = getattr(msg, "channel", None)
        if channel is None or (self.map.in_channel is not None and channel != self.map.in_channel - 1):
            return
        if msg.type in ("note_on", "note_off"):
            with self._lock:
                self._capture_note(msg, t)
        elif msg.type == "control_change":
            self._control(channel, msg.control, msg.value)
        elif msg.type == "program_change":
            entry = self.map.program.get(msg.program)
            if entry is not None:
                self._act(entry, 127)

    def _control(self, channel: int, number: int, value: int) -> None:
        entry = self.map.cc.get(number)
        if entry is None:
            return
        if "knob" in entry:
            self._set_knobs({entry["knob"]: cc_value(entry, value)})
            return
        previous = self._cc_last.get((channel, number))
        self._cc_last[(channel, number)] = value
        if entry["action"] == "capture_bars":
            self.map.capture_bars = min(max(value, 1), 64)
        elif value >= 64 and (previous is None or previous < 64):  # a button: acts when pressed
            self._act(entry, value)

    def _act(self, entry: dict[str, Any], value: int) -> None:
        action = entry["action"]
        s = self.session
        if action == "arm":
            self.arm(entry["slot"], entry.get("bars"))
        elif action == "disarm":
            with self._lock:
                self._disarm("cancelled")
        elif action == "capture_bars":
            self.map.capture_bars = min(max(value, 1), 64)
        elif action == "sample":
            self._engine(self.engine.sample_into_slot, s, entry["slot"], entry.get("bars", 2))
            self._prime_later()
        elif action == "morph_slots":
            self._engine(self.engine.set_morph_slots, s, entry["a"], entry["b"])
            self._prime_later()
        elif action == "preset":
            self._set_knobs(dict(entry["knobs"]))

    def _set_knobs(self, values: dict[str, Any]) -> None:
        """Knob changes are applied on the engine's loop, coalesced (a controller sweep makes one
        regeneration per loop turn, not one per message)."""
        with self._lock:
            self._pending_knobs.update(values)
            if self._knobs_queued:
                return
            self._knobs_queued = True
        self._engine(self._apply_knobs)

    def _apply_knobs(self) -> None:  # on the engine's loop
        with self._lock:
            values, self._pending_knobs, self._knobs_queued = self._pending_knobs, {}, False
        for name, value in values.items():
            try:
                self.engine.set_knob(self.session, name, value)
            except SegueError as e:
                self._problem(str(e.args[0] if e.args else e))
        self._prime()

    def _prime_later(self) -> None:
        self._engine(self._prime)

    def _prime(self) -> None:  # on the engine's loop
        """While stopped, have the bars where play will begin generated already."""
        s = self.session
        if s is None or s.transport.playing or self.silent:
            return
        bar = math.floor(self.follower.position / BEATS_PER_BAR + 1e-9)
        for b in (bar, bar + 1):
            self.engine.request_bar(s, b)

    # --- transport ------------------------------------------------------------------------------
    def _push_transport(self, now: float, seek: bool = False) -> None:
        f = self.follower
        playing = f.playing and not self.silent
        beat = f.beat_at(now) if f.playing else f.position
        s = self.session
        if seek:
            self._engine(self._seek_and_set, s, playing, f.tempo, beat, now)
        else:
            self._engine(self.engine.set_transport, s, playing, f.tempo, beat, 4, 4, now)

    def _seek_and_set(self, s, playing: bool, tempo: float, beat: float, at: float) -> None:
        self.engine.seek(s, beat, at)
        self.engine.set_transport(s, playing, tempo, beat, 4, 4, at)
        if playing:
            self.engine.tick(time.monotonic())
        else:
            self._prime()

    def _on_clock(self, ev: ClockEvent) -> None:  # under the lock
        if ev.kind in ("start", "continue", "position"):
            self._send_all(self.player.all_off())
            self.player.restart(ev.beat)
            if ev.playing and self.capture is not None:  # (re)start the capture at the bar line at or after here
                self.capture.begin_at(ev.beat)
            self._push_transport(ev.at, seek=True)
            self._wake.set()
        elif ev.kind in ("stop", "lost"):
            self._send_all(self.player.all_off())
            self.player.stop()
            if ev.kind == "lost":
                self._problem(f"the MIDI clock stopped without a Stop message at beat {ev.beat:.2f}: stopped")
            if self.capture is not None and self.capture.start is not None:
                self.capture.reset()
            self._push_transport(ev.at, seek=False)

    # --- capture --------------------------------------------------------------------------------
    def arm(self, slot: str, bars: int | None = None) -> None:
        """Capture the next ``bars`` bars (from the next bar line) into ``slot``."""
        with self._lock:
            c = Capture(slot, int(bars or self.map.capture_bars))
            if self.follower.playing:
                c.begin_after(self.follower.beat_at(self.clock(), offset=False))
            self.capture = c
            log.info("MIDI: slot %s armed for %d bars%s", slot, c.bars,
                     f" from beat {c.start:g}" if c.start is not None else " (from when the clock plays)")

    def _disarm(self, why: str) -> None:
        if self.capture is not None:
            log.info("MIDI: capture into %s %s", self.capture.slot, why)
        self.capture = None

    def _capture_note(self, msg: ports.Message, t: float) -> None:  # under the lock
        c = self.capture
        if c is None or c.start is None or not self.follower.playing:
            return
        beat = self.follower.beat_at(t, offset=False)
        key = (msg.channel, msg.note)
        if ports.is_note_on(msg):
            c.note_on(key, beat, msg.velocity)
        elif ports.is_note_off(msg):
            c.note_off(key, beat)

    def _finish_capture(self) -> None:  # under the lock
        c, self.capture = self.capture, None
        clip = c.finish()
        if clip is None:
            self._problem(f"capture into slot {c.slot}: no notes were played; the slot is unchanged")
            return
        future = self._engine(self._encode_capture, c.slot, clip)
        self.captures.append(CaptureResult(c.slot, clip, future))
        log.info("MIDI: captured %d notes over %d bars into slot %s", len(clip.notes), c.bars, c.slot)

    async def _encode_capture(self, slot: str, clip: Clip):  # on the engine's loop
        s = self.session
        model = self.engine.model_of(s)
        if model is not None and model.representation.kind == "drums":
            clip = Clip(clip.notes, clip.length, "drums")
        name = f"midi-{slot}"
        self.engine.put_clip(s, name, clip)
        filled = await self.engine.encode_into_slot(s, slot, name)
        self._prime()
        return filled

    # --- output ---------------------------------------------------------------------------------
    def _send_all(self, messages: list[ports.Message]) -> None:
        for msg in messages:
            self._send(msg)

    def _send(self, msg: ports.Message) -> None:
        if self.out is None:
            return
        try:
            self.out.send(msg)
        except Exception as e:  # a port that went away must not stop the clock
            self._problem(f"sending on {self.out.name!r}: {e}")

    def step(self, now: float) -> float:
        """Send what is due at ``now``; the seconds until something may be due next."""
        with self._lock:
            for ev in self.follower.poll(now):
                self._on_clock(ev)
            f = self.follower
            if not f.playing:
                return 0.1
            if not self.silent:
                self._send_all(self.player.play(f.beat_at(now)))
            c = self.capture
            if c is not None and c.start is not None and f.beat_at(now, offset=False) >= c.end:
                self._finish_capture()
            candidates = [b for b in (self.player.next_beat(),) if b is not None]
            if self.capture is not None and self.capture.start is not None:
                candidates.append(self.capture.end)
            when = f.time_of(min(candidates)) if candidates else None
        if when is None or when <= now:  # due, but the clock is late: its next pulse wakes us
            return MAX_WAIT
        return min(max(when - now, MIN_WAIT), MAX_WAIT)

    def _run(self) -> None:
        while not self._stopping.is_set():
            self._wake.clear()
            try:
                wait = self.step(self.clock())
            except Exception:
                log.exception("MIDI scheduler")
                wait = 0.1
            self._wake.wait(wait)

    def describe(self) -> str:
        names = [f"in {self.inp.name!r}" if self.inp else "", f"out {self.out.name!r}" if self.out else ""]
        api = getattr(self.inp, "api", None) or getattr(self.out, "api", None)
        return (f"segue midi: {' '.join(n for n in names if n)}{f' ({api})' if api else ''}, session "
                f"{self.instance!r}, meter {self.meter[0]}/{self.meter[1]}, clock offset "
                f"{self.follower.offset * 1000:g} ms")


# --- opening ----------------------------------------------------------------------------------------
@dataclass(frozen=True)
class MidiSettings:
    """What `segue serve --midi ...` asked for. ``input``/``output`` None: a virtual port."""

    input: str | None = None
    output: str | None = None
    meter: tuple[int, int] = (4, 4)
    offset_ms: float = 0.0
    map_file: Path | None = None
    instance: str | None = None


def open_midi_session(engine: EngineAPI, settings: MidiSettings, opener=None) -> MidiSession:
    """Open the ports (``opener`` = bridge.ports by default), build and start the session. PortError
    or InputError when something cannot open; nothing stays open then."""
    opener = opener or ports
    mapping = MidiMap.load(settings.map_file) if settings.map_file else MidiMap()
    inp = opener.open_input(settings.input)  # first: so a name never matches our own output
    try:
        out = opener.open_output(settings.output)
    except BaseException:
        inp.close()
        raise
    instance = settings.instance or f"midi:{settings.input or ports.VIRTUAL_IN}"
    session = MidiSession(engine, inp, out, instance, settings.meter, settings.offset_ms, mapping)
    try:
        return session.start()
    except BaseException:
        session.close()
        raise
