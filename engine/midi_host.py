"""A MIDI session inside the engine: any DAW plays Segue through two MIDI ports.

    DAW --clock, song position, start/stop, CC, program change, notes--> Segue In
        clock follower --> the session's transport --> the engine generates bars ahead (as for OSC)
        bars --> this host --> scheduler thread (time.monotonic) --> note on/off at their time --> Segue Out

The session is an ordinary engine session (instance ``midi:<port name>``): an OSC client that says
hello with that instance id sees and turns the same knobs and slots, and hears the bars too.

* Timing: raw MIDI has no timestamps, so a thread sends each note-on and note-off when the clock
  follower says its beat is sounding (with ``--clock-offset-ms``). A bar keeps the newest version
  that arrived before it began.
* Stop, a lost clock (no pulse for 0.5 s while playing) and song-position jumps send a note-off for
  every sounding note: nothing hangs.
* Control changes and program changes act through a map (:class:`MidiMap`, docs/midi.md):
  knobs, arming a capture, sampling slots, picking morph slots, presets.
* Capture: once a slot is armed, the notes played into Segue In over the next N bars, from the next
  bar line, become that slot's clip (``midi-<slot>``) and are encoded. Incoming notes are never
  echoed to Segue Out.
"""

from __future__ import annotations

import asyncio
import heapq
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from segue.bridge import midi
from segue.bridge.addresses import KNOBS
from segue.bridge.clock import ClockEvent, ClockFollower
from segue.engine.session import Clip, Knobs
from segue.engine.shaping import SCALES
from segue.models.errors import InputError, SegueError
from segue.models.notes import Note

log = logging.getLogger(__name__)

BEATS_PER_BAR = 4.0
FREEZE_AHEAD = 0.125  # beats before a bar line at which that bar's version is fixed (groove may pull notes early)
PICKUP = 0.125  # beats: a captured note this much before the window's start counts as on its first beat
MAX_WAIT = 0.02  # seconds the scheduler thread sleeps at most (it re-reads the clock estimate then)
MIN_WAIT = 0.0005
MAX_BARS_KEPT = 64
EPS = 1e-6  # beats: a note due within this is due now (float rounding of time -> beat)


# --- the control map --------------------------------------------------------------------------------
ACTIONS = {"arm", "disarm", "capture_bars", "sample", "morph_slots", "preset"}

DEFAULT_CC: dict[int, dict[str, Any]] = {
    1: {"knob": "morph"},
    20: {"knob": "temperature", "lo": 0.0, "hi": 2.0},
    21: {"knob": "note_density"},
    22: {"knob": "c_diatonic"},
    23: {"knob": "average_interval"},
    24: {"knob": "syncopation_16th"},
    25: {"knob": "syncopation_8th"},
    26: {"knob": "velocity"},
    27: {"knob": "groove"},
    28: {"knob": "octave"},
    29: {"knob": "range_low"},
    30: {"knob": "range_high"},
    31: {"knob": "scale_root"},
    85: {"knob": "scale", "values": list(SCALES)},
    86: {"knob": "seed", "lo": 0, "hi": 127},
    102: {"action": "arm", "slot": "A"},
    103: {"action": "arm", "slot": "B"},
    104: {"action": "capture_bars"},
}
RESET_KNOBS = {"morph": 0.0, "temperature": 0.0, "note_density": 0.0, "c_diatonic": 0.0, "average_interval": 0.0,
               "syncopation_16th": 0.0, "syncopation_8th": 0.0, "velocity": 0, "groove": 0.0, "octave": 0,
               "range_low": 0, "range_high": 127, "scale_root": -1}
DEFAULT_PROGRAM: dict[int, dict[str, Any]] = {
    0: {"action": "arm", "slot": "A"},
    1: {"action": "arm", "slot": "B"},
    2: {"action": "sample", "slot": "A", "bars": 2},
    3: {"action": "sample", "slot": "B", "bars": 2},
    4: {"action": "morph_slots", "a": "A", "b": "B"},
    5: {"action": "disarm"},
    8: {"action": "preset", "knobs": RESET_KNOBS},
}


def _channel(value: Any, what: str, allow_omni: bool) -> int | None:
    if value is None and allow_omni:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= 16:
        raise InputError(f"{what} must be a MIDI channel 1..16{' or null (any)' if allow_omni else ''}, got {value!r}")
    return value


