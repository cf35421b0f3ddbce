"""Training windows: cut from encoded pieces, split by piece, de-duplicated, stored and loaded.

- **Windows** of ``bars`` bars start on every bar (hop one bar) and need at least ``MIN_ONSETS``
  note onsets (``cut_windows``).
- **Splits** by piece, from a SHA-1 hash of the piece id and a seed (``split_of``).
- **De-duplication** is exact, row by row (``unique_windows``; ``found_in`` finds leaked windows).
- **Storage**: one ``DATA_DIR/{kind}_{bars}bar_{split}.npy`` per representation, window length and
  split (``windows_path``), uint8 or uint16 (``storage_dtype``); ``load_windows`` opens one,
  memory-mapped. ``segue.models.training.dataset.build_dataset`` writes them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from segue.models.errors import InputError
from segue.models.representation import MELODY_FIRST_PITCH, STEPS_PER_BAR, Representation

__all__ = [
    "MIN_ONSETS",
    "SPLITS",
    "cut_windows",
    "found_in",
    "load_windows",
    "split_of",
    "storage_dtype",
    "unique_windows",
    "window_onsets",
    "windows_path",
]

SPLITS = ("train", "valid", "test")
MIN_ONSETS = 2  # a window needs at least this many note onsets (drum steps with a hit count too)


def split_of(piece_id: str, splits: Sequence[float] = (0.9, 0.05, 0.05), seed: int = 0) -> str:
    """The split of a piece: SHA-1 of ``"{seed}:{piece_id}"`` read as a fraction in [0, 1)."""
    digest = hashlib.sha1(f"{seed}:{piece_id}".encode()).digest()
    u = int.from_bytes(digest[:8], "big") / 2.0**64
    edge = 0.0
    for name, share in zip(SPLITS, splits):
        edge += share
        if u < edge:
            return name
    return SPLITS[-1]


def _step_onsets(indices: NDArray[Any], rep: Representation) -> NDArray[np.int64]:
    """Onsets per step: melodic heads count pitches (index >= 2), other heads any hit (!= 0)."""
    out = np.zeros(indices.shape[0], np.int64)
    for head in range(indices.shape[1]):
        col = indices[:, head]
        out += col >= MELODY_FIRST_PITCH if head in rep.melodic_heads else col != 0
    return out


def window_onsets(window: NDArray[Any], rep: Representation) -> int:
    """Note onsets in one window [S, heads] (what ``MIN_ONSETS`` is checked against)."""
    return int(_step_onsets(np.asarray(window), rep).sum())


def cut_windows(indices: NDArray[Any], bars: int, rep: Representation) -> NDArray[Any]:
    """Windows of ``bars`` bars starting on every bar (hop one bar), with >= MIN_ONSETS onsets."""
    steps = bars * STEPS_PER_BAR
    n_bars = indices.shape[0] // STEPS_PER_BAR
    if n_bars < bars:
        return np.zeros((0, steps, indices.shape[1]), indices.dtype)
    starts = np.arange(n_bars - bars + 1) * STEPS_PER_BAR
    cum = np.concatenate([[0], np.cumsum(_step_onsets(indices, rep))])
    starts = starts[cum[starts + steps] - cum[starts] >= MIN_ONSETS]
    return indices[starts[:, None] + np.arange(steps)[None, :]]


def _rows(a: NDArray[Any]) -> NDArray[Any]:
    """Each window as one opaque (void) element, for exact row comparisons."""
    a = np.ascontiguousarray(a)
    width = a.dtype.itemsize * int(np.prod(a.shape[1:], dtype=np.int64))
    return a.reshape(a.shape[0], -1).view(np.dtype((np.void, width))).ravel()


def unique_windows(a: NDArray[Any]) -> NDArray[Any]:
    """Exact de-duplication, keeping the first occurrence of each window in order."""
    if len(a) < 2:
        return a
    _, first = np.unique(_rows(a), return_index=True)
    return a[np.sort(first)]


def found_in(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.bool_]:
    """For each window of ``a``: does it occur in ``b``?"""
    if not len(a) or not len(b):
        return np.zeros(len(a), bool)
    _, inverse = np.unique(np.concatenate([_rows(b), _rows(a)]), return_inverse=True)
    inverse = inverse.ravel()
    return np.isin(inverse[len(b) :], inverse[: len(b)])


def storage_dtype(rep: Representation) -> np.dtype:
    return np.dtype(np.uint8 if max(rep.output_depths) <= 256 else np.uint16)


def windows_path(data_dir: str | Path, kind: str, bars: int, split: str) -> Path:
    """``DATA_DIR/{kind}_{bars}bar_{split}.npy``."""
    return Path(data_dir) / f"{kind}_{bars}bar_{split}.npy"


def load_windows(data_dir: str | Path, kind: str, bars: int, split: str) -> np.ndarray:
    """Stored windows [N, bars*16, heads] (uint8 or uint16), memory-mapped read-only.

    ``kind`` is the representation's name in the build (``"melody"`` by default).

    Raises:
        InputError: the file is missing (the message names it) or the split is unknown.
    """
    if split not in SPLITS:
        raise InputError(f"unknown split {split!r}; known: {', '.join(SPLITS)}")
    path = windows_path(data_dir, kind, bars, split)
    if not path.is_file():
        raise InputError(
            f"no windows file {path}: build it with `segue data build SOURCE -o {data_dir} "
            f"--windows {bars}` (representation {kind!r})"
        )
    return np.load(path, mmap_mode="r")
