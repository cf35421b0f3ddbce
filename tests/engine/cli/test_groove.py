"""`segue groove` and `segue drumify` on MIDI files, with tiny GrooVAE models saved to disk."""

from __future__ import annotations

import pytest
import torch

from segue.engine.cli import main
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel
from segue.models.midifile import read_midi, write_midi
from segue.models.notes import Note, NoteSequence, Track

KICK, SNARE, HAT = 36, 38, 42


def _save(name: str, path):
    model = LatentModel.fresh(CONFIGS[name].scaled(16), seed=4, device="cpu")
    with torch.no_grad():  # random weights large enough to play hits with varied feel
        gen = torch.Generator().manual_seed(4)
        for p in model.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        model.model.decoder.heads[0].output_projection.bias[:9] += 1.5
    return model.save(path)


@pytest.fixture(scope="module")
def models(tmp_path_factory):
    folder = tmp_path_factory.mktemp("groove")
    return _save("groovae_2bar_humanize", folder / "humanize.safetensors"), _save("groovae_2bar_tap",
                                                                                  folder / "tap.safetensors")


def _beat(path, qpm=120.0):
    notes = [Note(KICK, float(b), 0.25, 100) for b in range(8)] + [Note(HAT, b / 2, 0.25, 100) for b in range(16)]
    write_midi(NoteSequence([Track(notes, is_drum=True)], qpm=qpm), path)
    return path


def test_groove_gives_played_drums_that_keep_their_feel_at_any_tempo(models, tmp_path, capsys):
    humanize, _ = models
    outs = {}
    for qpm in (90.0, 150.0):
        src = _beat(tmp_path / f"beat{qpm:g}.mid", qpm)
        assert main(["groove", str(src), "--model", str(humanize), "-o", str(tmp_path / f"g{qpm:g}.mid")]) == 0
        outs[qpm] = read_midi(tmp_path / f"g{qpm:g}.mid")
        assert outs[qpm].qpm == pytest.approx(qpm)
    notes = [n for t in outs[90.0].tracks for n in t.notes]
    assert notes and all(t.is_drum for t in outs[90.0].tracks)
    assert len({n.velocity for n in notes}) > 3, "the model's velocities"
    assert any(abs(n.start * 4 - round(n.start * 4)) > 0.01 for n in notes), "off the grid"
    # offsets are fractions of a step: the same beats at any tempo (so seconds scale with it)
    assert [(n.pitch, round(n.start, 2), n.velocity) for t in outs[90.0].tracks for n in t.notes] == \
        [(n.pitch, round(n.start, 2), n.velocity) for t in outs[150.0].tracks for n in t.notes]
    assert max(n.start for n in notes) < 8.0  # the clip's two bars (a late last hit may ring past)

    assert main(["groove", str(tmp_path / "beat90.mid"), "--model", str(humanize), "--amount", "0",
                 "-o", str(tmp_path / "grid.mid")]) == 0
    grid = [n for t in read_midi(tmp_path / "grid.mid").tracks for n in t.notes]
    assert all(abs(n.start * 4 - round(n.start * 4)) < 1e-3 for n in grid) and {n.velocity for n in grid} == {100}


def test_drumify_any_rhythm(models, tmp_path, capsys):
    _, tap = models
    taps = tmp_path / "taps.mid"
    write_midi(NoteSequence([Track([Note(64, i * 0.75, 0.25, 90) for i in range(10)], program=0)]), taps)
    out_path = tmp_path / "d.mid"
    assert main(["drumify", str(taps), "--model", str(tap), "-o", str(out_path), "--temperature", "0.5"]) == 0
    out = read_midi(out_path)
    assert out.tracks and all(t.is_drum for t in out.tracks) and sum(len(t.notes) for t in out.tracks) > 0


def test_the_wrong_model_or_amount_is_refused(models, tmp_path, capsys):
    humanize, tap = models
    src = _beat(tmp_path / "beat.mid")
    assert main(["drumify", str(src), "--model", str(humanize)]) == 2
    assert "drumify needs a GrooVAE tap model" in capsys.readouterr().err
    assert main(["groove", str(src), "--model", str(tap)]) == 2
    assert "groove needs a GrooVAE humanize model" in capsys.readouterr().err
    assert main(["groove", str(src), "--config", "cat-mel_2bar_small"]) == 2
    assert "is a melody model" in capsys.readouterr().err
    assert main(["groove", str(src), "--model", str(humanize), "--amount", "2"]) == 2
    assert "--amount must be in 0..1" in capsys.readouterr().err
