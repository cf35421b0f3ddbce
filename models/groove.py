"""GrooVAE's representation: drum hits with velocities and micro-timing (Magenta.js's GrooveConverter).

Each 16th-note step holds, per drum class (9 with the default tables), three numbers:

- hit: 1 when the class is hit on that step (one hit per class and step: the loudest);
- velocity: the hit's velocity / 127 (0 where nothing is hit);
- offset: how far the hit lies from its step, in steps, times 2: ``2 * (step - played)``, so in
  (-1, 1]: positive when played early, negative when late (0 where nothing is hit).

An array is ``[T, 3 * drums]``: all hits, then all velocities, then all offsets, float32. The
encoder reads it as it is; the decoder (``segue.models.heads.GrooveHead``) outputs the same layout.
Offsets are fractions of a step, so they keep their feel at any tempo.

Modes, as Magenta.js's converter flags (they change only what the encoder reads):

- ``"full"`` (groovae_4bar): everything;
- ``"humanize"`` (groovae_2bar_humanize, Magenta Studio's Groove): velocities and offsets are
  zeroed, so the model maps a quantized, flat pattern to a played one;
- ``"tap"`` (tap2drum_*, Magenta Studio's Drumify): every note of any pitch or instrument is a
  hit of class 3 (the open hi-hat row) with velocity 0, keeping its timing: a tapped rhythm.

Which notes count: in ``tap`` mode every note; otherwise the drum tracks' notes whose pitch is in
the table (every track's when the clip has no drum track, as Magenta.js reads pitches only).
Decoding writes each hit as its class's first pitch, one step long, at ``step - offset / 2``
(never before the window's start), with velocity ``round(velocity * 127)`` (at least 1).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from segue.models.errors import EmptyClipError
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import (
    DRUM_PITCH_TABLES,
    STEPS_PER_QUARTER,
    Representation,
    ToIndicesResult,
    _describe,
    _plural,
    register_kind,
)

__all__ = ["GROOVE_MODES", "TAP_CLASS", "GrooveRepresentation", "blend", "regroove"]

GROOVE_MODES = ("full", "humanize", "tap")
TAP_CLASS = 3  # Magenta.js's TAPIFY_CHANNEL
MAX_VELOCITY = 127


def _table(pitch_table: str | list) -> tuple[tuple[int, ...], ...]:
    if isinstance(pitch_table, str):
        if pitch_table not in DRUM_PITCH_TABLES:
            raise ValueError(f"pitch_table must be one of {sorted(DRUM_PITCH_TABLES)} or a list of pitch lists")
        return DRUM_PITCH_TABLES[pitch_table]
    table = tuple(tuple(int(p) for p in cls) for cls in pitch_table)
    if not table or any(not cls or not all(0 <= p <= 127 for p in cls) for cls in table):
        raise ValueError(f"a drum pitch table is a non-empty list of non-empty pitch lists, got {pitch_table!r}")
    return table


@register_kind
class GrooveRepresentation(Representation):
    """Hits, velocities and offsets per drum class and step (see the module docstring)."""

    kind = "groove"
    token_dtype = torch.float32

    def __init__(self, mode: str = "full", pitch_table: str | list = "legacy") -> None:
        if mode not in GROOVE_MODES:
            raise ValueError(f"groove mode must be one of {', '.join(GROOVE_MODES)}, got {mode!r}")
        self.mode = mode
        self.table = _table(pitch_table)
        self.pitch_table = pitch_table if isinstance(pitch_table, str) else [list(c) for c in self.table]
        if mode == "tap" and len(self.table) <= TAP_CLASS:
            raise ValueError(f"tap mode needs at least {TAP_CLASS + 1} drum classes")
        self.drums = len(self.table)
        self.input_depth = 3 * self.drums
        self.output_depths = (3 * self.drums,)
        self._lut = np.full(128, -1, np.int64)
        for cls, pitches in enumerate(self.table):
            for p in pitches:
                if self._lut[p] < 0:
                    self._lut[p] = cls

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "mode": self.mode, "pitch_table": self.pitch_table}

    # --- notes -> features ---------------------------------------------------------------------
    def _notes(self, seq: NoteSequence) -> tuple[list[Note], list[str]]:
        if self.mode == "tap":
            return [n for t in seq.tracks for n in t.notes], []
        drums = [t for t in seq.tracks if t.is_drum]
        tracks = drums or seq.tracks
        messages = [] if drums or not seq.tracks else ["no drum track: reading every track's notes as drums"]
        if drums and len(drums) < len(seq.tracks):
            messages.append(f"ignored {_plural(len(seq.tracks) - len(drums), 'non-drum track')}")
        return [n for t in tracks for n in t.notes], messages

    def features(self, seq: NoteSequence, n_steps: int) -> tuple[NDArray[np.float32], list[str], int]:
        """Hits, velocities and offsets of every hit, whatever the mode: ([T, 3 * drums],
        messages, hits used). In tap mode all notes are class ``TAP_CLASS``."""
        notes, messages = self._notes(seq)
        n = self.drums
        out = np.zeros((n_steps, 3 * n), np.float32)
        best = np.zeros((n_steps, n), np.int64)  # velocity of the hit kept per step and class
        unknown, beyond, used = set(), 0, 0
        for note in notes:
            cls = TAP_CLASS if self.mode == "tap" else int(self._lut[note.pitch])
            if cls < 0:
                unknown.add(note.pitch)
                continue
            played = note.start * STEPS_PER_QUARTER
            step = math.floor(played + 0.5 + 1e-6)
            if step >= n_steps:
                beyond += 1
                continue
            if best[step, cls] == 0:
                used += 1
            if note.velocity > best[step, cls]:  # the loudest hit of a class on a step; the first on a tie
                best[step, cls] = note.velocity
                out[step, cls] = 1.0
                out[step, n + cls] = note.velocity / MAX_VELOCITY
                out[step, 2 * n + cls] = 2.0 * (step - played)
        if unknown:
            dropped = sum(1 for x in notes if x.pitch in unknown)
            messages.append(f"dropped {_plural(dropped, 'hit')} with pitches not in the drum table: {sorted(unknown)}")
        if beyond:
            messages.append(f"dropped {_plural(beyond, 'hit')} starting after the end of the "
                            f"{n_steps // 16}-bar clip")
        return out, messages, used

    def _encode(self, seq: NoteSequence, n_steps: int) -> ToIndicesResult:
        feats, messages, used = self.features(seq, n_steps)
        if not used:
            what = "notes" if self.mode == "tap" else "drum hits with pitches in the drum table"
            raise EmptyClipError(f"nothing to groove: need {what} before the clip's end; {_describe(seq)}")
        n = self.drums
        if self.mode in ("humanize", "tap"):
            feats[:, n : 2 * n] = 0.0  # flat velocities
        if self.mode == "humanize":
            feats[:, 2 * n :] = 0.0  # on the grid
        return ToIndicesResult(feats, 0, 0, messages)

    def to_input(self, indices: torch.Tensor) -> torch.Tensor:
        x = torch.as_tensor(np.asarray(indices) if not isinstance(indices, torch.Tensor) else indices)
        if x.shape[-1] != self.input_depth:
            raise ValueError(f"expected groove features [..., T, {self.input_depth}], got {tuple(x.shape)}")
        return x.float()

    def _input(self, indices: torch.Tensor) -> torch.Tensor:  # pragma: no cover - to_input is overridden
        return indices.float()

    # --- features -> notes ---------------------------------------------------------------------
    def from_indices(self, indices: ArrayLike | torch.Tensor, qpm: float = 120.0, velocity: int = 80,
                     start_beat: float = 0.0) -> NoteSequence:
        """Decoded features [T, 3 * drums] -> drum notes with the model's velocities and timing
        (``velocity`` is not used: every hit has its own)."""
        arr = indices.detach().cpu().numpy() if isinstance(indices, torch.Tensor) else np.asarray(indices)
        if arr.ndim != 2 or arr.shape[1] != 3 * self.drums:
            raise ValueError(f"expected groove features of shape [T, {3 * self.drums}], got {arr.shape}")
        if not (math.isfinite(qpm) and qpm > 0):
            raise ValueError(f"qpm must be a positive number, got {qpm!r}")
        n = self.drums
        notes = []
        for step, cls in zip(*np.nonzero(arr[:, :n] > 0.5)):
            vel = int(np.clip(math.floor(float(arr[step, n + cls]) * MAX_VELOCITY + 0.5), 1, MAX_VELOCITY))
            offset = float(np.clip(arr[step, 2 * n + cls] / 2.0, -0.5, 0.5))
            start = max(0.0, (int(step) - offset) / STEPS_PER_QUARTER)
            notes.append(Note(self.table[cls][0], start_beat + start, 1 / STEPS_PER_QUARTER, vel))
        notes.sort(key=lambda x: (x.start, x.pitch))
        return NoteSequence(tracks=[Track(notes=notes, is_drum=True, name="drums")], qpm=qpm)

    def _decode(self, arr, velocity, start_beat):  # pragma: no cover - from_indices is overridden
        return self.from_indices(arr, start_beat=start_beat).tracks


def blend(rep: GrooveRepresentation, grooved: NDArray[np.float32], source: NDArray[np.float32],
          amount: float) -> NDArray[np.float32]:
    """Features between a quantized source and the model's groove: hits are the model's, their
    offsets ``amount`` times the model's, their velocities ``(1 - amount) * source + amount *
    model`` (the source's velocity of that class and step, else the mean of the source's hits).
    ``amount`` 0 gives the model's hits on the grid at the source's velocities, 1 the model's groove."""
    if not 0.0 <= amount <= 1.0:
        raise ValueError(f"amount must be in 0..1, got {amount!r}")
    n = rep.drums
    out = np.array(grooved, np.float32, copy=True)
    src_hits, src_vel = source[:, :n] > 0.5, source[:, n : 2 * n]
    mean = float(src_vel[src_hits].mean()) if src_hits.any() else None
    base = np.where(src_hits, src_vel, mean if mean is not None else out[:, n : 2 * n])
    out[:, n : 2 * n] = (1 - amount) * base + amount * out[:, n : 2 * n]
    out[:, 2 * n :] *= amount
    return out


