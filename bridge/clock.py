"""Following a DAW's MIDI clock: pure logic, fed messages with the time they arrived.

MIDI clock is 24 pulses per quarter note (0xF8). Start (0xFA) plays from the top, Continue (0xFB)
from the song position, Stop (0xFC) stops; the Song Position Pointer (0xF2) sets the position in
16th notes (6 clocks each). Per the MIDI spec, playing begins with the first clock *after* Start
or Continue: that clock is the position; every further clock advances it by 1/24 beat.

The tempo is estimated from the last ``window`` pulses: the median of the slopes between pulses a
quarter of that span or more apart (robust to late pulses, and unbiased by timestamps quantized
to a driver's period), and the phase from the lower quartile of the last ``phase_window`` pulses
projected onto that tempo (pulses come late under load, not early), so the
beat at any instant (``beat_at``) and the instant of any beat (``time_of``) stay smooth despite
jitter. Between pulses the beat is extrapolated, but never more than ``max_ahead`` pulses past the
last one: a stalled clock stalls the playhead. A clock that stops for more than ``lost_after``
seconds while playing counts as Stop (``lost``).

MIDI clock carries no meter; ``meter`` is a setting, used to count bars. ``offset_ms`` moves the
output in time relative to the clock (positive: later, negative: earlier, for the latency of what
plays Segue's notes).
"""

from __future__ import annotations

import statistics
from collections import deque
from dataclasses import dataclass

from segue.bridge.ports import CLOCK, CONTINUE, SONG_POSITION, START, STOP, Message

PPQN = 24
CLOCKS_PER_SIXTEENTH = 6


@dataclass(frozen=True)
class ClockEvent:
    kind: str  # "start", "continue", "stop", "lost", "position"
    at: float  # the arrival time of the message that made it (monotonic seconds)
    beat: float  # the song position, in beats (quarter notes)
    tempo: float  # BPM estimate at that moment
    playing: bool


def parse_meter(text: str) -> tuple[int, int]:
    """"4/4" -> (4, 4); ValueError on anything else."""
    try:
        num, den = (int(x) for x in str(text).split("/"))
    except ValueError:
        raise ValueError(f"a meter is written N/D, e.g. 4/4; got {text!r}") from None
    if not (1 <= num <= 32 and den in (1, 2, 4, 8, 16, 32)):
        raise ValueError(f"meter {text!r}: numerator 1..32, denominator a power of two up to 32")
    return num, den