def _check_entry(where: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict):
        raise InputError(f"{where}: an entry is an object like {{\"knob\": \"morph\"}}, got {entry!r}")
    if "knob" in entry:
        name = entry["knob"]
        if name not in KNOBS:
            raise InputError(f"{where}: no knob {name!r} (knobs: {', '.join(KNOBS)})")
        values = entry.get("values")
        if values is not None:
            if not isinstance(values, list) or not values:
                raise InputError(f"{where}: values must be a non-empty list")
            for v in values:
                _check_knob(where, name, v)
        elif KNOBS[name].type == "s":
            raise InputError(f"{where}: knob {name!r} takes names: give \"values\": [...]")
        for key in ("lo", "hi"):
            if key in entry and (isinstance(entry[key], bool) or not isinstance(entry[key], int | float)):
                raise InputError(f"{where}: {key} must be a number, got {entry[key]!r}")
        return dict(entry)
    action = entry.get("action")
    if action not in ACTIONS:
        raise InputError(f"{where}: give \"knob\" or an \"action\" among {', '.join(sorted(ACTIONS))}; got {entry!r}")
    if action in ("arm", "sample") and not isinstance(entry.get("slot"), str):
        raise InputError(f"{where}: {action} needs \"slot\" (e.g. \"A\")")
    if "bars" in entry and (isinstance(entry["bars"], bool) or not isinstance(entry["bars"], int)
                            or not 1 <= entry["bars"] <= 64):
        raise InputError(f"{where}: bars must be an int 1..64, got {entry['bars']!r}")
    if action == "morph_slots" and not (isinstance(entry.get("a"), str) and isinstance(entry.get("b"), str)):
        raise InputError(f"{where}: morph_slots needs \"a\" and \"b\" slot names")
    if action == "preset":
        knobs = entry.get("knobs")
        if not isinstance(knobs, dict):
            raise InputError(f"{where}: preset needs \"knobs\": {{name: value}}")
        for name, value in knobs.items():
            _check_knob(where, name, value)
    return dict(entry)


def _check_knob(where: str, name: str, value: Any) -> None:
    """As the engine checks a knob value (the OSC range, then the knob's own rules)."""
    if name not in KNOBS:
        raise InputError(f"{where}: no knob {name!r} (knobs: {', '.join(KNOBS)})")
    problem = KNOBS[name].check(value, name)
    if problem:
        raise InputError(f"{where}: {problem}")
    try:
        Knobs().set(name, value)
    except ValueError as e:
        raise InputError(f"{where}: {e}") from None


@dataclass
class MidiMap:
    """What control changes and program changes do. Channels are 1..16 (``in_channel`` None: any)."""

    cc: dict[int, dict[str, Any]] = field(default_factory=lambda: {k: dict(v) for k, v in DEFAULT_CC.items()})
    program: dict[int, dict[str, Any]] = field(
        default_factory=lambda: {k: dict(v) for k, v in DEFAULT_PROGRAM.items()})
    in_channel: int | None = None  # listen for controls and captured notes on this channel (None: all)
    out_channel: int = 1  # Segue Out plays on this channel
    capture_bars: int = 2  # bars a capture lasts unless the arming entry says otherwise

    @classmethod
    def from_json(cls, d: Any, where: str = "MIDI map") -> MidiMap:
        """Entries of the file replace the default ones with the same number; ``"replace": true``
        drops the defaults first. An entry of null removes a default."""
        if not isinstance(d, dict):
            raise InputError(f"{where}: a JSON object is expected")
        unknown = set(d) - {"cc", "program", "in_channel", "out_channel", "capture_bars", "replace", "comment"}
        if unknown:
            raise InputError(f"{where}: unknown keys {', '.join(sorted(unknown))}")
        m = cls() if not d.get("replace") else cls(cc={}, program={})
        for table, target in (("cc", m.cc), ("program", m.program)):
            entries = d.get(table, {})
            if not isinstance(entries, dict):
                raise InputError(f"{where}: {table} must be an object of number -> entry")
            for key, entry in entries.items():
                try:
                    number = int(key)
                except ValueError:
                    raise InputError(f"{where}: {table} keys are numbers 0..127, got {key!r}") from None
                if not 0 <= number <= 127:
                    raise InputError(f"{where}: {table} {number} is not in 0..127")
                if entry is None:
                    target.pop(number, None)
                else:
                    target[number] = _check_entry(f"{where}: {table} {number}", entry)
        if "in_channel" in d:
            m.in_channel = _channel(d["in_channel"], f"{where}: in_channel", True)
        if "out_channel" in d:
            m.out_channel = _channel(d["out_channel"], f"{where}: out_channel", False)
        if "capture_bars" in d:
            bars = d["capture_bars"]
            if isinstance(bars, bool) or not isinstance(bars, int) or not 1 <= bars <= 64:
                raise InputError(f"{where}: capture_bars must be an int 1..64, got {bars!r}")
            m.capture_bars = bars
        return m

    @classmethod
    def load(cls, path: Path | str) -> MidiMap:
        path = Path(path)
        try:
            data = json.loads(path.read_text())
        except OSError as e:
            raise InputError(f"cannot read the MIDI map {path}: {e.strerror or e}") from None
        except json.JSONDecodeError as e:
            raise InputError(f"the MIDI map {path} is not JSON: {e}") from None
        return cls.from_json(data, str(path))

    def to_json(self) -> dict[str, Any]:
        return {"replace": True, "in_channel": self.in_channel, "out_channel": self.out_channel,
                "capture_bars": self.capture_bars,
                "cc": {str(k): v for k, v in sorted(self.cc.items())},
                "program": {str(k): v for k, v in sorted(self.program.items())}}


