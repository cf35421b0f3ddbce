"""Pictures of note sequences for people: piano-roll PNGs and morphing GIFs.

Drawing uses matplotlib's object-oriented API (``Figure`` plus ``FigureCanvasAgg``) and never
imports ``pyplot``, so it changes no global matplotlib state (backend, rcParams, open figures)
and every figure is freed when the function returns. Images are 800x400 px by default.

Layout of a roll: time in beats runs left to right with a thick line at every bar and a thin one
at every beat; pitched tracks share one pitch axis zoomed to the notes used (plus a margin of two
semitones, at least an octave), with black-key rows shaded; drum tracks get a second panel below
with one row per MusicVAE drum class (kick, snare, ... ride, see :data:`DRUM_CLASSES`), plus an
"other" row when a drum note has no class. Pitched tracks are coloured by their order in the
sequence; note opacity follows velocity.
"""

from __future__ import annotations

import math
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PolyCollection
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle
from PIL import Image

from segue.models.notes import NoteSequence, Track

__all__ = ["DEFAULT_SIZE", "DRUM_CLASSES", "morph_gif", "piano_roll_png"]

#: Default image size in pixels (width, height).
DEFAULT_SIZE: tuple[int, int] = (800, 400)

#: MusicVAE's nine drum classes (current note_seq table) as (row label, General MIDI pitches).
DRUM_CLASSES: tuple[tuple[str, tuple[int, ...]], ...] = (
    ("kick", (36, 35)),
    ("snare", (38, 27, 28, 31, 32, 33, 34, 37, 39, 40, 56, 65, 66, 75, 85)),
    ("closed hat", (42, 44, 54, 68, 69, 70, 71, 73, 78, 80, 22)),
    ("open hat", (46, 67, 72, 74, 79, 81, 26)),
    ("low tom", (45, 29, 41, 43, 61, 64, 84)),
    ("mid tom", (48, 47, 60, 63, 77, 86, 87)),
    ("high tom", (50, 30, 62, 76, 83)),
    ("crash", (49, 52, 55, 57, 58)),
    ("ride", (51, 53, 59, 82)),
)
_DRUM_ROW = {pitch: row for row, (_, pitches) in enumerate(DRUM_CLASSES) for pitch in pitches}
_OTHER_DRUM_ROW = len(DRUM_CLASSES)

_DPI = 100
_PITCH_MARGIN = 2  # semitones shown above and below the notes used
_MIN_PITCH_SPAN = 12  # show at least an octave
_EMPTY_PITCH_RANGE = (60, 72)  # C4..C5 when there is nothing to zoom to
_DRUM_HIT_BEATS = 0.25  # drum hits are drawn one 16th step long, whatever their duration
_MAX_X_TICKS = 17
_BLACK_KEYS = frozenset({1, 3, 6, 8, 10})
_NOTE_NAMES = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
_TRACK_COLOURS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf")
_DRUM_COLOUR = "#d62728"
_ROW_SHADE = "#ececec"
_PROGRESS_COLOUR = "#555555"


@dataclass(frozen=True)
class _Layout:
    """Axes limits shared by every frame drawn with it, so that a GIF does not jump."""

    beats: float
    beats_per_bar: float
    pitch_low: int  # lowest pitch row shown
    pitch_high: int  # highest pitch row shown
    pitched: bool  # draw the pitch panel
    drum_rows: int  # 0 (no drum panel), 9, or 10 with the "other" row


def _pitched_tracks(seq: NoteSequence) -> list[Track]:
    return [t for t in seq.tracks if not t.is_drum]


def _layout(seqs: Sequence[NoteSequence], bars: int | None) -> _Layout:
    """Limits that fit every sequence: the union of their pitches, the longest length."""
    if bars is not None and bars < 1:
        raise ValueError(f"bars must be >= 1, got {bars}")
    beats_per_bar = seqs[0].beats_per_bar
    if bars is None:
        end = max(s.end for s in seqs)
        bars = max(1, math.ceil(end / beats_per_bar - 1e-9))
    pitches = [n.pitch for s in seqs for t in _pitched_tracks(s) for n in t.notes]
    drum_pitches = [n.pitch for s in seqs for t in s.tracks if t.is_drum for n in t.notes]
    if pitches:
        low, high = min(pitches) - _PITCH_MARGIN, max(pitches) + _PITCH_MARGIN
        missing = _MIN_PITCH_SPAN - (high - low)
        if missing > 0:
            low, high = low - missing // 2, high + (missing - missing // 2)
    else:
        low, high = _EMPTY_PITCH_RANGE
    has_drums = any(t.is_drum for s in seqs for t in s.tracks)
    drum_rows = 0
    if has_drums:
        unmapped = any(p not in _DRUM_ROW for p in drum_pitches)
        drum_rows = len(DRUM_CLASSES) + int(unmapped)
    return _Layout(
        beats=bars * beats_per_bar,
        beats_per_bar=beats_per_bar,
        pitch_low=max(0, low),
        pitch_high=min(127, high),
        pitched=bool(pitches) or not has_drums,
        drum_rows=drum_rows,
    )


