"""Attribute metrics and attribute vectors (MusicVAE paper, section "Attribute vectors").

The metrics work on *index arrays*, the integer event grids the models read and write, with 16
steps per bar:

- melody: 0 = NO_EVENT (hold or rest), 1 = NOTE_OFF, k >= 2 = onset of MIDI pitch k - 2 + 21
  (pitches 21..108, so values 0..89);
- drums: values 0..511, bit c set = drum class c hit at that step.

Every metric takes an array of shape ``[..., T]`` (numpy or a CPU torch tensor) and returns a
float64 numpy array of shape ``[...]``, one value per sequence. An *onset* is a melody value
>= 2, or a drum value > 0 (any hit).

=================  ==========================================================================
note_density       #onsets / #steps
c_diatonic         fraction of onsets whose pitch class is in {0, 2, 4, 5, 7, 9, 11} (C major);
                   0 with no onsets. Melody only.
average_interval   mean |p[k+1] - p[k]| in semitones over consecutive onsets (rests in between
                   do not matter); 0 with fewer than 2 onsets. Melody only.
syncopation_16th   onsets at odd 0-indexed steps i with no onset at step i-1, over #onsets
syncopation_8th    onsets at steps i = 2 (mod 4) with no onset at steps i-1 and i-2, over
                   #onsets
=================  ==========================================================================

Ratios over #onsets are 0 when there are no onsets. The rhythm metrics (density and both
syncopations) also apply to drums; the pitch metrics do not.

An attribute vector is the mean latent code of the sequences in the top quartile of an attribute
minus the mean over the bottom quartile; adding a multiple of it to z moves a sample along that
attribute. :data:`PRODUCER_NAMES` gives the knobs friendly names:

=============  ====================
denser         note_density
syncopated     syncopation_16th
wider          average_interval
diatonic       c_diatonic
offbeat        syncopation_8th
=============  ====================
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

import numpy as np
import torch
from numpy.typing import ArrayLike, NDArray

from segue.models.errors import ModelError

__all__ = [
    "ATTRIBUTES",
    "DRUM_ATTRIBUTES",
    "PRODUCER_NAMES",
    "attribute_vector",
    "average_interval",
    "c_diatonic",
    "fit_attribute_vectors",
    "note_density",
    "resolve_attribute",
    "syncopation_8th",
    "syncopation_16th",
]

# Melody index layout (kept private: segue.models.representation owns the public constants).
_FIRST_ONSET = 2
_MIN_PITCH = 21
_MELODY_VOCAB = 90  # NO_EVENT, NOTE_OFF, pitches 21..108
_DRUM_VOCAB = 512  # 9 drum classes as bits
_C_MAJOR_PITCH_CLASSES = (0, 2, 4, 5, 7, 9, 11)

Metric = Callable[..., NDArray[np.float64]]


def _as_index_array(x: ArrayLike | torch.Tensor, drums: bool) -> NDArray[np.int64]:
    """Checks an index array and returns it as int64 numpy, shape ``[..., T]`` with T >= 1."""
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    arr = np.asarray(x)
    if arr.ndim == 0 or arr.shape[-1] == 0:
        raise ValueError(f"expected an index array of shape [..., T] with T >= 1, got {arr.shape}")
    if arr.dtype == np.bool_ or not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(f"expected an integer index array, got dtype {arr.dtype}")
    vocab = _DRUM_VOCAB if drums else _MELODY_VOCAB
    if arr.size and (arr.min() < 0 or arr.max() >= vocab):
        kind = "drum" if drums else "melody"
        raise ValueError(
            f"{kind} index values must lie in 0..{vocab - 1}, got {arr.min()}..{arr.max()}"
            + ("" if drums else "; pass drums=True for drum arrays")
        )
    return arr.astype(np.int64, copy=False)


def _onsets(arr: NDArray[np.int64], drums: bool) -> NDArray[np.bool_]:
    return arr > 0 if drums else arr >= _FIRST_ONSET


def _ratio(num: NDArray[np.generic], den: NDArray[np.generic]) -> NDArray[np.float64]:
    """num / den elementwise, 0 where den == 0."""
    out = np.zeros(np.shape(num), dtype=np.float64)
    np.divide(num, den, out=out, where=den > 0)
    return out


def _shift_right(mask: NDArray[np.bool_], k: int) -> NDArray[np.bool_]:
    """``out[..., i] = mask[..., i - k]``, False for i < k."""
    out = np.zeros_like(mask)
    if k < mask.shape[-1]:
        out[..., k:] = mask[..., :-k]
    return out


def _melody_only(name: str, drums: bool) -> None:
    if drums:
        raise ValueError(f"{name} needs pitches and is not defined for drum arrays")


def note_count(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.int64]:
    """Note onsets per sequence (drums: steps with a hit)."""
    return _onsets(_as_index_array(x, drums), drums).sum(axis=-1)


def note_density(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.float64]:
    """Onsets (drums: steps with any hit) per step, shape ``[...]``, in [0, 1]."""
    arr = _as_index_array(x, drums)
    return _onsets(arr, drums).mean(axis=-1, dtype=np.float64)


def c_diatonic(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.float64]:
    """Fraction of onsets on a white key (pitch class of C major); 0 with no onsets."""
    _melody_only("c_diatonic", drums)
    arr = _as_index_array(x, drums)
    onsets = _onsets(arr, drums)
    pitch_class = (arr - _FIRST_ONSET + _MIN_PITCH) % 12
    diatonic = onsets & np.isin(pitch_class, _C_MAJOR_PITCH_CLASSES)
    return _ratio(diatonic.sum(axis=-1), onsets.sum(axis=-1))


def average_interval(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.float64]:
    """Mean absolute jump in semitones between consecutive onsets; 0 with < 2 onsets."""
    _melody_only("average_interval", drums)
    arr = _as_index_array(x, drums)
    onsets = _onsets(arr, drums)
    steps = np.arange(arr.shape[-1])
    # Index of the latest onset at or before each step (-1 if none), then strictly before it.
    latest = np.maximum.accumulate(np.where(onsets, steps, -1), axis=-1)
    previous = np.full_like(latest, -1)
    previous[..., 1:] = latest[..., :-1]
    has_previous = onsets & (previous >= 0)
    previous_value = np.take_along_axis(arr, np.maximum(previous, 0), axis=-1)
    jumps = np.where(has_previous, np.abs(arr - previous_value), 0)
    return _ratio(jumps.sum(axis=-1), onsets.sum(axis=-1) - 1)


def syncopation_16th(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.float64]:
    """Share of onsets on an odd 16th step that are not preceded by an onset one step earlier."""
    arr = _as_index_array(x, drums)
    onsets = _onsets(arr, drums)
    odd_step = np.arange(arr.shape[-1]) % 2 == 1
    syncopated = onsets & odd_step & ~_shift_right(onsets, 1)
    return _ratio(syncopated.sum(axis=-1), onsets.sum(axis=-1))


def syncopation_8th(x: ArrayLike | torch.Tensor, *, drums: bool = False) -> NDArray[np.float64]:
    """Share of onsets on an off-beat 8th (step = 2 mod 4) with no onset in the 2 steps before."""
    arr = _as_index_array(x, drums)
    onsets = _onsets(arr, drums)
    offbeat_8th = np.arange(arr.shape[-1]) % 4 == 2
    syncopated = onsets & offbeat_8th & ~_shift_right(onsets, 1) & ~_shift_right(onsets, 2)
    return _ratio(syncopated.sum(axis=-1), onsets.sum(axis=-1))


#: Every metric by name. Each is called as ``metric(index_array, drums=False)``.
ATTRIBUTES: dict[str, Metric] = {
    "note_density": note_density,
    "c_diatonic": c_diatonic,
    "average_interval": average_interval,
    "syncopation_16th": syncopation_16th,
    "syncopation_8th": syncopation_8th,
}

#: The metrics that also apply to drum arrays (they need onsets only, not pitches).
DRUM_ATTRIBUTES: frozenset[str] = frozenset({"note_density", "syncopation_16th", "syncopation_8th"})

#: Friendly knob names (as shown to producers) -> names in :data:`ATTRIBUTES`.
PRODUCER_NAMES: dict[str, str] = {
    "denser": "note_density",
    "syncopated": "syncopation_16th",
    "wider": "average_interval",
    "diatonic": "c_diatonic",
    "offbeat": "syncopation_8th",
}


def resolve_attribute(name: str) -> str:
    """Returns the :data:`ATTRIBUTES` name for an attribute or knob name ("denser" etc.).

    Raises:
        ModelError: the name is neither.
    """
    if name in ATTRIBUTES:
        return name
    if name in PRODUCER_NAMES:
        return PRODUCER_NAMES[name]
    known = ", ".join([*ATTRIBUTES, *PRODUCER_NAMES])
    raise ModelError(f"unknown attribute {name!r}; known attributes: {known}")


def attribute_vector(z: torch.Tensor, values: ArrayLike | torch.Tensor) -> torch.Tensor:
    """Mean of ``z`` over the top quartile of ``values`` minus the mean over the bottom quartile.

    Args:
        z: latent codes, shape ``[N, Z]`` (e.g. the encoder's posterior means).
        values: one attribute value per code, shape ``[N]``.

    Returns:
        A tensor of shape ``[Z]`` with the dtype and device of ``z``.

    Each quartile holds exactly ``N // 4`` codes. Rows are ordered by value with a stable sort,
    so ties at a quartile boundary are broken by row order (earlier rows count as smaller) and
    the result is deterministic.

    Raises:
        ValueError: shapes do not match, N < 8, a value is not finite, or all values are equal.
    """
    if z.ndim != 2:
        raise ValueError(f"z must have shape [N, Z], got {tuple(z.shape)}")
    if isinstance(values, torch.Tensor):
        values = values.detach().cpu().numpy()
    vals = np.asarray(values, dtype=np.float64)
    if vals.shape != (z.shape[0],):
        raise ValueError(f"values must have shape [N] = [{z.shape[0]}], got {vals.shape}")
    n = vals.shape[0]
    if n < 8:
        raise ValueError(f"need at least 8 codes to take quartiles (2 per quartile), got {n}")
    if not np.isfinite(vals).all():
        raise ValueError("attribute values must be finite (found NaN or inf)")
    if vals.min() == vals.max():
        raise ValueError(
            f"all {n} attribute values equal {vals[0]}; the attribute does not vary in this data, "
            "so it defines no direction"
        )
    order = torch.from_numpy(np.argsort(vals, kind="stable")).to(z.device)
    quarter = n // 4
    bottom, top = order[:quarter], order[-quarter:]
    return z[top].mean(dim=0) - z[bottom].mean(dim=0)


def fit_attribute_vectors(
    z: torch.Tensor,
    index_arrays: ArrayLike | torch.Tensor,
    names: Iterable[str] | None = None,
    *,
    drums: bool = False,
) -> dict[str, torch.Tensor]:
    """Attribute vectors for a batch of codes and the sequences they encode.

    Args:
        z: latent codes, shape ``[N, Z]``.
        index_arrays: the sequences, shape ``[N, T]`` (melody or, with ``drums=True``, drums).
        names: attributes to fit, by :data:`ATTRIBUTES` or :data:`PRODUCER_NAMES` name; ``None``
            means all. Melody-only attributes are skipped for drums.
        drums: whether ``index_arrays`` holds drum values (0..511).

    Returns:
        ``{attribute name: vector [Z]}`` keyed by :data:`ATTRIBUTES` name, in registry order.

    Raises:
        ModelError: an unknown attribute name.
        ValueError: mismatched shapes, or an attribute that cannot give a vector (see
            :func:`attribute_vector`); the message names the attribute.
    """
    wanted = set(ATTRIBUTES) if names is None else {resolve_attribute(n) for n in names}
    arrays = _as_index_array(index_arrays, drums)
    if arrays.ndim != 2 or arrays.shape[0] != z.shape[0]:
        raise ValueError(
            f"index_arrays must have shape [N, T] with N = {z.shape[0]} (rows of z), "
            f"got {arrays.shape}"
        )
    vectors: dict[str, torch.Tensor] = {}
    for name, metric in ATTRIBUTES.items():
        if name not in wanted or (drums and name not in DRUM_ATTRIBUTES):
            continue
        try:
            vectors[name] = attribute_vector(z, metric(arrays, drums=drums))
        except ValueError as err:
            raise ValueError(f"attribute {name!r}: {err}") from err
    return vectors