def cc_value(entry: dict[str, Any], value: int) -> Any:
    """The knob value a controller value 0..127 stands for: a pick among ``values``; else the
    range lo..hi (the knob's own by default), centred (64 = 0) when the range is symmetric."""
    arg = KNOBS[entry["knob"]]
    if "values" in entry:
        values = entry["values"]
        return values[min(value * len(values) // 128, len(values) - 1)]
    lo = float(entry.get("lo", arg.lo))
    hi = float(entry.get("hi", arg.hi))
    if lo < 0 < hi and lo == -hi:
        x = lo * (64 - value) / 64 if value < 64 else hi * (value - 64) / 63
    else:
        x = lo + (hi - lo) * value / 127
    if arg.type == "i":
        return int(round(x))
    return float(min(max(x, min(lo, hi)), max(lo, hi)))


# --- capture ----------------------------------------------------------------------------------------
@dataclass
class Capture:
    slot: str
    bars: int
    start: float | None = None  # the beat it begins on (a bar line); None until the clock plays
    notes: list[Note] = field(default_factory=list)
    held: dict[tuple[int, int], tuple[float, int]] = field(default_factory=dict)  # (ch, pitch) -> (start, vel)

    @property
    def end(self) -> float:
        return (self.start or 0.0) + self.bars * BEATS_PER_BAR


@dataclass
class CaptureResult:
    slot: str
    clip: Clip
    future: Future | None  # the encode, on the engine


# --- the host ---------------------------------------------------------------------------------------
class MidiHost:
    """Plays one engine session on a MIDI output, following the MIDI clock on an input.

    ``engine`` is a :class:`segue.engine.server.Engine` (or anything with its ``call`` and helper
    methods). ``clock`` is the time base (time.monotonic); ``threaded=False`` leaves stepping to the
    caller (``step(now)``), for tests on a fake clock."""

    def __init__(self, engine, inp: midi.Input | None, out: midi.Output | None, instance: str,
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
        self.channel = self.map.out_channel - 1
        self.silent = meter != (4, 4)
        self.session = None
        self.capture: Capture | None = None
        self.captures: list[CaptureResult] = []
        self.errors: list[str] = []  # recent problems (also logged)
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._bars: dict[int, tuple[int, list[Note]]] = {}  # bar -> (version, notes sorted by start)
        self._frozen: dict[int, list[Note]] = {}  # bars that began: the version they play
        self._offs: list[tuple[float, int, int, int]] = []  # heap of (beat, channel, pitch, token)
        self._sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> token of its note-on
        self._token = 0
        self._cursor = 0.0  # note-ons up to this beat have been sent
        self._pending_knobs: dict[str, Any] = {}
        self._knobs_queued = False
        self._cc_last: dict[tuple[int, int], int] = {}

    # --- lifecycle ------------------------------------------------------------------------------
    def start(self) -> MidiHost:
        if self.silent:
            self._problem(f"the MIDI meter is {self.meter[0]}/{self.meter[1]}; Segue's models play 4/4 bars, "
                          "so the MIDI session stays silent (set --midi-meter 4/4)")
        self.session = self._sync(self.engine.add_bar_sink, self.instance, self._on_bar)
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
            self._all_notes_off()
        try:
            self._sync(self.engine.remove_bar_sink, self.instance, self._on_bar, timeout=2)
        except Exception as e:  # the engine may be gone already
            log.debug("removing the MIDI bar sink: %s", e)
        for port in (self.inp, self.out):
            if port is not None:
                try:
                    port.close()
                except Exception as e:
                    log.debug("closing MIDI port: %s", e)

    def _sync(self, fn, *args, timeout: float = 10):
        """Run on the engine's loop and wait (directly when already on it)."""
        loop = getattr(self.engine, "_loop", None)
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if loop is not None and running is loop:
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

    # --- bars from the engine (on its loop) -------------------------------------------------------
    def _on_bar(self, _session, bar: int, version: int, notes: list[Note]) -> None:
        with self._lock:
            have = self._bars.get(bar)
            if have is None or version >= have[0]:
                self._bars[bar] = (version, sorted(notes, key=lambda n: (n.start, n.pitch)))
            if len(self._bars) > MAX_BARS_KEPT:
                here = math.floor(self.follower.position / BEATS_PER_BAR)
                for b in sorted(self._bars, key=lambda b: abs(b - here))[MAX_BARS_KEPT // 2:]:
                    del self._bars[b]
        self._wake.set()

    # --- input ----------------------------------------------------------------------------------
    def receive(self, msg: midi.Message, t: float) -> None:
        """One message from Segue In (the input callback)."""
        if not msg:
            return
        status = msg[0]
        if status >= 0xF0:
            with self._lock:
                events = self.follower.feed(msg, t)
                for ev in events:
                    self._on_clock(ev)
                if status == midi.CLOCK and self.follower.playing:
                    if self.follower.next_tick % 6 == 0:
                        self._push_transport(t)
                    self._wake.set()
            return
        channel = status & 15
        if self.map.in_channel is not None and channel != self.map.in_channel - 1:
            return
        k = midi.kind(msg)
        if k in (midi.NOTE_ON, midi.NOTE_OFF) and len(msg) >= 3:
            with self._lock:
                self._capture_note(msg, t)
        elif k == midi.CONTROL_CHANGE and len(msg) >= 3:
            self._control(channel, msg[1], msg[2])
        elif k == midi.PROGRAM_CHANGE and len(msg) >= 2:
            entry = self.map.program.get(msg[1])
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
            self._engine(self.engine.set_transport, s, playing, f.tempo, beat, now)

    def _seek_and_set(self, s, playing: bool, tempo: float, beat: float, at: float) -> None:
        self.engine.seek(s, beat, at)
        self.engine.set_transport(s, playing, tempo, beat, at)
        if playing:
            self.engine.tick(time.monotonic())
        else:
            self._prime()

    def _on_clock(self, ev: ClockEvent) -> None:  # under the lock
        if ev.kind in ("start", "continue", "position"):
            self._all_notes_off()
            self._frozen.clear()
            self._cursor = ev.beat - 1e-9
            c = self.capture
            if ev.playing and c is not None:  # (re)start the capture at the bar line at or after here
                c.start, c.notes, c.held = math.ceil(ev.beat / BEATS_PER_BAR - 1e-9) * BEATS_PER_BAR, [], {}
            self._push_transport(ev.at, seek=True)
            self._wake.set()
        elif ev.kind in ("stop", "lost"):
            self._all_notes_off()
            self._frozen.clear()
            if ev.kind == "lost":
                self._problem(f"the MIDI clock stopped without a Stop message at beat {ev.beat:.2f}: stopped")
            if self.capture is not None and self.capture.start is not None:
                self.capture.start, self.capture.notes, self.capture.held = None, [], {}
            self._push_transport(ev.at, seek=False)

    # --- capture --------------------------------------------------------------------------------
    def arm(self, slot: str, bars: int | None = None) -> None:
        """Capture the next ``bars`` bars (from the next bar line) into ``slot``."""
        with self._lock:
            c = Capture(slot, int(bars or self.map.capture_bars))
            if self.follower.playing:
                beat = self.follower.beat_at(self.clock(), offset=False)
                c.start = (math.floor(beat / BEATS_PER_BAR + 1e-9) + 1) * BEATS_PER_BAR
            self.capture = c
            log.info("MIDI: slot %s armed for %d bars%s", slot, c.bars,
                     f" from beat {c.start:g}" if c.start is not None else " (from when the clock plays)")

    def _disarm(self, why: str) -> None:
        if self.capture is not None:
            log.info("MIDI: capture into %s %s", self.capture.slot, why)
        self.capture = None

    def _capture_note(self, msg: midi.Message, t: float) -> None:  # under the lock
        c = self.capture
        if c is None or c.start is None or not self.follower.playing:
            return
        beat = self.follower.beat_at(t, offset=False)
        key = (msg[0] & 15, msg[1])
        if midi.is_note_on(msg):
            if c.start - PICKUP <= beat < c.end:
                if key in c.held:
                    self._end_note(c, key, beat)
                c.held[key] = (max(beat, c.start) - c.start, msg[2])
        elif midi.is_note_off(msg) and key in c.held:
            self._end_note(c, key, beat)

    @staticmethod
    def _end_note(c: Capture, key: tuple[int, int], beat: float) -> None:
        start, velocity = c.held.pop(key)
        end = min(beat - c.start, c.bars * BEATS_PER_BAR)
        c.notes.append(Note(key[1], start, max(end - start, 1 / 32), velocity))

    def _finish_capture(self) -> None:  # under the lock
        c, self.capture = self.capture, None
        for key in list(c.held):
            self._end_note(c, key, c.end)
        notes = sorted(c.notes, key=lambda n: (n.start, n.pitch))
        length = c.bars * BEATS_PER_BAR
        if not notes:
            self._problem(f"capture into slot {c.slot}: no notes were played; the slot is unchanged")
            return
        clip = Clip(notes, length)
        future = self._engine(self._encode_capture, c.slot, clip)
        self.captures.append(CaptureResult(c.slot, clip, future))
        log.info("MIDI: captured %d notes over %d bars into slot %s", len(notes), c.bars, c.slot)

    async def _encode_capture(self, slot: str, clip: Clip):  # on the engine's loop
        s = self.session
        model = self.engine.model_of(s)
        if model is not None and model.representation.kind == "drums":
            clip = Clip(clip.notes, clip.length, "drums")
        filled = await self.engine.encode_into_slot(s, slot, f"midi-{slot}", clip)
        self._prime()
        return filled

    # --- output ---------------------------------------------------------------------------------
    def _send(self, msg: midi.Message) -> None:
        if self.out is None:
            return
        try:
            self.out.send(msg)
        except Exception as e:  # a port that went away must not stop the clock
            self._problem(f"sending on {self.out.name!r}: {e}")

    def _all_notes_off(self) -> None:  # under the lock
        for (channel, pitch) in list(self._sounding):
            self._send(midi.note_off(channel, pitch))
        self._sounding.clear()
        self._offs.clear()

    def _notes_of(self, bar: int, beat: float) -> list[Note]:
        frozen = self._frozen.get(bar)
        if frozen is not None:
            return frozen
        have = self._bars.get(bar)
        if have is None:
            return []
        if beat >= bar * BEATS_PER_BAR - FREEZE_AHEAD:
            self._frozen[bar] = have[1]
        return have[1]

    def _note_off_until(self, beat: float) -> None:  # under the lock
        while self._offs and self._offs[0][0] <= beat:
            _, channel, pitch, token = heapq.heappop(self._offs)
            if self._sounding.get((channel, pitch)) == token:
                del self._sounding[(channel, pitch)]
                self._send(midi.note_off(channel, pitch))

    def _emit(self, beat: float) -> None:  # under the lock
        if beat <= self._cursor:
            self._note_off_until(beat + EPS)
            return
        first, last = math.floor(self._cursor / BEATS_PER_BAR), math.floor(beat / BEATS_PER_BAR) + 1
        due: list[tuple[float, Note]] = []
        for bar in range(first, last + 1):
            base = bar * BEATS_PER_BAR
            for n in self._notes_of(bar, beat):
                at = base + n.start
                if self._cursor < at <= beat + EPS:
                    due.append((at, n))
        due.sort(key=lambda x: (x[0], x[1].pitch))
        ch = self.channel
        for at, n in due:
            self._note_off_until(at)
            key = (ch, n.pitch)
            if key in self._sounding:  # the same pitch again: end the sounding one first
                self._send(midi.note_off(ch, n.pitch))
            self._token += 1
            self._sounding[key] = self._token
            heapq.heappush(self._offs, (at + max(n.duration, 1e-3), ch, n.pitch, self._token))
            self._send(midi.note_on(ch, n.pitch, max(1, min(127, int(n.velocity)))))
        self._note_off_until(beat + EPS)
        self._cursor = beat + EPS
        here = math.floor(beat / BEATS_PER_BAR)
        for b in [b for b in self._frozen if b < here - 1]:
            del self._frozen[b]

    def _next_beat(self) -> float | None:
        candidates = [self._offs[0][0]] if self._offs else []
        first = math.floor(self._cursor / BEATS_PER_BAR)
        for bar in (first, first + 1, first + 2):
            have = self._frozen.get(bar) or (self._bars.get(bar) or (0, []))[1]
            for n in have:
                at = bar * BEATS_PER_BAR + n.start
                if at > self._cursor:
                    candidates.append(at)
                    break
        if self.capture is not None and self.capture.start is not None:
            candidates.append(self.capture.end)
        return min(candidates) if candidates else None

    def step(self, now: float) -> float:
        """Send what is due at ``now``; the seconds until something may be due next."""
        with self._lock:
            for ev in self.follower.poll(now):
                self._on_clock(ev)
            f = self.follower
            if not f.playing:
                return 0.1
            if not self.silent:
                self._emit(f.beat_at(now))
            c = self.capture
            if c is not None and c.start is not None and f.beat_at(now, offset=False) >= c.end:
                self._finish_capture()
            nxt = self._next_beat()
            when = f.time_of(nxt) if nxt is not None else None
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


def open_host(engine, settings: MidiSettings, opener=None) -> MidiHost:
    """Open the ports (``opener`` = bridge.midi by default), build and start the host. PortError
    or InputError when something cannot open; nothing stays open then."""
    ports = opener or midi
    mapping = MidiMap.load(settings.map_file) if settings.map_file else MidiMap()
    inp = ports.open_input(settings.input)  # first: so a name never matches our own output
    try:
        out = ports.open_output(settings.output)
    except BaseException:
        inp.close()
        raise
    instance = settings.instance or f"midi:{settings.input or midi.VIRTUAL_IN}"
    host = MidiHost(engine, inp, out, instance, settings.meter, settings.offset_ms, mapping)
    try:
        return host.start()
    except BaseException:
        host.close()
        raise


class DetachedEngine:
    """Stands in for the engine where no model should run (tests, benchmarks): one session, the
    helpers applied at once on the caller's thread, bars handed to the host with ``feed``."""

    def __init__(self, instance: str = "midi:detached"):
        from segue.engine.session import Session

        self.session = Session(instance=instance)
        self.sinks: list[Callable] = []
        self.requested: list[int] = []
        self.transports: list[tuple] = []

    def call(self, fn, *args) -> Future:
        future: Future = Future()
        try:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            future.set_result(result)
        except Exception as e:
            future.set_exception(e)
        return future

    def feed(self, bar: int, version: int, notes: list[Note]) -> None:
        for sink in list(self.sinks):
            sink(self.session, bar, version, notes)

    def add_bar_sink(self, instance: str, sink: Callable):
        self.sinks.append(sink)
        return self.session

    def remove_bar_sink(self, instance: str, sink: Callable) -> None:
        if sink in self.sinks:
            self.sinks.remove(sink)

    def set_knob(self, s, name: str, value) -> int:
        arg = KNOBS.get(name)
        problem = arg.check(value, name) if arg else f"no knob {name!r}"
        if problem:
            raise InputError(problem)
        s.knobs.set(name, value)
        s.changed()
        return s.version

    def set_transport(self, s, playing, tempo, beat, at=None) -> None:
        t = s.transport
        t.playing, t.tempo, t.beat, t.at = bool(playing), float(tempo), float(beat), at or 0.0
        self.transports.append((bool(playing), float(tempo), float(beat), at))

    def seek(self, s, beat, at=None) -> None:
        s.transport.beat = float(beat)
        s.sent.clear()

    def tick(self, now: float) -> None:
        pass

    def request_bar(self, s, bar: int) -> None:
        self.requested.append(bar)

    def set_morph_slots(self, s, a: str, b: str) -> None:
        s.morph_slots = (a, b)
        s.changed()

    async def sample_into_slot(self, s, slot: str, bars: int):
        raise InputError("no model here")

    async def encode_into_slot(self, s, slot: str, clip_name: str, clip: Clip):
        s.clips[clip_name] = clip
        s.changed()

    def model_of(self, s):
        return None
