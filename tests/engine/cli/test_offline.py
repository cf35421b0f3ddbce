"""The offline CLI on real MIDI files, with a tiny real model saved to disk."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from PIL import Image

from segue.engine.cli import main
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel
from segue.models.loading import example_clips
from segue.models.midifile import read_midi, write_midi
from segue.models.notes import Note, NoteSequence, Track


@pytest.fixture(scope="module")
def ckpt(tmp_path_factory):
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(16), seed=1, device="cpu")
    model.fit_attributes_from_prior(n=64, temperature=1.0)
    return model.save(tmp_path_factory.mktemp("model") / "tiny.safetensors", licence="CC0")


@pytest.fixture
def clips(tmp_path):
    a, b = example_clips()
    shutil.copy(a, tmp_path / "a.mid")
    shutil.copy(b, tmp_path / "b.mid")
    return tmp_path / "a.mid", tmp_path / "b.mid"


def melody(bars: int, qpm: float = 100.0, numerator: int = 4) -> NoteSequence:
    notes = [Note(60 + (i % 12), i * 1.0, 0.5, 90) for i in range(bars * numerator)]
    return NoteSequence([Track(notes)], qpm=qpm, numerator=numerator)


def image_facts(path):
    with Image.open(path) as im:
        return im.size, getattr(im, "n_frames", 1)


def run(*args, capsys=None):
    code = main([str(a) for a in args])
    out = capsys.readouterr() if capsys else None
    return code, out


def bars_of(path) -> float:
    seq = read_midi(path)
    return seq.end / seq.beats_per_bar


def test_encode_then_decode_a_long_clip(ckpt, tmp_path, capsys):
    long = tmp_path / "long.mid"
    write_midi(melody(5), long)  # 5 bars: three 2-bar windows, the last padded with one bar of rests
    code, out = run("encode", long, "-o", tmp_path / "long.json", "--model", ckpt, capsys=capsys)
    assert code == 0, out.err
    doc = json.loads((tmp_path / "long.json").read_text())
    assert len(doc["mu"]) == 3 and len(doc["mu"][0]) == 16
    assert doc["clip_bars"] == 5 and doc["padded_bars"] == 1 and doc["qpm"] == 100.0
    assert any("pad" in m for m in doc["messages"])
    code, out = run("decode", tmp_path / "long.json", "-o", tmp_path / "back.mid", "--model", ckpt,
                    capsys=capsys)
    assert code == 0, out.err
    back = read_midi(tmp_path / "back.mid")
    assert back.qpm == pytest.approx(100.0)
    assert bars_of(tmp_path / "back.mid") <= 5  # cut back to the clip's own length


def test_sample_writes_n_clips(ckpt, tmp_path, capsys):
    code, out = run("sample", "-n", 3, "--temperature", 1.0, "-o", tmp_path / "s", "--model", ckpt,
                    capsys=capsys)
    assert code == 0, out.err
    files = sorted((tmp_path / "s").glob("*.mid"))
    assert [f.name for f in files] == ["sample_01.mid", "sample_02.mid", "sample_03.mid"]
    for f in files:
        assert bars_of(f) <= 2


def test_interpolate_writes_steps_and_a_joined_file(ckpt, clips, tmp_path, capsys):
    a, b = clips
    code, out = run("interpolate", a, b, "--steps", 4, "-o", tmp_path / "m", "--gif", "--model", ckpt,
                    capsys=capsys)
    assert code == 0, out.err
    steps = sorted((tmp_path / "m").glob("step_*.mid"))
    assert len(steps) == 4
    joined = read_midi(tmp_path / "m" / "interpolation.mid")
    parts = [read_midi(p) for p in steps]
    assert sum(len(p.tracks[0].notes) if p.tracks else 0 for p in parts) == \
        (len(joined.tracks[0].notes) if joined.tracks else 0)
    assert image_facts(tmp_path / "m" / "morph.gif")[1] == 4
    # the ends are the clips themselves: their own notes and velocities, not the model's reconstructions
    for end, clip in ((steps[0], a), (steps[-1], b)):
        own = sorted((n.pitch, round(n.start, 3), n.velocity) for t in read_midi(clip).tracks for n in t.notes)
        got = sorted((n.pitch, round(n.start, 3), n.velocity) for t in read_midi(end).tracks for n in t.notes)
        assert got == own


def test_interpolate_decode_ends_gives_the_reconstructions_with_the_clips_velocities(ckpt, clips, tmp_path):
    _, b = clips
    a = tmp_path / "accented.mid"  # loud downbeats, soft offbeats
    write_midi(NoteSequence([Track([Note(60 + k % 7, k * 0.5, 0.5, 120 if k % 4 == 0 else 35 + k)
                                    for k in range(16)])], qpm=100.0), a)
    code, _ = run("interpolate", a, b, "--steps", 3, "--decode-ends", "--fidelity", 1, "-o", tmp_path / "m",
                  "--model", ckpt)
    assert code == 0
    model = LatentModel.load(ckpt, device="cpu")
    source = read_midi(a)
    recon = model.decode_clip(model.encode_clip(source).mu, qpm=source.qpm)
    first = read_midi(tmp_path / "m" / "step_01_of_03.mid")
    got = [(n.pitch, round(n.start, 3)) for t in first.tracks for n in t.notes]
    assert got == [(n.pitch, round(n.start, 3)) for t in recon.tracks for n in t.notes]
    # each decoded note has the velocity of A's note nearest it in time
    by_start = [(n.start, n.velocity) for t in source.tracks for n in t.notes]
    for n in (n for t in first.tracks for n in t.notes):
        nearest = min(by_start, key=lambda sv: (abs(sv[0] - n.start), sv[0] > n.start))
        assert n.velocity == nearest[1]
    assert len({n.velocity for t in first.tracks for n in t.notes}) > 2


def test_velocity_and_fidelity_options(ckpt, clips, tmp_path):
    a, _ = clips
    code, _ = run("attribute", a, "--name", "denser", "--velocity", 101, "--fidelity", 4, "-o", tmp_path / "v.mid",
                  "--model", ckpt)
    assert code == 0
    assert {n.velocity for t in read_midi(tmp_path / "v.mid").tracks for n in t.notes} <= {101}
    for bad in (["--fidelity", 0], ["--velocity", 200]):
        code, _ = run("attribute", a, "--name", "denser", *bad, "-o", tmp_path / "x.mid", "--model", ckpt)
        assert code != 0 and not (tmp_path / "x.mid").exists()


def test_attribute_shift_uses_the_checkpoint_vector(ckpt, clips, tmp_path, capsys):
    a, _ = clips
    out_path = tmp_path / "denser.mid"
    code, out = run("attribute", a, "--name", "denser", "--amount", 2.0, "-o", out_path, "--model", ckpt,
                    capsys=capsys)
    assert code == 0, out.err
    assert out_path.exists()
    assert "fitting" not in out.err


def test_attribute_fits_a_vector_when_the_model_has_none(tmp_path, clips, capsys, caplog):
    bare = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(16), seed=2, device="cpu")
    path = bare.save(tmp_path / "bare.safetensors")
    code, _ = run("attribute", clips[0], "--name", "note_density", "--amount", 1.0,
                  "-o", tmp_path / "x.mid", "--model", path, capsys=capsys)
    assert "fitting one from 512" in caplog.text
    assert code == 0 and (tmp_path / "x.mid").exists()


def test_render_one_and_two_clips(ckpt, clips, tmp_path, capsys):
    a, b = clips
    code, out = run("render", a, "-o", tmp_path / "r1", "--model", ckpt, capsys=capsys)
    assert code == 0, out.err
    assert image_facts(tmp_path / "r1" / "a.png")[0] == (800, 400)
    code, out = run("render", a, b, "--steps", 3, "-o", tmp_path / "r2", "--model", ckpt, capsys=capsys)
    assert code == 0, out.err
    assert len(list((tmp_path / "r2").glob("step_*.png"))) == 3
    assert image_facts(tmp_path / "r2" / "morph.gif")[1] == 3


def test_demo_and_info(ckpt, tmp_path, capsys):
    code, out = run("demo", "-o", tmp_path / "d", "--steps", 3, "--model", ckpt, capsys=capsys)
    assert code == 0, out.err
    names = {p.name for p in (tmp_path / "d").iterdir()}
    assert {"interpolation.mid", "morph.gif", "source_a.png", "source_b.png"} <= names
    code, out = run("info", "--model", ckpt, capsys=capsys)
    doc = json.loads(out.out)
    assert doc["licence"] == "CC0" and doc["model"] == "cat-mel_2bar_small"
    assert "note_density" in doc["attributes"] and doc["weak_knobs"] == []
    code, out = run("info", capsys=capsys)  # the shipped model: its calibration marks 8th syncopation weak
    assert json.loads(out.out)["weak_knobs"] == ["syncopation_8th"]


def test_fresh_model_says_it_is_untrained(tmp_path, capsys, caplog):
    code, out = run("sample", "-n", 1, "-o", tmp_path, "--config", "cat-mel_2bar_small", capsys=capsys)
    assert code == 0
    assert "untrained" in caplog.text


# --- bad input: a clear message and exit status 2, never a traceback ---------------------------------

def _fails(capsys, *args, match: str):
    code, out = run(*args, capsys=capsys)
    assert code == 2
    assert match in out.err, out.err
    assert "Traceback" not in out.err


def test_missing_model(tmp_path, clips, capsys):
    _fails(capsys, "encode", clips[0], "--model", tmp_path / "none.safetensors", match="not found")


def test_corrupt_midi(ckpt, tmp_path, capsys):
    bad = tmp_path / "bad.mid"
    bad.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    _fails(capsys, "encode", bad, "--model", ckpt, match="bad.mid")


def test_odd_meter(ckpt, tmp_path, capsys):
    waltz = tmp_path / "waltz.mid"
    write_midi(melody(2, numerator=3), waltz)
    _fails(capsys, "encode", waltz, "--model", ckpt, match="4/4")


def test_empty_clip(ckpt, tmp_path, capsys):
    empty = tmp_path / "empty.mid"
    write_midi(NoteSequence([Track([Note(36, 0, 1, 100)], is_drum=True)]), empty)
    _fails(capsys, "encode", empty, "--model", ckpt, match="no")


def test_too_long_clip(ckpt, tmp_path, capsys):
    long = tmp_path / "long.mid"
    write_midi(melody(70), long)
    _fails(capsys, "encode", long, "--model", ckpt, match="64")


def test_never_overwrites_the_source_clip(ckpt, clips, capsys):
    a, _ = clips
    before = a.read_bytes()
    _fails(capsys, "attribute", a, "--name", "denser", "-o", a, "--model", ckpt,
           match="refusing to overwrite")
    assert a.read_bytes() == before


def test_codes_for_another_model(ckpt, tmp_path, capsys):
    codes = tmp_path / "codes.json"
    doc = {"format": "segue-latent", "z_size": 512, "model": "big", "mu": [[0.0] * 512]}
    codes.write_text(json.dumps(doc))
    _fails(capsys, "decode", codes, "-o", tmp_path / "x.mid", "--model", ckpt, match="size 512")
    codes.write_text("{not json")
    _fails(capsys, "decode", codes, "-o", tmp_path / "x.mid", "--model", ckpt, match="not a latent-code file")


def test_unknown_attribute_and_config(ckpt, clips, tmp_path, capsys):
    _fails(capsys, "attribute", clips[0], "--name", "louder", "--model", ckpt, match="unknown attribute")
    _fails(capsys, "sample", "-o", tmp_path, "--config", "nope", match="unknown config")


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the no-GPU message")
def test_cuda_without_gpu(ckpt, tmp_path, capsys):
    _fails(capsys, "sample", "-o", tmp_path, "--model", ckpt, "--device", "cuda", match="no usable CUDA")


def test_console_script(ckpt, tmp_path):
    exe = Path(sys.executable).with_name("segue")  # installed next to this interpreter
    assert exe.exists(), "the segue console script is not installed"
    version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
    assert version.stdout.startswith("segue ")
    done = subprocess.run([exe, "sample", "-n", "2", "-o", str(tmp_path), "--model", str(ckpt)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(list(tmp_path.glob("sample_*.mid"))) == 2


@pytest.fixture(scope="module")
def chord_ckpt(tmp_path_factory):
    from dataclasses import replace

    cfg = replace(CONFIGS["cat-mel_2bar_small"].scaled(16), controls={"chords": "PitchChordEncoder"})
    model = LatentModel.fresh(cfg, seed=3, device="cpu")
    with torch.no_grad():  # weights large enough that chords change the notes
        gen = torch.Generator().manual_seed(3)
        for p in model.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.4)
    model.fit_attributes_from_prior(n=64, temperature=1.0)
    return model.save(tmp_path_factory.mktemp("chords") / "chords.safetensors")


def _notes(path):
    return [(n.pitch, n.start) for t in read_midi(path).tracks for n in t.notes]


def test_chords_condition_sample_interpolate_and_attribute(chord_ckpt, clips, tmp_path, caplog):
    caplog.set_level("INFO")
    a, b = clips
    for chords in ("C G", "Am | F E7"):
        out = tmp_path / chords.replace(" ", "").replace("|", "-")
        assert run("sample", "-n", 2, "--temperature", 0, "--chords", chords, "-o", out, "--model", chord_ckpt)[0] == 0
    assert _notes(tmp_path / "CG" / "sample_01.mid") != _notes(tmp_path / "Am-FE7" / "sample_01.mid")
    song = tmp_path / "song.mid"
    chords = [Note(p, 0, 4, 70) for p in (57, 60, 64)] + [Note(p, 4, 4, 70) for p in (53, 57, 60)]
    write_midi(NoteSequence([Track(chords)]), song)
    assert run("interpolate", a, b, "--steps", 3, "--chords-from", song, "-o", tmp_path / "i", "--model",
               chord_ckpt)[0] == 0
    assert "song.mid: chords Am F" in caplog.text
    assert run("attribute", a, "--name", "denser", "--amount", 1, "--chords", "C G", "-o", tmp_path / "x.mid",
               "--model", chord_ckpt)[0] == 0
    assert (tmp_path / "x.mid").is_file()


def test_chords_for_a_model_without_them_or_bad_symbols_are_refused(ckpt, chord_ckpt, clips, tmp_path, capsys):
    assert run("sample", "--chords", "C G", "-o", tmp_path, "--model", ckpt)[0] == 2
    assert "not conditioned on chords" in capsys.readouterr().err
    assert run("sample", "--chords", "C Hm", "-o", tmp_path, "--model", chord_ckpt)[0] == 2
    assert "no root" in capsys.readouterr().err
    assert run("sample", "--key", "C", "-o", tmp_path, "--model", chord_ckpt)[0] == 2
    assert "not conditioned on a key" in capsys.readouterr().err


def test_attribute_on_a_calibrated_model_decodes_as_the_engines_knobs(ckpt, clips, tmp_path, monkeypatch):
    from segue.engine.cli import offline

    model = LatentModel.load(ckpt, device="cpu")
    model.meta.training = {**model.meta.training, "knobs": {"note_density": {"std": 0.1, "lo": 0.1, "hi": 0.9}}}
    calibrated = model.save(tmp_path / "calibrated.safetensors")
    calls = []
    real = offline.guided_decode
    monkeypatch.setattr(offline, "guided_decode", lambda *a, **k: calls.append(a[3]) or real(*a, **k))
    code, _ = run("attribute", clips[0], "--name", "denser", "--amount", 1.5, "-o", tmp_path / "d.mid",
                  "--model", calibrated)
    assert code == 0 and calls == [{"note_density": 1.5}]
    code, _ = run("attribute", clips[0], "--name", "diatonic", "-o", tmp_path / "c.mid", "--model", calibrated)
    assert code == 0 and len(calls) == 1  # no calibration for that knob: the vector alone