class ClockFollower:
    def __init__(self, meter: tuple[int, int] = (4, 4), offset_ms: float = 0.0, window: int = 24,
                 phase_window: int = 12, lost_after: float = 0.5, tempo: float = 120.0, max_ahead: float = 3.0):
        self.meter = meter
        self.offset = offset_ms / 1000.0
        self.lost_after = lost_after
        self.max_ahead = max_ahead
        self.playing = False
        self.next_tick = 0  # song position (in clocks) of the next pulse
        self._pending: str | None = None  # "start", "continue" or "position": the next pulse says when
        self._default_period = 60.0 / (PPQN * tempo)
        self._pulse_times: deque[float] = deque(maxlen=window + 1)  # the last pulses, played or not
        self._ticks: deque[tuple[int, float]] = deque(maxlen=phase_window)  # (position, time) while playing
        self._last_pulse: float | None = None
        self._period = self._default_period
        self._anchor: tuple[int, float] | None = None  # (position, smoothed time) of the last pulse
        self._jump = 0  # clocks the last song position pointer moved the song

    # --- state ----------------------------------------------------------------------------------
    @property
    def tempo(self) -> float:
        return 60.0 / (PPQN * self._period)

    @property
    def beats_per_bar(self) -> float:
        return self.meter[0] * 4.0 / self.meter[1]

    @property
    def position(self) -> float:
        """The song position in beats: of the last pulse while playing, else where play resumes."""
        if self.playing and self._anchor is not None:
            return self._anchor[0] / PPQN
        return self.next_tick / PPQN

    def beat_at(self, now: float, offset: bool = True) -> float:
        """The beat sounding at ``now`` (with the output offset unless ``offset`` is False)."""
        if not self.playing or self._anchor is None:
            return self.next_tick / PPQN
        pos, t = self._anchor
        ahead = min((now - t) / self._period, self.max_ahead)  # a stalled clock stalls the playhead
        if offset:
            ahead -= self.offset / self._period
        return (pos + ahead) / PPQN

    def time_of(self, beat: float, offset: bool = True) -> float | None:
        """When ``beat`` sounds, on the current estimate (None while stopped)."""
        if not self.playing or self._anchor is None:
            return None
        pos, t = self._anchor
        return t + (beat * PPQN - pos) * self._period + (self.offset if offset else 0.0)

    # --- input ----------------------------------------------------------------------------------
    def feed(self, msg: Message, now: float) -> list[ClockEvent]:
        """Take one message (others than clock ones are ignored); the transport events it makes."""
        status = msg.type
        if status == CLOCK:
            return self._pulse(now)
        if status == START:
            self.playing, self.next_tick, self._pending = False, 0, "start"
            self._ticks.clear()
            self._pulse_times.clear()  # a new play may come at a new tempo
            return []
        if status == CONTINUE:
            self.playing, self._pending = False, "continue"
            self._ticks.clear()
            self._pulse_times.clear()
            return []
        if status == STOP:
            return self._stop("stop", now)
        if status == SONG_POSITION:
            new = msg.pos * CLOCKS_PER_SIXTEENTH
            self._jump, self.next_tick = new - self.next_tick, new
            if self.playing:  # a jump while playing (a loop): the next pulse is at the new position
                self._pending = "position"
                return []
            return [self._event("position", now)]
        return []

    def poll(self, now: float) -> list[ClockEvent]:
        """Call now and then: a clock silent for ``lost_after`` while playing is lost (a stop)."""
        if self.playing and self._last_pulse is not None and now - self._last_pulse > self.lost_after:
            return self._stop("lost", now)
        return []

    # --- internals ------------------------------------------------------------------------------
    def _event(self, kind: str, now: float) -> ClockEvent:
        return ClockEvent(kind, now, self.position, self.tempo, self.playing)

    def _stop(self, kind: str, now: float) -> list[ClockEvent]:
        was = self.playing or self._pending is not None
        self.playing, self._pending = False, None
        self._ticks.clear()
        self._anchor = None
        if kind == "lost":
            self._pulse_times.clear()
            self._last_pulse = None
        return [self._event(kind, now)] if was or kind == "stop" else []

    def _estimate_period(self) -> float:
        """The median of the slopes between every two pulses of the window at least a quarter of
        it apart (Theil-Sen): each spans many intervals, so timestamps quantized to a driver's
        period (JACK: 1.3 ms) average out, where a median of single intervals would pick one of
        the two quantized values; and a late pulse spoils only the slopes that use it, a minority
        even when one pulse in eight comes late on a loaded machine."""
        times = self._pulse_times
        n = len(times)
        if n < 2:
            return self._period
        least = max(1, (n - 1) // 4)
        slopes = [(times[j] - times[i]) / (j - i) for i in range(n) for j in range(i + least, n)]
        return statistics.median(slopes)

    def _pulse(self, now: float) -> list[ClockEvent]:
        last = self._last_pulse
        self._last_pulse = now
        if last is not None:
            gap = now - last
            if gap > self.lost_after:
                self._pulse_times.clear()  # the clock paused: its tempo starts afresh
            # (a late pulse does not: under load one pulse in ten may come late, and starting the tempo
            # afresh from the two pulses around it put notes 100 ms off; the median of slopes shrugs it off)
        self._pulse_times.append(now)
        self._period = self._estimate_period()
        events: list[ClockEvent] = []
        if self._pending is not None:
            kind, self._pending = self._pending, None
            pos = self.next_tick
            if kind == "position":
                # a jump while playing moves the song, not the pulses: the phase carries on, with the
                # ticks so far relabelled to the new positions (a late first pulse is smoothed out)
                self._ticks = deque(((p + self._jump, t) for p, t in self._ticks), maxlen=self._ticks.maxlen)
                events.append(ClockEvent(kind, now, pos / PPQN, self.tempo, True))
            else:
                self.playing = True
                self._ticks.clear()
                self.next_tick += 1
                self._ticks.append((pos, now))
                self._anchor = (pos, now)
                events.append(ClockEvent(kind, now, pos / PPQN, self.tempo, True))
                return events
        if not self.playing:
            return events
        pos = self.next_tick
        self.next_tick += 1
        self._ticks.append((pos, now))
        # where the pulse would be, seen from each recent one: pulses come late on a loaded machine
        # (never early, but for jitter), often a few in a row, so the lower quartile, not the median
        projected = sorted(t + (pos - p) * self._period for p, t in self._ticks)
        self._anchor = (pos, projected[len(projected) // 4])
        return events
