"""Playing streamed bars as MIDI: the Python twin of the device's ``maxpatch/js/schedule.js``.

No threads, no ports, no clock: :class:`Player` is told the beat the song is on and returns the
note-ons and note-offs due up to it, as MIDI messages; the MIDI session sends them.

* :class:`BarQueue` keeps the newest version of each bar until the bar begins (``FREEZE_AHEAD``
  beats before its bar line, since a groove may pull notes early); from then on the bar plays the
  version it was locked with, until the playhead jumps (``unlock_all``).
* A note-on of a pitch that is still sounding ends the sounding note first; note-offs never end a
  later note of the same pitch.
"""

from __future__ import annotations

import heapq
import math
from dataclasses import dataclass

from segue.bridge import ports
from segue.models.notes import BEATS_PER_BAR, Note

FREEZE_AHEAD = 0.125  # beats before a bar line at which that bar's version is fixed (groove may pull notes early)
MAX_BARS_KEPT = 64
EPS = 1e-6  # beats: a note due within this is due now (float rounding of time -> beat)


@dataclass
class QueuedBar:
    version: int
    notes: list[Note]  # the newest version's notes, sorted by start
    locked: list[Note] | None = None  # what plays, once the bar has begun


class BarQueue:
    """Bars waiting to be played: ``offer`` keeps the newest version of a bar; ``notes_of`` locks
    a bar once the playhead reaches it, and the locked notes play whatever arrives after."""

    def __init__(self) -> None:
        self.bars: dict[int, QueuedBar] = {}

    def offer(self, bar: int, version: int, notes: list[Note], playhead_bar: int = 0) -> bool:
        have = self.bars.get(bar)
        if have is not None and version < have.version:
            return False
        ordered = sorted(notes, key=lambda n: (n.start, n.pitch))
        if have is None:
            self.bars[bar] = QueuedBar(version, ordered)
        else:
            have.version, have.notes = version, ordered
        if len(self.bars) > MAX_BARS_KEPT:  # keep the bars nearest the playhead
            for b in sorted(self.bars, key=lambda b: abs(b - playhead_bar))[MAX_BARS_KEPT // 2:]:
                del self.bars[b]
        return True

    def get(self, bar: int) -> QueuedBar | None:
        return self.bars.get(bar)

    def notes_of(self, bar: int, beat: float) -> list[Note]:
        """The notes bar ``bar`` plays when the song is at ``beat`` (locking it once it begins)."""
        have = self.bars.get(bar)
        if have is None:
            return []
        if have.locked is not None:
            return have.locked
        if beat >= bar * BEATS_PER_BAR - FREEZE_AHEAD:
            have.locked = have.notes
        return have.notes

    def playing(self, bar: int) -> list[Note]:
        """The notes the bar would play now, without locking it."""
        have = self.bars.get(bar)
        if have is None:
            return []
        return have.locked if have.locked is not None else have.notes

    def unlock_before(self, bar: int) -> None:
        for b, have in self.bars.items():
            if b < bar:
                have.locked = None

    def unlock_all(self) -> None:
        for have in self.bars.values():
            have.locked = None


class Player:
    """The note-ons and note-offs of a :class:`BarQueue` up to a beat, on one MIDI channel."""

    def __init__(self, queue: BarQueue, channel: int = 0):
        self.queue = queue
        self.channel = channel
        self.cursor = -1e-9  # note-ons up to this beat have been handed out (a new player starts at 0)
        self._offs: list[tuple[float, int, int, int]] = []  # heap of (beat, channel, pitch, token)
        self._sounding: dict[tuple[int, int], int] = {}  # (channel, pitch) -> token of its note-on
        self._token = 0

    def restart(self, beat: float) -> None:
        """The song starts (or jumps) at ``beat``: notes play from there, bars may take newer versions."""
        self.queue.unlock_all()
        self.cursor = beat - 1e-9

    def stop(self) -> None:
        self.queue.unlock_all()

    def all_off(self) -> list[ports.Message]:
        """A note-off for every sounding note (after a stop or a jump)."""
        out = [ports.note_off(channel, pitch) for (channel, pitch) in self._sounding]
        self._sounding.clear()
        self._offs.clear()
        return out

    def _offs_until(self, beat: float, out: list[ports.Message]) -> None:
        while self._offs and self._offs[0][0] <= beat:
            _, channel, pitch, token = heapq.heappop(self._offs)
            if self._sounding.get((channel, pitch)) == token:
                del self._sounding[(channel, pitch)]
                out.append(ports.note_off(channel, pitch))

    def play(self, beat: float) -> list[ports.Message]:
        """Every note-on and note-off due up to ``beat``, in time order."""
        out: list[ports.Message] = []
        if beat <= self.cursor:
            self._offs_until(beat + EPS, out)
            return out
        first, last = math.floor(self.cursor / BEATS_PER_BAR), math.floor(beat / BEATS_PER_BAR) + 1
        due: list[tuple[float, Note]] = []
        for bar in range(first, last + 1):
            base = bar * BEATS_PER_BAR
            for n in self.queue.notes_of(bar, beat):
                at = base + n.start
                if self.cursor < at <= beat + EPS:
                    due.append((at, n))
        due.sort(key=lambda x: (x[0], x[1].pitch))
        ch = self.channel
        for at, n in due:
            self._offs_until(at, out)
            key = (ch, n.pitch)
            if key in self._sounding:  # the same pitch again: end the sounding one first
                out.append(ports.note_off(ch, n.pitch))
            self._token += 1
            self._sounding[key] = self._token
            heapq.heappush(self._offs, (at + max(n.duration, 1e-3), ch, n.pitch, self._token))
            out.append(ports.note_on(ch, n.pitch, max(1, min(127, int(n.velocity)))))
        self._offs_until(beat + EPS, out)
        self.cursor = beat + EPS
        self.queue.unlock_before(math.floor(beat / BEATS_PER_BAR) - 1)
        return out

    def next_beat(self) -> float | None:
        """The next beat at which something is due (a note-off, or the next note-on of the coming bars)."""
        candidates = [self._offs[0][0]] if self._offs else []
        first = math.floor(self.cursor / BEATS_PER_BAR)
        for bar in (first, first + 1, first + 2):
            for n in self.queue.playing(bar):
                at = bar * BEATS_PER_BAR + n.start
                if at > self.cursor:
                    candidates.append(at)
                    break
        return min(candidates) if candidates else None
