"""Capture: the notes played into Segue In over N bars become a clip (pure; no ports, no threads).

Beats are the song's, as the clock follower reads them. A capture begins on a bar line; a note
played up to ``PICKUP`` beats early counts as on its first beat, and notes still held at the end
are ended there.
"""

from __future__ import annotations

import math
from concurrent.futures import Future
from dataclasses import dataclass, field

from segue.engine.session import Clip
from segue.models.notes import BEATS_PER_BAR, Note

PICKUP = 0.125  # beats: a captured note this much before the window's start counts as on its first beat
Key = tuple[int, int]  # (channel, pitch)


@dataclass
class Capture:
    slot: str
    bars: int
    start: float | None = None  # the beat it begins on (a bar line); None until the clock plays
    notes: list[Note] = field(default_factory=list)
    held: dict[Key, tuple[float, int]] = field(default_factory=dict)  # key -> (start, velocity)

    @property
    def end(self) -> float:
        return (self.start or 0.0) + self.bars * BEATS_PER_BAR

    @property
    def length(self) -> float:
        return self.bars * BEATS_PER_BAR

    def begin_after(self, beat: float) -> None:
        """(Re)start at the next bar line after ``beat`` (the playhead when armed while playing)."""
        self.start, self.notes, self.held = (math.floor(beat / BEATS_PER_BAR + 1e-9) + 1) * BEATS_PER_BAR, [], {}

    def begin_at(self, beat: float) -> None:
        """(Re)start at the bar line at or after ``beat`` (play starts, or the playhead jumps)."""
        self.start, self.notes, self.held = math.ceil(beat / BEATS_PER_BAR - 1e-9) * BEATS_PER_BAR, [], {}

    def reset(self) -> None:
        """Stopped: wait for the clock to play again."""
        self.start, self.notes, self.held = None, [], {}

    def note_on(self, key: Key, beat: float, velocity: int) -> None:
        if self.start is None or not self.start - PICKUP <= beat < self.end:
            return
        if key in self.held:
            self.note_off(key, beat)
        self.held[key] = (max(beat, self.start) - self.start, velocity)

    def note_off(self, key: Key, beat: float) -> None:
        if key not in self.held:
            return
        start, velocity = self.held.pop(key)
        end = min(beat - self.start, self.length)
        self.notes.append(Note(key[1], start, max(end - start, 1 / 32), velocity))

    def finish(self) -> Clip | None:
        """The clip captured (notes still held end at the capture's end), or None when nothing was played."""
        for key in list(self.held):
            self.note_off(key, self.end)
        notes = sorted(self.notes, key=lambda n: (n.start, n.pitch))
        return Clip(notes, self.length) if notes else None


@dataclass
class CaptureResult:
    slot: str
    clip: Clip
    future: Future | None  # the encode, on the engine