def _pitch_name(pitch: int) -> str:
    return f"{_NOTE_NAMES[pitch % 12]}{pitch // 12 - 1}"  # MIDI 60 = C4


def _row_boxes(rows: Sequence[int], beats: float) -> list[list[tuple[float, float]]]:
    return [[(0, r - 0.5), (beats, r - 0.5), (beats, r + 0.5), (0, r + 0.5)] for r in rows]


def _note_box(start: float, length: float, row: float) -> list[tuple[float, float]]:
    low, high = row - 0.4, row + 0.4
    return [(start, low), (start + length, low), (start + length, high), (start, high)]


def _add_notes(ax: Axes, boxes: list[list[tuple[float, float]]], colours: list) -> None:
    if boxes:
        ax.add_collection(
            PolyCollection(
                boxes, facecolors=colours, edgecolors="#222222", linewidths=0.4, zorder=2
            )
        )


def _style_time_axis(ax: Axes, layout: _Layout, label: bool) -> None:
    """Limits, beat and bar lines, and bar ticks (beat numbers) along x."""
    ax.set_xlim(0, layout.beats)
    beat_lines = np.arange(0, layout.beats + 1e-9, 1.0)
    bar_lines = np.arange(0, layout.beats + 1e-9, layout.beats_per_bar)
    transform = ax.get_xaxis_transform()  # x in data, y in axes coordinates
    ax.vlines(beat_lines, 0, 1, transform=transform, colors="#d0d0d0", linewidths=0.5, zorder=1)
    ax.vlines(bar_lines, 0, 1, transform=transform, colors="#707070", linewidths=1.2, zorder=1)
    stride = math.ceil(len(bar_lines) / _MAX_X_TICKS)
    ticks = bar_lines[::stride]
    ax.set_xticks(ticks, [f"{t:g}" for t in ticks] if label else [])
    if label:
        ax.set_xlabel("beats")


def _draw_pitched(ax: Axes, seq: NoteSequence, layout: _Layout) -> None:
    low, high = layout.pitch_low, layout.pitch_high
    ax.set_ylim(low - 0.5, high + 0.5)
    black = [p for p in range(low, high + 1) if p % 12 in _BLACK_KEYS]
    ax.add_collection(
        PolyCollection(
            _row_boxes(black, layout.beats), facecolors=_ROW_SHADE, linewidths=0, zorder=0
        )
    )
    boxes, colours = [], []
    for i, track in enumerate(_pitched_tracks(seq)):
        colour = _TRACK_COLOURS[i % len(_TRACK_COLOURS)]
        for n in track.notes:
            boxes.append(_note_box(n.start, n.duration, n.pitch))
            colours.append((colour, 0.35 + 0.65 * n.velocity / 127))
    _add_notes(ax, boxes, colours)
    step = 1 if high - low <= 16 else 12
    ticks = [p for p in range(low, high + 1) if step == 1 or p % 12 == 0]
    ax.set_yticks(ticks, [_pitch_name(p) for p in ticks], fontsize=7)
    ax.set_ylabel("pitch")


def _draw_drums(ax: Axes, seq: NoteSequence, layout: _Layout) -> None:
    rows = layout.drum_rows
    ax.set_ylim(-0.5, rows - 0.5)
    ax.add_collection(
        PolyCollection(
            _row_boxes(range(1, rows, 2), layout.beats),
            facecolors=_ROW_SHADE,
            linewidths=0,
            zorder=0,
        )
    )
    boxes, colours = [], []
    for track in seq.tracks:
        if track.is_drum:
            for n in track.notes:
                boxes.append(_note_box(n.start, _DRUM_HIT_BEATS, _DRUM_ROW.get(n.pitch, rows - 1)))
                colours.append((_DRUM_COLOUR, 0.35 + 0.65 * n.velocity / 127))
    _add_notes(ax, boxes, colours)
    labels = [name for name, _ in DRUM_CLASSES] + ["other"]
    ax.set_yticks(range(rows), labels[:rows], fontsize=7)
    ax.set_ylabel("drums")


def _default_title(seq: NoteSequence, layout: _Layout) -> str:
    count = sum(len(t.notes) for t in seq.tracks)
    bars = layout.beats / layout.beats_per_bar
    notes_word = "note" if count == 1 else "notes"
    bars_word = "bar" if bars == 1 else "bars"
    return f"{count} {notes_word}, {bars:g} {bars_word}, {seq.qpm:g} qpm"


