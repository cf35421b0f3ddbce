"""Multitrack MusicVAE's representation: each track as performance events (Magenta.js's
MultitrackConverter).

A window (``total_steps`` steps of ``steps_per_quarter`` per quarter: the official checkpoints use
24 per quarter and 96 steps, one bar) holds up to ``num_tracks`` instruments. Each is a segment of
``num_steps / num_tracks`` tokens:

    program select, then the track's events, then the end token, then padding

from a vocabulary of ``depth`` tokens, in this order: note-on per pitch (``min_pitch`` ..
``max_pitch``), note-off per pitch, time-shift by 1 .. ``total_steps`` steps, velocity change to
bin 1 .. ``velocity_bins``, program select 0 .. 127 then one for drums, and the end token. Tracks
are ordered by program with drums last; extra tracks are dropped, missing ones are a lone end
token; events that do not fit are dropped from the end.

The encoder reads each segment only up to its end token (``end_token``; the hierarchical encoder
takes the segments' lengths), so the padding (end tokens here, zeros in Magenta.js) is never read.
A decoded segment is read up to its first end token; its first program token names the
instrument (none: program 0).

Segue's tracks are the instruments: a track's notes share its program and drum flag. A clip longer
than a window is cut into windows at window boundaries (a note belongs to the window it starts
in, and sounds at most to the window's end, as Magenta.js's events end there).
"""

from __future__ import annotations

import functools
import math
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from segue.models.errors import ClipLengthError, EmptyClipError
from segue.models.notes import BEATS_PER_BAR, Note, NoteSequence, Track
from segue.models.representation import (
    MAX_CLIP_BARS,
    ClipWindows,
    Representation,
    ToIndicesResult,
    _describe,
    _one_hot,
    _plural,
    check_meter,
    register_kind,
    validate_sequence,
)

__all__ = ["MultitrackRepresentation"]

NUM_PROGRAMS = 129  # 0..127 and drums
VELOCITIES = 128


