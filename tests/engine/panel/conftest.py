"""Models for the panel's model-dependent actions (Groove, Drumify, chords, weak knobs), saved into a
models folder the engine offers by name, and the MIDI files the tests drop:

- ``grooveh``: a tiny GrooVAE humanize model (Groove), ``groovet``: a tiny tap model (Drumify);
- ``chordmel``: a tiny melody model conditioned on chords (major and minor triads);
- ``calibrated``: the tiny melody model whose knob calibration marks ``average_interval`` weak.

The GrooVAE and chord models get random weights large enough to play varied hits (a fresh model's
are near-silent), as tests/engine/test_osc_server.py's do.
"""

from __future__ import annotations

import io
from dataclasses import replace
from pathlib import Path

import pretty_midi
import pytest

KICK, SNARE, HAT = 36, 38, 42
WEAK_CALIBRATION = {"note_density": {"std": 0.12, "lo": 0.05, "hi": 0.6, "spearman": 0.91, "weak": False},
                    "average_interval": {"std": 1.4, "lo": 0.0, "hi": 7.0, "spearman": 0.38, "weak": True}}


def _loud(config, seed: int = 4, hit_bias: float = 0.0):
    import torch

    from segue.models.inference import LatentModel

    model = LatentModel.fresh(config, seed=seed, device="cpu")
    with torch.no_grad():
        gen = torch.Generator().manual_seed(seed)
        for p in model.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        if hit_bias:  # the GrooVAE hits' logits first: more hits than silence
            model.model.decoder.heads[0].output_projection.bias[:9] += hit_bias
    return model


@pytest.fixture(scope="session")
def tool_models(tmp_path_factory, tiny_model) -> Path:
    """A models folder with grooveh, groovet, chordmel and calibrated (see the module's doc)."""
    from segue.models.configs import CONFIGS

    folder = tmp_path_factory.mktemp("panel-models")
    _loud(CONFIGS["groovae_2bar_humanize"].scaled(8)).save(folder / "grooveh.safetensors")
    _loud(CONFIGS["groovae_2bar_tap"].scaled(8), hit_bias=1.5).save(folder / "groovet.safetensors")
    chords = replace(CONFIGS["cat-mel_2bar_small"].scaled(8), controls={"chords": "MajorMinorChordEncoder"})
    _loud(chords).save(folder / "chordmel.safetensors")
    tiny_model().save(folder / "calibrated.safetensors", training={"knobs": WEAK_CALIBRATION})
    return folder


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
