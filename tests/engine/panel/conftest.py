"""The MIDI files the panel's tests drop for its model-dependent actions (Groove, Drumify, chords);
the models come from tests/conftest.py's ``tool_models`` (shared with the Max device's tests).
"""

from __future__ import annotations

import io

import pretty_midi
import pytest

KICK, SNARE, HAT = 36, 38, 42


def _file(notes, drums: bool = False, qpm: float = 120.0) -> bytes:
    """A one-track .mid of ``notes`` [(pitch, start beat, beats, velocity)]."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=qpm)
    inst = pretty_midi.Instrument(0, is_drum=drums, name="drums" if drums else "keys")
    spb = 60.0 / qpm
    inst.notes = [pretty_midi.Note(v, p, s * spb, (s + d) * spb) for p, s, d, v in notes]
    pm.instruments.append(inst)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def beat_file() -> bytes:
    """Two bars of a quantized beat at one velocity: kicks on the beats, snares on 2 and 4, eighth hats."""
    notes = [(KICK, float(b), 0.25, 100) for b in range(8)] + [(SNARE, float(b), 0.25, 100) for b in (1, 3, 5, 7)]
    notes += [(HAT, b / 2, 0.25, 100) for b in range(16)]
    return _file(notes, drums=True)


def taps_file() -> bytes:
    """A tapped rhythm on one key (any clip drumifies: its notes are the taps)."""
    return _file([(64, k * 0.75, 0.25, 90) for k in range(10)])


def harmony_file() -> bytes:
    """Two bars of held triads: A minor, then G major."""
    return _file([(p, 0.0, 4.0, 80) for p in (57, 60, 64)] + [(p, 4.0, 4.0, 80) for p in (55, 59, 62)])


@pytest.fixture(scope="session")
def tool_files() -> dict[str, bytes]:
    """The files the tests drop: beat.mid, taps.mid, harmony.mid."""
    return {"beat.mid": beat_file(), "taps.mid": taps_file(), "harmony.mid": harmony_file()}