@register_kind
class MultitrackRepresentation(Representation):
    """Performance events per track (see the module docstring); one categorical head."""

    kind = "multitrack"
    segmented_by_track = True

    def __init__(self, num_steps: int = 512, num_tracks: int = 8, steps_per_quarter: int = 24,
                 total_steps: int = 96, velocity_bins: int = 8, min_pitch: int = 0, max_pitch: int = 127) -> None:
        if num_tracks < 1 or num_steps % num_tracks or num_steps // num_tracks < 2:
            raise ValueError(f"{num_steps} events do not split into {num_tracks} tracks of at least 2")
        if total_steps % (4 * steps_per_quarter):
            raise ValueError(f"a multitrack window of {total_steps} steps at {steps_per_quarter} per quarter is "
                             "not a whole number of 4/4 bars")
        if not 0 <= min_pitch <= max_pitch <= 127:
            raise ValueError(f"need 0 <= min_pitch <= max_pitch <= 127, got {min_pitch}, {max_pitch}")
        self.num_steps, self.num_tracks = num_steps, num_tracks
        self.steps_per_quarter, self.total_steps = steps_per_quarter, total_steps
        self.velocity_bins, self.min_pitch, self.max_pitch = velocity_bins, min_pitch, max_pitch
        self.num_pitches = max_pitch - min_pitch + 1
        self.events_depth = 2 * self.num_pitches + total_steps + velocity_bins
        self.end_token = self.events_depth + NUM_PROGRAMS
        self.input_depth = self.end_token + 1
        self.output_depths = (self.input_depth,)
        self.max_events = num_steps // num_tracks
        self.window_bars = total_steps // (4 * steps_per_quarter)
        self.bin_size = math.ceil((VELOCITIES - 1) / velocity_bins) if velocity_bins else 0

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "num_steps": self.num_steps, "num_tracks": self.num_tracks,
                "steps_per_quarter": self.steps_per_quarter, "total_steps": self.total_steps,
                "velocity_bins": self.velocity_bins, "min_pitch": self.min_pitch, "max_pitch": self.max_pitch}

    # --- a track <-> events ----------------------------------------------------------------------
    def _quantize(self, beats: float) -> int:
        return math.floor(beats * self.steps_per_quarter + 0.5 + 1e-6)

    def _events(self, notes: list[Note]) -> list[tuple[str, int]]:
        """A track's notes (beats from the window's start) -> performance events, as Magenta.js's
        ``Performance.fromNoteSequence`` then ``setNumSteps(total_steps)``."""
        ordered = sorted(notes, key=lambda n: (n.start, n.pitch))
        marks = []
        for i, n in enumerate(ordered):
            start = self._quantize(n.start)
            end = max(self._quantize(n.end), start + 1)
            marks += [(start, i, 0), (end, i, 1)]
        marks.sort()
        events: list[tuple[str, int]] = []
        step, current_bin = 0, self.velocity_bins
        for at, i, is_off in marks:
            if at > step:
                while at > step + self.total_steps:
                    events.append(("shift", self.total_steps))
                    step += self.total_steps
                events.append(("shift", at - step))
                step = at
            if is_off:
                events.append(("off", ordered[i].pitch))
                continue
            if self.bin_size:
                b = (ordered[i].velocity - 1) // self.bin_size + 1
                if b != current_bin:
                    events.append(("velocity", b))
                    current_bin = b
            events.append(("on", ordered[i].pitch))
        return _set_steps(events, self.total_steps)

    def _token(self, event: tuple[str, int]) -> int:
        kind, value = event
        p = self.num_pitches
        if kind == "on":
            return value - self.min_pitch
        if kind == "off":
            return p + value - self.min_pitch
        if kind == "shift":
            return 2 * p + value - 1
        return 2 * p + self.total_steps + value - 1

    def _track_tokens(self, track: Track | None, notes: list[Note]) -> NDArray[np.int64]:
        out = np.full(self.max_events, self.end_token, np.int64)
        if track is None:
            return out
        events = self._events(notes)[: self.max_events - 2]
        out[0] = self.events_depth + (NUM_PROGRAMS - 1 if track.is_drum else track.program)
        out[1 : 1 + len(events)] = [self._token(e) for e in events]
        return out

    def _window(self, seq: NoteSequence, lo: float, hi: float) -> tuple[NDArray[np.int64], int, int]:
        """One window's tokens [num_steps, 1] from the notes starting in [lo, hi) beats; and how
        many tracks and notes were left out."""
        tracks = []
        for t in seq.tracks:
            notes = [Note(n.pitch, n.start - lo, n.duration, n.velocity) for n in t.notes
                     if lo <= n.start < hi and self.min_pitch <= n.pitch <= self.max_pitch]
            if notes:
                tracks.append((t, notes))

        def order(a, b) -> int:  # Magenta.js's comparator: by program, drums last
            if b[0].is_drum:
                return -1
            if a[0].is_drum:
                return 1
            return a[0].program - b[0].program

        tracks.sort(key=functools.cmp_to_key(order))
        dropped = tracks[self.num_tracks :]
        tracks = tracks[: self.num_tracks] + [(None, [])] * max(0, self.num_tracks - len(tracks))
        tokens = np.concatenate([self._track_tokens(t, notes) for t, notes in tracks])
        return tokens[:, None], len(dropped), sum(len(n) for _, n in dropped)

    # --- clips ---------------------------------------------------------------------------------
    def clip_windows(self, seq: NoteSequence, num_bars: int | None = None) -> ClipWindows:
        check_meter(seq)
        validate_sequence(seq)
        last = max((n.end for t in seq.tracks for n in t.notes), default=0.0)
        bars = int(num_bars) if num_bars else max(1, math.ceil(last / BEATS_PER_BAR - 1e-9))
        if bars > MAX_CLIP_BARS:
            raise ClipLengthError(f"clip is {bars} bars; the limit is {MAX_CLIP_BARS} bars "
                                  "(split it into shorter clips)")
        used = [n for t in seq.tracks for n in t.notes
                if self.min_pitch <= n.pitch <= self.max_pitch and n.start < bars * BEATS_PER_BAR]
        if not used:
            raise EmptyClipError(f"no notes for a multitrack model: need notes in {self.min_pitch}..{self.max_pitch} "
                                 f"before the clip's end; {_describe(seq)}")
        wb = self.window_bars
        n_windows = -(-bars // wb)
        span = wb * BEATS_PER_BAR
        windows, messages, left = [], [], (0, 0)
        for w in range(n_windows):
            tokens, tracks, notes = self._window(seq, w * span, min((w + 1) * span, bars * BEATS_PER_BAR))
            windows.append(tokens)
            left = (left[0] + tracks, left[1] + notes)
        if left[0]:
            messages.append(f"dropped {_plural(left[1], 'note')} of tracks beyond the model's {self.num_tracks} "
                            "(tracks are kept by program, drums last)")
        padded = n_windows * wb - bars
        if n_windows > 1 or padded:
            messages.append(f"clip is {_plural(bars, 'bar')}; {_plural(n_windows, 'window')} of "
                            f"{_plural(wb, 'bar')}")
        return ClipWindows(np.stack(windows), bars, padded, messages)

    def to_indices(self, seq: NoteSequence, num_bars: int | None = None) -> ToIndicesResult:
        """Every window's tokens one after another: [windows * num_steps, 1]."""
        win = self.clip_windows(seq, num_bars)
        return ToIndicesResult(win.windows.reshape(-1, 1), 0, 0, win.messages)

    def _encode(self, seq, n_steps):  # pragma: no cover - to_indices is overridden
        raise NotImplementedError

    def _input(self, indices: torch.Tensor) -> torch.Tensor:
        return _one_hot(indices[..., 0], self.input_depth)

    # --- tokens -> notes -----------------------------------------------------------------------
    def _decode_track(self, tokens: NDArray[np.int64], velocity: int, offset: float) -> Track:
        ends = np.flatnonzero(tokens == self.end_token)
        tokens = tokens[: ends[0]] if len(ends) else tokens
        programs = [int(t) - self.events_depth for t in tokens if t >= self.events_depth]
        program, is_drum = (0, False) if not programs else \
            (programs[0], False) if programs[0] < NUM_PROGRAMS - 1 else (0, True)
        p = self.num_pitches
        events = []
        for t in (int(x) for x in tokens if x < self.events_depth):
            if t < p:
                events.append(("on", self.min_pitch + t))
            elif t < 2 * p:
                events.append(("off", self.min_pitch + t - p))
            elif t < 2 * p + self.total_steps:
                events.append(("shift", t - 2 * p + 1))
            else:
                events.append(("velocity", t - 2 * p - self.total_steps + 1))
        events = _set_steps(events, self.total_steps)
        notes, active, step, vel = [], {}, 0, None
        spq = self.steps_per_quarter

        def note(pitch: int, start: int, v: int | None) -> Note:
            return Note(pitch, offset + start / spq, (step - start) / spq, v or velocity)

        for kind, value in events:
            if kind == "on":
                active.setdefault(value, []).append((step, vel))
            elif kind == "off" and active.get(value):
                start, v = active[value].pop(0)
                if step > start:
                    notes.append(note(value, start, v))
            elif kind == "shift":
                step += value
            elif kind == "velocity" and self.bin_size:
                vel = min(127, (value - 1) * self.bin_size + 1)
        for pitch in sorted(active):
            notes += [note(pitch, start, v) for start, v in active[pitch] if step > start]
        return Track(notes, program=program, is_drum=is_drum, name="drums" if is_drum else f"program {program}")

    def _decode_window(self, column: NDArray[np.int64], velocity: int, offset: float) -> list[Track]:
        segments = [column[k * self.max_events : (k + 1) * self.max_events] for k in range(self.num_tracks)]
        return [self._decode_track(s, velocity, offset) for s in segments if len(s)]

    def from_indices(self, indices: ArrayLike | torch.Tensor, qpm: float = 120.0, velocity: int = 80,
                     start_beat: float = 0.0) -> NoteSequence:
        """One window's tokens [num_steps, 1] (or fewer: the tracks decoded so far) -> notes, a
        track per instrument; notes without a velocity event get ``velocity``."""
        arr = indices.detach().cpu().numpy() if isinstance(indices, torch.Tensor) else np.asarray(indices)
        arr = arr.reshape(-1).astype(np.int64)
        return NoteSequence(_merge(self._decode_window(arr, velocity, start_beat)), qpm=qpm)

    def windows_to_clip(self, windows: NDArray, qpm: float = 120.0, velocity: int = 80,
                        bars: int | None = None) -> NoteSequence:
        span = self.window_bars * BEATS_PER_BAR
        tracks = [t for w, column in enumerate(np.asarray(windows))
                  for t in self._decode_window(column.reshape(-1).astype(np.int64), velocity, w * span)]
        out = _merge(tracks)
        if bars is not None:
            end = bars * BEATS_PER_BAR
            for t in out:
                t.notes = [Note(n.pitch, n.start, min(n.duration, end - n.start), n.velocity)
                           for n in t.notes if n.start < end]
        return NoteSequence(out, qpm=qpm)

    def _decode(self, arr, velocity, start_beat):  # pragma: no cover - from_indices is overridden
        return self.from_indices(arr, velocity=velocity, start_beat=start_beat).tracks


def _set_steps(events: list[tuple[str, int]], total: int) -> list[tuple[str, int]]:
    """Pad with time shifts, or cut from the end, to exactly ``total`` steps (Magenta.js's
    ``Performance.setNumSteps`` with ``total`` as the longest shift)."""
    events = list(events)
    steps = sum(v for k, v in events if k == "shift")
    if steps < total:
        if events and events[-1][0] == "shift":
            grow = min(total - steps, total - events[-1][1])
            events[-1] = ("shift", events[-1][1] + grow)
            steps += grow
        while steps < total:
            add = min(total, total - steps)
            events.append(("shift", add))
            steps += add
    while events and steps > total:
        kind, value = events[-1]
        if kind == "shift" and steps - value < total:
            events[-1] = ("shift", value - (steps - total))
            steps = total
        else:
            events.pop()
            steps -= value if kind == "shift" else 0
    return events


def _merge(tracks: list[Track]) -> list[Track]:
    """Tracks of one instrument (program and drum flag) joined, in order of first appearance."""
    out: dict[tuple[int, bool], Track] = {}
    for t in tracks:
        key = (t.program, t.is_drum)
        if key not in out:
            out[key] = Track([], program=t.program, is_drum=t.is_drum, name=t.name)
        out[key].notes.extend(t.notes)
    for t in out.values():
        t.notes.sort(key=lambda n: (n.start, n.pitch))
    return [t for t in out.values() if t.notes] or list(out.values())[:1]