def regroove(model, seq: NoteSequence, bars: int | None = None, amount: float = 1.0, temperature: float = 0.0,
             seed: int = 0, tap: bool = False) -> tuple[NoteSequence, list[str]]:
    """Groove a drum clip (``tap=False``: a humanize or full GrooVAE model) or drumify a tapped
    rhythm (``tap=True``: a tap model; any clip, its notes are the taps): encode the clip, decode
    the model's groove, and blend it with the clip by ``amount`` (``blend``). ``model`` is a
    ``LatentModel``. Returns the grooved clip (at the clip's tempo, cut to its bars) and what was
    dropped or padded on the way."""
    from segue.models.errors import ModelError
    from segue.models.representation import split_windows

    rep = model.representation
    if rep.kind != "groove" or (rep.mode == "tap") != tap:
        action = "drumify" if tap else "groove"
        use = "a GrooVAE tap model (tap2drum_*)" if tap else "a GrooVAE humanize model (groovae_2bar_humanize)"
        what = f"a GrooVAE {rep.mode} model" if rep.kind == "groove" else f"a {rep.kind} model"
        raise ModelError(f"{action} needs {use}; {model.config.name} is {what}")
    win = model.clip_windows(seq, bars)
    mu, _ = model.encode(win.windows)
    grooved = model.decode(mu, temperature, seed).numpy()
    source = split_windows(rep.features(seq, win.clip_bars * 16)[0], model.window_bars).windows
    mixed = np.stack([blend(rep, g, s, amount) for g, s in zip(grooved, source)])
    out = model.windows_to_clip(mixed, qpm=seq.qpm, bars=win.clip_bars)
    return out, list(win.messages)
