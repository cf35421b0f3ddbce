"""Tests for segue.models.render: piano-roll PNGs and morphing GIFs, checked by their pixels."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import matplotlib
import numpy as np
import pytest
from PIL import Image

from segue.models.notes import Note, NoteSequence, Track
from segue.models.render import DEFAULT_SIZE, morph_gif, piano_roll_png

WHITE = (255, 255, 255)


def melody(pitches: list[int], step: float = 0.5) -> NoteSequence:
    return NoteSequence([Track([Note(p, i * step, step) for i, p in enumerate(pitches)])])


def drums(pitches: list[int]) -> Track:
    return Track([Note(p, i * 0.5, 0.1) for i, p in enumerate(pitches)], is_drum=True)


def rgb(path: Path, frame: int = 0) -> np.ndarray:
    with Image.open(path) as im:
        im.seek(frame)
        return np.asarray(im.convert("RGB")).astype(int)


def blue_mask(pixels: np.ndarray) -> np.ndarray:
    """Pixels of the first pitched track's colour (blue), not grey shading or red drums."""
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (b - r > 60) & (b > 150) & (g < b)


def red_mask(pixels: np.ndarray) -> np.ndarray:
    r, g, b = pixels[..., 0], pixels[..., 1], pixels[..., 2]
    return (r - g > 80) & (r - b > 80)


def rows_with(mask: np.ndarray) -> np.ndarray:
    return np.flatnonzero(mask.any(axis=1))


# --- piano_roll_png ----------------------------------------------------------------------------


def test_png_is_written_with_expected_size_and_content(tmp_path: Path) -> None:
    seq = melody([60, 62, 64, 65, 67, 65, 64, 62])
    out = piano_roll_png(seq, tmp_path / "roll.png", title="scale")
    assert out == tmp_path / "roll.png" and out.is_file()
    with Image.open(out) as im:
        assert im.format == "PNG"
        assert im.size == DEFAULT_SIZE
    pixels = rgb(out)
    assert (pixels != WHITE).any(axis=-1).mean() > 0.05  # not blank
    assert blue_mask(pixels).sum() > 2000  # eight notes of a 4-beat roll are drawn
    assert not red_mask(pixels).any()


def test_notes_change_the_picture(tmp_path: Path) -> None:
    full = rgb(piano_roll_png(melody([60, 64, 67]), tmp_path / "a.png", title="t", bars=1))
    other = rgb(piano_roll_png(melody([60, 64, 69]), tmp_path / "b.png", title="t", bars=1))
    assert (full != other).any()


def test_pitch_axis_is_zoomed_to_the_notes(tmp_path: Path) -> None:
    # One high note: on a full 0..127 axis it would be about 2 px tall; zoomed it fills a row.
    pixels = rgb(piano_roll_png(melody([100], step=4.0), tmp_path / "high.png"))
    rows = rows_with(blue_mask(pixels))
    assert rows.size >= 12
    height = DEFAULT_SIZE[1]
    assert 0.25 * height < rows.mean() < 0.75 * height  # near the middle, not at an edge


def test_custom_size_and_bars(tmp_path: Path) -> None:
    seq = melody([60, 62])
    out = piano_roll_png(seq, tmp_path / "small.png", bars=4, size=(400, 200))
    with Image.open(out) as im:
        assert im.size == (400, 200)
    short = blue_mask(rgb(piano_roll_png(seq, tmp_path / "one.png", bars=1))).sum()
    long = blue_mask(rgb(piano_roll_png(seq, tmp_path / "four.png", bars=4))).sum()
    assert long < short / 2  # the same notes take less width on a 4-bar roll
    with pytest.raises(ValueError, match="bars must be >= 1"):
        piano_roll_png(seq, tmp_path / "none.png", bars=0)


def test_drum_tracks_are_drawn_on_class_rows(tmp_path: Path) -> None:
    kit = NoteSequence([drums([36, 42, 38, 42, 36, 42, 38, 42])])
    pixels = rgb(piano_roll_png(kit, tmp_path / "drums.png"))
    red = red_mask(pixels)
    assert red.sum() > 500 and not blue_mask(pixels).any()
    # kick, closed hat and snare hits sit on three separate rows of the drum panel
    bands = np.split(rows_with(red), np.flatnonzero(np.diff(rows_with(red)) > 1) + 1)
    assert len(bands) == 3


