"""Control signals a MusicVAE may be conditioned on, as Magenta.js builds them.

A model's ``config.controls`` (``{"chords": encoder, "key": true, "extra": [[name, depth], ...],
"preprocess": units}``) says which signals it reads. Each is a vector per step; they are
concatenated in Magenta.js's order (chords, key, extra controls in the order the model lists them)
into one tensor ``[steps, depth]`` per window, which the encoder reads next to each step's input
and every bottom decoder reads next to its previous output and z (or the conductor's embedding).
With ``preprocess`` the decoders first run a bidirectional LSTM over their segment's controls and
read its outputs instead (Magenta.js's ``control_preprocessing``).

- chords: one progression per bar (``segue.models.chords``); a bar's chords share its 16 steps
  equally, so one chord per bar is Magenta.js's ``encodeProgression`` of the window's chords.
  Multitrack models (``segments_by_track``) read one chord per window: no chord on each track's
  first (program) event, the chord on the rest, the same for every track (Magenta.js allows one
  chord there).
- key: a one-hot of 12 (0 = C major / A minor ... 11 = B major / G# minor), the same every step.
- extra: arrays ``[steps, depth]`` the caller supplies by name.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from segue.models.chords import NO_CHORD, chord_depth, encode_progression
from segue.models.errors import ModelError

__all__ = ["KEY_DEPTH", "ControlSpec", "bars_of"]

KEY_DEPTH = 12
STEPS_PER_BAR = 16


@dataclass(frozen=True)
class ControlSpec:
    chords: str | None = None  # a chord encoder's name
    key: bool = False
    extra: tuple[tuple[str, int], ...] = ()
    preprocess: int = 0  # units per direction of the control LSTM; 0: none

    @classmethod
    def of(cls, controls: Mapping[str, Any] | None) -> ControlSpec:
        c = dict(controls or {})
        unknown = sorted(set(c) - {"chords", "key", "extra", "preprocess"})
        if unknown:
            raise ValueError(f"unknown controls {unknown}; known: chords, key, extra, preprocess")
        chords = c.get("chords") or None
        if chords is not None:
            chord_depth(chords)  # a clear error for an unknown encoder
        extra = tuple((str(name), int(depth)) for name, depth in c.get("extra") or ())
        if any(depth < 1 for _, depth in extra):
            raise ValueError(f"extra controls need a positive depth: {extra}")
        preprocess = int(c.get("preprocess") or 0)
        spec = cls(chords, bool(c.get("key")), extra, preprocess)
        if preprocess and not spec.depth:
            raise ValueError("control preprocessing needs controls")
        return spec

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        if self.chords:
            out["chords"] = self.chords
        if self.key:
            out["key"] = True
        if self.extra:
            out["extra"] = [[name, depth] for name, depth in self.extra]
        if self.preprocess:
            out["preprocess"] = self.preprocess
        return out

    @property
    def depth(self) -> int:
        """Width of the control tensor (what the encoder reads)."""
        return (chord_depth(self.chords) if self.chords else 0) + (KEY_DEPTH if self.key else 0) + \
            sum(d for _, d in self.extra)

    @property
    def decoder_depth(self) -> int:
        """What each decoder step reads: the controls, or the control LSTM's two directions."""
        return 2 * self.preprocess if self.preprocess else self.depth

    def __bool__(self) -> bool:
        return self.depth > 0

    def describe(self) -> list[str]:
        out = [f"chords ({self.chords})"] if self.chords else []
        out += ["key"] if self.key else []
        out += [f"extra control {name!r} (depth {depth})" for name, depth in self.extra]
        return out

    def window(self, steps: int, *, chords: Sequence[Sequence[str]] | None = None, key: int | None = None,
               extra: Mapping[str, Any] | None = None, segments_by_track: int = 0) -> np.ndarray:
        """The control tensor of one window, float32 [steps, depth].

        ``chords``: the window's bars, each a list of chord symbols (None: no chord throughout);
        ``key``: 0..11; ``extra``: name -> [steps, depth]; ``segments_by_track``: the number of
        tracks of a multitrack model (its steps are events, and it takes one chord)."""
        parts = []
        if self.chords:
            parts.append(self._chords(steps, chords, segments_by_track))
        if self.key:
            if key is None or not 0 <= int(key) < KEY_DEPTH:
                raise ModelError(f"this model is conditioned on a key: give one, 0 (C major / A minor) .. 11 "
                                 f"(B major / G# minor); got {key!r}")
            one = np.zeros((steps, KEY_DEPTH), np.float32)
            one[:, int(key)] = 1.0
            parts.append(one)
        for name, depth in self.extra:
            if not extra or name not in extra:
                raise ModelError(f"this model needs the extra control {name!r} (depth {depth}): pass it as an "
                                 f"array of [{steps}, {depth}]")
            arr = np.asarray(extra[name], np.float32)
            if arr.shape != (steps, depth):
                raise ModelError(f"extra control {name!r} must be [{steps}, {depth}], got {list(arr.shape)}")
            parts.append(arr)
        return np.concatenate(parts, axis=1) if parts else np.zeros((steps, 0), np.float32)

    def _chords(self, steps: int, bars: Sequence[Sequence[str]] | None, by_track: int) -> np.ndarray:
        if by_track:
            flat = [c for bar in bars or [] for c in bar] or [NO_CHORD]
            if len(set(flat)) > 1:
                raise ModelError(f"a multitrack model takes one chord per window (as Magenta.js), got {flat}")
            seg = steps // by_track
            one = np.concatenate([encode_progression([NO_CHORD], 1, self.chords),
                                  encode_progression(flat[:1], seg - 1, self.chords)])
            return np.tile(one, (by_track, 1))
        n_bars = steps // STEPS_PER_BAR
        bars = list(bars) if bars else [[NO_CHORD]] * n_bars
        if len(bars) != n_bars:
            raise ModelError(f"a window of {n_bars} bars needs chords for {n_bars} bars, got {len(bars)}")
        return np.concatenate([encode_progression(list(bar) or [NO_CHORD], STEPS_PER_BAR, self.chords)
                               for bar in bars])


def bars_of(progression: Sequence[Sequence[str]] | None, first_bar: int, bars: int) -> list[list[str]] | None:
    """Bars ``first_bar .. first_bar + bars - 1`` of a progression that loops (None: None)."""
    if not progression:
        return None
    return [list(progression[(first_bar + i) % len(progression)]) for i in range(bars)]