def _render(
    seq: NoteSequence,
    layout: _Layout,
    title: str,
    size: tuple[int, int],
    progress: float | None = None,
) -> Image.Image:
    """Draws one roll and returns it as an RGB image of exactly ``size`` pixels."""
    width, height = size
    fig = Figure(figsize=(width / _DPI, height / _DPI), dpi=_DPI)
    canvas = FigureCanvasAgg(fig)
    panels = [k for k, used in (("pitch", layout.pitched), ("drums", layout.drum_rows)) if used]
    ratios = [2.0 if kind == "pitch" else 1.0 for kind in panels]
    grid = fig.add_gridspec(
        len(panels), 1, height_ratios=ratios, left=0.1, right=0.98, top=0.9, bottom=0.12,
        hspace=0.08,
    )
    for i, kind in enumerate(panels):
        ax = fig.add_subplot(grid[i])
        _style_time_axis(ax, layout, label=i == len(panels) - 1)
        if kind == "pitch":
            _draw_pitched(ax, seq, layout)
        else:
            _draw_drums(ax, seq, layout)
        if not any(t.notes for t in seq.tracks) and i == 0:
            ax.text(0.5, 0.5, "no notes", transform=ax.transAxes, ha="center", va="center",
                    color="#888888", fontsize=14, style="italic")
    fig.suptitle(title, fontsize=11)
    if progress is not None:
        fig.add_artist(
            Rectangle((0, 0), progress, 0.012, transform=fig.transFigure, color=_PROGRESS_COLOUR)
        )
    canvas.draw()
    rgba = np.asarray(canvas.buffer_rgba())
    image = Image.fromarray(rgba[..., :3].copy(), mode="RGB")
    fig.clear()
    return image


def _shared_palette(images: Sequence[Image.Image], samples: int = 8) -> Image.Image:
    """One 256-colour palette for every frame, taken from up to ``samples`` of them.

    Sharing it keeps equal pixels equal from frame to frame, so colours do not flicker.
    """
    picked = images[:: max(1, math.ceil(len(images) / samples))]
    width, height = picked[0].size
    montage = Image.new("RGB", (width, height * len(picked)))
    for i, im in enumerate(picked):
        montage.paste(im, (0, i * height))
    return montage.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)


def piano_roll_png(
    seq: NoteSequence,
    path: str | os.PathLike[str],
    title: str | None = None,
    bars: int | None = None,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Path:
    """Draws ``seq`` as a piano roll and writes it to ``path`` as a PNG.

    Args:
        seq: the notes; an empty sequence gives an empty one-bar roll marked "no notes".
        path: where to write the PNG (its folder must exist).
        title: text above the roll; by default the note count, length and tempo.
        bars: how many bars to show (notes past the end are cut off); by default enough for
            every note, at least one.
        size: image size in pixels, (width, height).

    Returns:
        The path written.
    """
    layout = _layout([seq], bars)
    image = _render(seq, layout, title if title is not None else _default_title(seq, layout), size)
    out = Path(path)
    image.save(out, format="PNG")
    return out


def morph_gif(
    frames: Sequence[NoteSequence],
    path: str | os.PathLike[str],
    labels: Sequence[str] | None = None,
    ms_per_frame: int = 600,
    *,
    size: tuple[int, int] = DEFAULT_SIZE,
) -> Path:
    """Writes an animated GIF (looping forever) with one piano roll per sequence.

    Every frame uses the same time and pitch axes (the union over all frames), so only the notes
    move. A bar along the bottom edge grows with the frame number; it also keeps every frame
    distinct, so the GIF always has ``len(frames)`` frames (GIF writers merge identical ones).

    Args:
        frames: the sequences, in order (for example an interpolation from A to B).
        path: where to write the GIF (its folder must exist).
        labels: one title per frame, such as "A → B 3/8"; by default "frame i/n".
        ms_per_frame: how long each frame shows, in milliseconds (GIF stores 10 ms units).
        size: image size in pixels, (width, height).

    Returns:
        The path written.
    """
    if not frames:
        raise ValueError("morph_gif needs at least one frame")
    if labels is not None and len(labels) != len(frames):
        raise ValueError(f"got {len(labels)} labels for {len(frames)} frames")
    if ms_per_frame <= 0:
        raise ValueError(f"ms_per_frame must be > 0, got {ms_per_frame}")
    layout = _layout(frames, None)
    count = len(frames)
    if labels is None:
        labels = [f"frame {i + 1}/{count}" for i in range(count)]
    rgb = [
        _render(seq, layout, label, size, progress=(i + 1) / count)
        for i, (seq, label) in enumerate(zip(frames, labels, strict=True))
    ]
    palette = _shared_palette(rgb)
    images = [im.quantize(palette=palette, dither=Image.Dither.NONE) for im in rgb]
    out = Path(path)
    images[0].save(
        out, format="GIF", save_all=True, append_images=images[1:], duration=ms_per_frame, loop=0
    )
    return out
