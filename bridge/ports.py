"""MIDI ports behind a small interface: an in-memory pair for tests, and rtmidi for real ports.

    Input:  set_callback(fn(msg, t)) or poll() -> (msg, t) | None; close()
    Output: send(msg); close()

A message is a ``mido.Message``; ``t`` is ``time.monotonic()`` when it arrived. Raw MIDI carries no
timestamps, so whoever sends decides *when* by calling ``send`` at the right moment
(``segue.engine.midi`` runs a scheduler thread for that).

Real ports (``open_input`` / ``open_output``) come from python-rtmidi: virtual ports ("Segue In",
"Segue Out") on ALSA, JACK and CoreMIDI, or existing ports found by a tolerant name match
(:func:`match_port`: case-insensitive, ignoring ``client:`` prefixes and trailing port numbers).
Windows MultiMedia has no virtual ports: use loopMIDI and name its ports. The backend is picked by
``SEGUE_MIDI_API`` (alsa, jack, coremidi, winmm) or mido's ``MIDO_BACKEND=mido.backends.rtmidi/UNIX_JACK``,
else the first compiled one that works. Anything that cannot open raises :class:`PortError`.
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import Protocol

import mido

from segue.models.errors import SegueError

log = logging.getLogger(__name__)

Message = mido.Message
Callback = Callable[[Message, float], None]

# the message types of the clock (mido's names)
CLOCK, START, CONTINUE, STOP, SONG_POSITION = "clock", "start", "continue", "stop", "songpos"
ALL_NOTES_OFF_CC = 123

CLIENT_NAME = "Segue"
VIRTUAL_IN = "Segue In"
VIRTUAL_OUT = "Segue Out"


class PortError(SegueError):
    """A MIDI port that cannot be opened, found or used; the message says what to do."""


# --- messages ----------------------------------------------------------------------------------------
def note_on(channel: int, pitch: int, velocity: int) -> Message:
    return mido.Message("note_on", channel=channel & 15, note=pitch & 127, velocity=velocity & 127)


def note_off(channel: int, pitch: int, velocity: int = 0) -> Message:
    return mido.Message("note_off", channel=channel & 15, note=pitch & 127, velocity=velocity & 127)


def control_change(channel: int, control: int, value: int) -> Message:
    return mido.Message("control_change", channel=channel & 15, control=control & 127, value=value & 127)


def program_change(channel: int, program: int) -> Message:
    return mido.Message("program_change", channel=channel & 15, program=program & 127)


def song_position(sixteenths: int) -> Message:
    """Song Position Pointer: a count of 16th notes (6 clocks each)."""
    return mido.Message("songpos", pos=sixteenths & 0x3FFF)


def realtime(kind: str) -> Message:
    """A clock pulse, start, continue or stop."""
    return mido.Message(kind)


def is_note_on(msg: Message) -> bool:
    return msg.type == "note_on" and msg.velocity > 0


def is_note_off(msg: Message) -> bool:
    return msg.type == "note_off" or (msg.type == "note_on" and msg.velocity == 0)


# --- the interface -----------------------------------------------------------------------------------
class Input(Protocol):
    name: str

    def set_callback(self, fn: Callback | None) -> None: ...

    def poll(self) -> tuple[Message, float] | None: ...

    def close(self) -> None: ...


class Output(Protocol):
    name: str

    def send(self, msg: Message) -> None: ...

    def close(self) -> None: ...


class _Receiving:
    """What every input shares: a callback, or a queue of (message, time) waiting for ``poll``;
    queued messages go to a callback as soon as one is set."""

    _lock: threading.Lock
    _queue: deque[tuple[Message, float]]
    _callback: Callback | None

    def set_callback(self, fn: Callback | None) -> None:
        with self._lock:
            self._callback = fn
            waiting = list(self._queue) if fn else []
            if fn:
                self._queue.clear()
        for item in waiting:
            fn(*item)

    def poll(self) -> tuple[Message, float] | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None


class MemoryInput(_Receiving):
    """The receiving end of an in-memory pair: messages go to the callback (on the sender's
    thread) or wait in a queue for ``poll``."""

    def __init__(self, name: str = "memory in", clock: Callable[[], float] = time.monotonic):
        self.name = name
        self.clock = clock
        self._queue: deque[tuple[Message, float]] = deque()
        self._callback: Callback | None = None
        self._lock = threading.Lock()
        self.closed = False

    def deliver(self, msg: Message, t: float | None = None) -> None:
        if self.closed:
            return
        item = (msg, self.clock() if t is None else t)
        with self._lock:
            callback = self._callback
            if callback is None:
                self._queue.append(item)
        if callback is not None:
            callback(*item)


    def drain(self) -> list[tuple[Message, float]]:
        with self._lock:
            items = list(self._queue)
            self._queue.clear()
        return items

    def close(self) -> None:
        self.closed = True


class MemoryOutput:
    """The sending end of an in-memory pair; ``sent`` keeps every (msg, t) when ``record``."""

    def __init__(self, target: MemoryInput | None = None, name: str = "memory out",
                 clock: Callable[[], float] = time.monotonic, record: bool = False):
        self.name = name
        self.target = target
        self.clock = clock
        self.record = record
        self.sent: list[tuple[Message, float]] = []
        self.closed = False

    def send(self, msg: Message) -> None:
        if self.closed:
            raise PortError(f"MIDI port {self.name!r} is closed")
        t = self.clock()
        if self.record:
            self.sent.append((msg, t))
        if self.target is not None:
            self.target.deliver(msg, t)

    def close(self) -> None:
        self.closed = True


def memory_pair(name: str = "memory", clock: Callable[[], float] = time.monotonic) -> tuple[MemoryOutput, MemoryInput]:
    """An output wired to an input: what is sent on the first arrives at the second."""
    inp = MemoryInput(name, clock)
    return MemoryOutput(inp, name, clock), inp


# --- port names --------------------------------------------------------------------------------------
_TRAILING_NUMBER = re.compile(r"\s+\d+(:\d+)?$")  # ALSA's " 14:0", Windows' " 1"


def _forms(name: str) -> set[str]:
    """The ways a port name may be written: as it is, without a ``client:`` prefix, without a
    trailing port number, without both (lower case)."""
    low = " ".join(name.lower().split())
    no_client = low.split(":", 1)[1].strip() if ":" in low else low
    return {f for f in (low, no_client, _TRAILING_NUMBER.sub("", low), _TRAILING_NUMBER.sub("", no_client)) if f}


def match_port(wanted: str, names: Sequence[str], direction: str = "") -> int:
    """The index of the port ``wanted`` names among ``names``: an exact name first, then a name
    equal once prefixes and port numbers are set aside, then a case-insensitive substring.
    PortError (listing the ports) when none or several match equally well."""
    label = f"MIDI {direction} port".replace("  ", " ")
    want = " ".join(wanted.lower().split())
    if not want:
        raise PortError(f"name a {label}; available: {_listing(names)}")
    want_forms = _forms(wanted)
    ranks = (
        [k for k, n in enumerate(names) if n == wanted],
        [k for k, n in enumerate(names) if " ".join(n.lower().split()) == want],
        [k for k, n in enumerate(names) if _forms(n) & want_forms],
        [k for k, n in enumerate(names) if any(want in f for f in _forms(n))],
    )
    for rank, hits in enumerate(ranks):
        if len(hits) == 1 or (hits and rank < 2):
            return hits[0]
        if hits:
            raise PortError(f"{wanted!r} matches several {label}s: {_listing([names[k] for k in hits])}; "
                            "give more of the name")
    raise PortError(f"no {label} matches {wanted!r}; available: {_listing(names)}")


def _listing(names: Sequence[str]) -> str:
    return ", ".join(repr(n) for n in names) if names else "none"


# --- rtmidi ------------------------------------------------------------------------------------------
API_NAMES = {"alsa": "LINUX_ALSA", "jack": "UNIX_JACK", "coremidi": "MACOSX_CORE", "winmm": "WINDOWS_MM"}
_api_cache: dict[str, int] = {}


def _rtmidi():
    try:
        import rtmidi
    except (ImportError, OSError) as e:  # OSError: libasound.so.2 missing on Linux
        raise PortError(f"python-rtmidi cannot load here ({e}); on Linux install libasound2") from None
    return rtmidi


def requested_api() -> str | None:
    """The backend asked for: SEGUE_MIDI_API (alsa, jack, coremidi, winmm), else the suffix of
    MIDO_BACKEND (``mido.backends.rtmidi/UNIX_JACK``), else None (auto)."""
    name = os.environ.get("SEGUE_MIDI_API", "").strip().lower()
    if name and name != "auto":
        if name not in API_NAMES:
            raise PortError(f"SEGUE_MIDI_API must be one of auto, {', '.join(API_NAMES)}; got {name!r}")
        return API_NAMES[name]
    backend = os.environ.get("MIDO_BACKEND", "")
    if "/" in backend:
        return backend.rsplit("/", 1)[1].strip().upper() or None
    return None


def _apis() -> list[tuple[str, int]]:
    rtmidi = _rtmidi()
    compiled = list(rtmidi.get_compiled_api())
    wanted = requested_api()
    if wanted is not None:
        api = getattr(rtmidi, "API_" + wanted, None)
        if api is None or api not in compiled:
            names = [rtmidi.get_api_name(a) for a in compiled]
            raise PortError(f"MIDI backend {wanted} is not compiled into python-rtmidi here (have: {', '.join(names)})")
        return [(wanted, api)]
    return [(rtmidi.get_api_name(a), a) for a in compiled]


def _hint() -> str:
    if os.name == "nt":
        return "install loopMIDI, create two ports and pass --midi-in and --midi-out"
    return ("on Linux load the ALSA sequencer (snd-seq) or start JACK (e.g. `jackd -d dummy`, then "
            "SEGUE_MIDI_API=jack); on macOS enable the IAC driver or use virtual ports")


def _make(cls_name: str, client: str):
    """An rtmidi MidiIn/MidiOut on the first backend that works (remembered for the process)."""
    rtmidi = _rtmidi()
    cls = getattr(rtmidi, cls_name)
    problems = []
    apis = _apis()
    cached = _api_cache.get("api")
    if cached is not None and any(a == cached for _, a in apis):
        apis = [(n, a) for n, a in apis if a == cached]
    for label, api in apis:
        try:
            port = cls(rtapi=api, name=client)
        except Exception as e:  # rtmidi.SystemError (an OSError) and RtMidiError
            problems.append(f"{label}: {e}")
            continue
        _api_cache["api"] = api
        return port, label
    raise PortError(f"no MIDI backend works here ({'; '.join(problems) or 'none compiled'}); {_hint()}")


class RtInput(_Receiving):
    """An rtmidi input read by a thread of ours, not through rtmidi's callback: on JACK that
    callback runs in the real-time process thread, where waiting for Python's GIL makes xruns
    that lose messages. Arrival times come from rtmidi's delta times (taken by the backend when
    each message came in), anchored to time.monotonic() by the smallest delay ever seen between
    arrival and reading. A reader starved of CPU by other processes reads late, but that only
    raises the delays it sees, never the anchor: the arrival times stay right. Should messages be
    lost (their deltas missing, the anchor then looks too early for a whole ``REANCHOR_WINDOW``,
    longer than any starvation a loaded machine shows), it is taken afresh."""

    POLL = 0.001  # seconds between reads
    REANCHOR_WINDOW = 20.0  # seconds (at 2 s, 8 s of reads 44 ms late moved every arrival time by 44 ms)
    REANCHOR_AFTER = 0.02  # every read in the window this much later than the anchor: re-anchor

    def __init__(self, port, name: str, api: str):
        self._port, self.name, self.api = port, name, api
        self._queue: deque[tuple[Message, float]] = deque()
        self._callback: Callback | None = None
        self._lock = threading.Lock()
        self._elapsed: float | None = None  # sum of delta times since the first message
        self._anchor = 0.0
        self._recent: deque[tuple[float, float]] = deque()  # sliding minimum of (read at, read at - elapsed)
        self._recent_since = 0.0
        port.ignore_types(sysex=False, timing=False, active_sense=False)  # filtered here: deltas stay whole
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._pump, name=f"midi-in {name}", daemon=True)
        self._thread.start()

    def _stamp(self, delta: float, now: float) -> float:
        first = self._elapsed is None
        self._elapsed = 0.0 if first else self._elapsed + delta
        sample = now - self._elapsed
        if first or sample < self._anchor:
            self._anchor = sample
        recent = self._recent
        if first:
            self._recent_since = now
        while recent and recent[-1][1] >= sample:
            recent.pop()
        recent.append((now, sample))
        while recent[0][0] < now - self.REANCHOR_WINDOW:
            recent.popleft()
        if now - self._recent_since >= self.REANCHOR_WINDOW and recent[0][1] - self._anchor > self.REANCHOR_AFTER:
            self._anchor = recent[0][1]
            self._recent_since = now
        return min(self._anchor + self._elapsed, now)

    def _pump(self) -> None:
        while not self._stop.is_set():
            while True:
                try:
                    item = self._port.get_message()
                except Exception as e:  # the port went away
                    log.warning("reading MIDI port %r: %s", self.name, e)
                    return
                if item is None:
                    break
                data, delta = item
                t = self._stamp(delta, time.monotonic())
                if not data or data[0] in (0xF0, 0xF7, 0xFE):  # sysex, active sensing
                    continue
                try:
                    msg = mido.Message.from_bytes(data)
                except ValueError:  # not a whole MIDI message: nothing to act on
                    continue
                self._dispatch(msg, t)
            self._stop.wait(self.POLL)

    def _dispatch(self, msg: Message, t: float) -> None:
        with self._lock:
            callback = self._callback
            if callback is None:
                self._queue.append((msg, t))
                return
        try:
            callback(msg, t)
        except Exception:  # the reader must survive whatever a handler does
            log.exception("handling MIDI message %s", msg)


    def close(self) -> None:
        self._callback = None
        self._stop.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout=2)
        try:
            self._port.close_port()
        finally:
            self._port.delete()


class RtOutput:
    def __init__(self, port, name: str, api: str):
        self._port, self.name, self.api = port, name, api
        self._lock = threading.Lock()

    def send(self, msg: Message) -> None:
        with self._lock:
            self._port.send_message(msg.bytes())

    def close(self) -> None:
        with self._lock:
            try:
                self._port.close_port()
            finally:
                self._port.delete()


def _open(cls_name: str, direction: str, name: str | None, virtual: str, client: str):
    port, api = _make(cls_name, client)
    try:
        if name is None:
            try:
                port.open_virtual_port(virtual)
            except NotImplementedError:
                raise PortError(f"the {api} MIDI backend has no virtual ports; {_hint()}") from None
            return port, virtual, api
        names = port.get_ports()
        k = match_port(name, names, direction)
        port.open_port(k, f"{virtual}")
        return port, names[k], api
    except PortError:
        port.delete()
        raise
    except Exception as e:
        port.delete()
        raise PortError(f"cannot open MIDI {direction} port {name or virtual!r} ({api}): {e}") from None


def open_input(name: str | None = None, virtual: str = VIRTUAL_IN, client: str = CLIENT_NAME) -> RtInput:
    """A virtual input called ``virtual`` (``name`` None), or the existing output of another
    program that ``name`` matches (what it sends, Segue receives; our end is called ``virtual``)."""
    port, label, api = _open("MidiIn", "input", name, virtual, client)
    return RtInput(port, label, api)


def open_output(name: str | None = None, virtual: str = VIRTUAL_OUT, client: str = CLIENT_NAME) -> RtOutput:
    """A virtual output called ``virtual`` (``name`` None), or an existing input ``name`` matches."""
    port, label, api = _open("MidiOut", "output", name, virtual, client)
    return RtOutput(port, label, api)


def port_names() -> tuple[list[str], list[str]]:
    """(ports Segue can read from, ports Segue can write to) on the backend in use."""
    inp, _ = _make("MidiIn", CLIENT_NAME + " probe")
    out, _ = _make("MidiOut", CLIENT_NAME + " probe")
    try:
        return list(inp.get_ports()), list(out.get_ports())
    finally:
        inp.delete()
        out.delete()