def test_melody_and_drums_together(tmp_path: Path) -> None:
    seq = melody([60, 62, 64, 65])
    seq.tracks.append(drums([36, 42, 38, 99]))  # 99 has no drum class: drawn on "other"
    pixels = rgb(piano_roll_png(seq, tmp_path / "both.png"))
    blue, red = rows_with(blue_mask(pixels)), rows_with(red_mask(pixels))
    assert blue.size and red.size
    assert blue.max() < red.min()  # pitch panel above the drum panel


def test_empty_sequence_renders_empty_roll(tmp_path: Path) -> None:
    out = piano_roll_png(NoteSequence(), tmp_path / "empty.png")
    with Image.open(out) as im:
        assert im.size == DEFAULT_SIZE
    pixels = rgb(out)
    assert (pixels != WHITE).any(axis=-1).any()  # axes and grid are still drawn
    assert not blue_mask(pixels).any() and not red_mask(pixels).any()
    piano_roll_png(NoteSequence([Track(), Track(is_drum=True)]), tmp_path / "empty_tracks.png")


def test_rendering_leaves_matplotlib_global_state_alone(tmp_path: Path) -> None:
    backend, params = matplotlib.get_backend(), dict(matplotlib.rcParams)
    piano_roll_png(melody([60, 67]), tmp_path / "x.png")
    morph_gif([melody([60]), melody([67])], tmp_path / "x.gif")
    assert matplotlib.get_backend() == backend
    assert dict(matplotlib.rcParams) == params
    code = (
        "import sys, tempfile, pathlib\n"
        "from segue.models.notes import Note, NoteSequence, Track\n"
        "from segue.models.render import piano_roll_png\n"
        "d = pathlib.Path(tempfile.mkdtemp())\n"
        "piano_roll_png(NoteSequence([Track([Note(60, 0, 1)])]), d / 'a.png')\n"
        "assert 'matplotlib.pyplot' not in sys.modules\n"
    )
    subprocess.run([sys.executable, "-W", "error", "-c", code], check=True, timeout=120)


# --- morph_gif ---------------------------------------------------------------------------------


def test_gif_has_one_frame_per_sequence_and_loops(tmp_path: Path) -> None:
    frames = [melody([60 + k, 64 + k, 67 + k]) for k in range(5)]
    labels = [f"A → B {i + 1}/5" for i in range(5)]
    out = morph_gif(frames, tmp_path / "morph.gif", labels=labels, ms_per_frame=250)
    assert out == tmp_path / "morph.gif"
    with Image.open(out) as im:
        assert im.format == "GIF"
        assert im.n_frames == 5
        assert im.size == DEFAULT_SIZE
        assert im.info["loop"] == 0
        assert im.info["duration"] == 250
    first, last = rgb(out, 0), rgb(out, 4)
    assert blue_mask(first).any() and blue_mask(last).any()
    assert (first != last).any()


def test_gif_frames_differ_only_where_sequences_differ(tmp_path: Path) -> None:
    a, b = melody([60, 62, 64]), melody([72, 71, 69])
    out = morph_gif([a, a, b], tmp_path / "aab.gif", labels=["same"] * 3)
    with Image.open(out) as im:
        assert im.n_frames == 3  # identical frames are not merged
    plot = slice(0, DEFAULT_SIZE[1] - 10)  # everything above the progress bar
    f0, f1, f2 = (rgb(out, i)[plot] for i in range(3))
    np.testing.assert_array_equal(f0, f1)
    assert (f1 != f2).any()


def test_gif_frames_share_one_pitch_axis(tmp_path: Path) -> None:
    low, high = melody([48], step=4.0), melody([84], step=4.0)
    out = morph_gif([low, high], tmp_path / "axis.gif")
    low_rows = rows_with(blue_mask(rgb(out, 0)))
    high_rows = rows_with(blue_mask(rgb(out, 1)))
    assert low_rows.size and high_rows.size
    assert high_rows.max() < low_rows.min()  # the high note is drawn higher up, not re-centred


def test_gif_with_empty_and_drum_frames(tmp_path: Path) -> None:
    frames = [NoteSequence(), NoteSequence([drums([36, 38])]), melody([60])]
    out = morph_gif(frames, tmp_path / "mixed.gif", ms_per_frame=100)
    with Image.open(out) as im:
        assert im.n_frames == 3


def test_gif_argument_errors(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="at least one frame"):
        morph_gif([], tmp_path / "e.gif")
    with pytest.raises(ValueError, match="2 labels for 1 frames"):
        morph_gif([melody([60])], tmp_path / "e.gif", labels=["a", "b"])
    with pytest.raises(ValueError, match="ms_per_frame"):
        morph_gif([melody([60])], tmp_path / "e.gif", ms_per_frame=0)
    assert not (tmp_path / "e.gif").exists()
