"""Synthetic training windows written straight into the dataset layout of `segue data build`."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from segue.models.training.windows import windows_path


def write_synthetic_windows(out: Path, count: int, valid: int, test: int, seed: int = 0) -> Path:
    """Scales and arpeggios in many keys, at several note spacings and offsets (so density,
    intervals and syncopation all vary): ``count`` windows split train / valid / test."""
    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        base = int(rng.integers(50, 70))
        step = int(rng.choice([1, 2, 3, 4]))
        spacing = int(rng.choice([1, 2, 3, 4]))
        offset = int(rng.integers(0, spacing))
        w = np.zeros((32, 1), dtype=np.uint8)
        for n, i in enumerate(range(offset, 32, spacing)):
            w[i, 0] = base + (n * step) % 24 - 21 + 2
        rows.append(w)
    arr = np.stack(rows)
    train = count - valid - test
    for split, part in (("train", arr[:train]), ("valid", arr[train : train + valid]), ("test", arr[train + valid :])):
        np.save(windows_path(out, "melody", 2, split), part)
    return out
