"""Magenta.js checkpoints: Segue's loader and exporter, and parity with the real @magenta/music.

The parity tests export random tiny models with ``export_magenta_js``, run them in Magenta.js under
Node (tests/magenta/parity.js, checkpoint served from 127.0.0.1) and in Segue, on the same note
sequences and the same z:

- mu: within rtol 1e-4, atol 1e-5, both from note sequences (each side's own converter) and from
  index tensors (the networks alone);
- argmax decoding: identical tokens up to the first step where Segue's two best logits are within
  1e-3 of each other (after such a near-tie float rounding may legitimately pick the other class).
"""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from segue.engine import cli
from segue.models.configs import TRIO, MusicVAEConfig, get_config
from segue.models.errors import CheckpointError
from segue.models.formats.magenta_js import MANIFEST_FILE, export_magenta_js, load_magenta_js, read_weights
from segue.models.inference import LatentModel
from segue.models.loading import open_model
from segue.models.musicvae import NO_TOKEN
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import DRUM_PITCH_TABLES

NEAR_TIE = 1e-3
HIDDEN = 16


# --- models and inputs ---------------------------------------------------------------------------

def _config(case: str) -> MusicVAEConfig:
    if case == "melody":
        return get_config("cat-mel_2bar_small").scaled(HIDDEN)
    if case == "drums":
        cfg = get_config("cat-drums_2bar_small").scaled(HIDDEN)
        return replace(cfg, representation={"kind": "drums", "pitch_table": "legacy"})
    if case == "drums-current":
        return get_config("cat-drums_2bar_small").scaled(HIDDEN)
    if case == "hier-melody":
        return get_config("hier-mel_4bar_small").scaled(HIDDEN)
    if case == "trio":
        return MusicVAEConfig(name="trio_4bar-test", representation={**TRIO, "pitch_table": "current"},
                              z_size=HIDDEN, enc_rnn_size=(HIDDEN,), dec_rnn_size=(HIDDEN, HIDDEN),
                              max_seq_len=64, encoder="hierarchical", decoder="hierarchical", num_segments=4)
    if case == "big":  # 7.2 MB of float32: two shards of at most 4 MiB
        return get_config("cat-mel_2bar_small").scaled(256, z_size=64)
    raise KeyError(case)


def _line(rng: np.random.Generator, steps: int, lo: int, hi: int) -> list[tuple[int, int, int]]:
    """A monophonic line: (pitch, start step, end step), notes never overlapping."""
    notes, t = [], int(rng.integers(0, 3))
    while t < steps:
        length = int(rng.integers(1, 6))
        end = min(t + length, steps)
        notes.append((int(rng.integers(lo, hi + 1)), t, end))
        t = end + int(rng.integers(0, 3))
    return notes


def _hits(rng: np.random.Generator, steps: int, table: str) -> list[tuple[int, int]]:
    """Drum hits (pitch, step): at most one pitch of each class per step, all in the table."""
    out = []
    for t in range(steps):
        for pitches in DRUM_PITCH_TABLES[table]:
            if rng.random() < 0.2:
                out.append((int(rng.choice(pitches)), t))
    return out


def _sequence(kind: str, rng: np.random.Generator, steps: int, table: str = "legacy") -> NoteSequence:
    q = 0.25  # beats per step

    def line_track(program: int, lo: int, hi: int) -> Track:
        return Track([Note(p, s * q, (e - s) * q, 90) for p, s, e in _line(rng, steps, lo, hi)], program=program)

    def drum_track() -> Track:
        return Track([Note(p, s * q, q, 90) for p, s in _hits(rng, steps, table)], is_drum=True)

    if kind == "melody":
        return NoteSequence([line_track(0, 21, 108)])
    if kind == "drums":
        return NoteSequence([drum_track()])
    return NoteSequence([line_track(0, 48, 96), line_track(33, 28, 60), drum_track()])


def _to_js(seq: NoteSequence, steps: int) -> dict:
    """A quantized NoteSequence as Magenta.js reads it (4 steps per quarter)."""
    notes = [{"pitch": n.pitch, "velocity": n.velocity, "quantizedStartStep": round(n.start * 4),
              "quantizedEndStep": round(n.end * 4), "isDrum": t.is_drum, "program": t.program,
              "instrument": i}
             for i, t in enumerate(seq.tracks) for n in t.notes]
    return {"notes": notes, "quantizationInfo": {"stepsPerQuarter": 4}, "totalQuantizedSteps": steps,
            "tempos": [{"time": 0, "qpm": 120}]}


def _decode_with_margins(model: LatentModel, z: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Segue's argmax decode, also returning each step's gap between the two best logits:
    tokens (B, T, heads), gaps (B, T, heads)."""
    net = model.model
    dec = net.decoder
    with torch.no_grad():
        emb = dec.conduct(z)
        start = torch.full((z.shape[0], len(dec.heads)), NO_TOKEN, dtype=torch.long)
        tokens, gaps = [], []
        for s in range(dec.num_segments):
            seg_tokens, seg_gaps = [], []
            for k, head in enumerate(dec.heads):
                toks, logits = head.steps(emb[:, s], start[:, k], dec.segment_steps,
                                          lambda t, lg: lg.argmax(-1), keep_logits=True)
                top2 = logits.topk(2, dim=-1).values
                seg_tokens.append(toks)
                seg_gaps.append(top2[..., 0] - top2[..., 1])
            tokens.append(torch.stack(seg_tokens, -1))
            gaps.append(torch.stack(seg_gaps, -1))
            start = tokens[-1][:, -1]
    return torch.cat(tokens, 1), torch.cat(gaps, 1)


def _magenta_js_drum_roll(rep, indices: torch.Tensor) -> torch.Tensor:
    """The encoder input Magenta.js 1.23.1's DrumsConverter builds: its ``drumRoll.set(v, step, -1)``
    indexes the tfjs buffer with -1, which lands on the NOR bit of step - 1. So the NOR bit of step t
    is "nothing hit at step t + 1", and 0 at the last step. The class bits are right."""
    roll = rep.to_input(indices).clone()
    roll[..., -1] = 0
    roll[:, :-1, -1] = (indices[:, 1:, 0] == 0).float()
    return roll


# --- parity with Magenta.js ----------------------------------------------------------------------

PARITY = [
    # case, quantize, batch of sequences
    ("melody", None, 3),
    ("drums", None, 3),
    ("hier-melody", None, 2),
    ("trio", None, 2),
    ("drums-current", "uint8", 2),
    ("hier-melody", "uint16", 2),
    ("big", None, 2),
]


@pytest.mark.parametrize("case,quantize,batch", PARITY, ids=[f"{c}-{q or 'f32'}" for c, q, _ in PARITY])
def test_parity_with_magenta_js(tmp_path, case, quantize, batch, run_magenta, parity_model):
    cfg = _config(case)
    original = parity_model(cfg, seed=len(case))
    ckpt = tmp_path / "ckpt"
    files = export_magenta_js(original, ckpt, quantize=quantize)
    shards = [f for f in files if f.name.startswith("group1-shard")]
    if case == "big":
        assert len(shards) >= 2 and sum(f.stat().st_size for f in shards) > 4 * 1024 * 1024
    model = load_magenta_js(ckpt, device="cpu")  # quantized: the weights Magenta.js sees
    rep = model.representation
    steps = cfg.max_seq_len
    rng = np.random.default_rng(len(case) * 7 + batch)
    table = getattr(rep, "pitch_table", "legacy")
    seqs = [_sequence(rep.kind, rng, steps, table) for _ in range(batch)]
    indices = np.stack([rep.to_indices(s, num_bars=cfg.bars).indices for s in seqs])
    z = torch.randn(batch, cfg.z_size, generator=torch.Generator().manual_seed(5))

    result = run_magenta(ckpt, {
        "sequences": [_to_js(s, steps) for s in seqs], "indices": indices.tolist(), "input": rep.kind,
        "depths": list(rep.output_depths), "z": z.tolist(),
    }, tmp_path)
    assert result["backend"] == "cpu"

    mu, _ = model.encode(indices)
    mu_seq = mu
    if rep.kind == "drums":  # Magenta.js's DrumsConverter writes the NOR bit one step early
        with torch.no_grad():
            mu_seq = model.model.encoder(_magenta_js_drum_roll(rep, torch.tensor(indices)))[0]
    for key, want in (("mu_tensors", mu), ("mu_sequences", mu_seq)):
        js_mu = torch.tensor(result[key])
        diff = (js_mu - want).abs().max().item()
        assert torch.allclose(js_mu, want, rtol=1e-4, atol=1e-5), f"{key}: max |mu difference| {diff:.3g}"
    assert mu.abs().max() > 0.1, "mu should be O(1) for this comparison to mean something"

    tokens, gaps = _decode_with_margins(model, z)
    assert torch.equal(tokens, model.decode(z)), "the margin helper must decode as Segue does"
    js_tokens = torch.tensor(result["tokens"])
    assert js_tokens.shape == tokens.shape
    compared = []
    for b in range(batch):
        near = torch.nonzero(gaps[b].min(-1).values < NEAR_TIE).flatten()
        n = int(near[0]) if len(near) else steps
        compared.append(n)
        same = torch.equal(js_tokens[b, :n], tokens[b, :n])
        first = int(torch.nonzero((js_tokens[b, :n] != tokens[b, :n]).any(-1)).flatten()[0]) if not same else -1
        assert same, (f"item {b}: tokens differ at step {first} of the {n} steps before the first near-tie "
                      f"(steps compared per item: {compared})")
    total = batch * steps
    assert sum(compared) >= total // 2, f"only {sum(compared)} of {total} steps compared: too many near-ties"
    print(f"{case} {quantize or 'float32'}: steps compared {compared} of {steps} each; "
          f"max |mu diff| {(torch.tensor(result['mu_tensors']) - mu).abs().max().item():.2e} (tensors), "
          f"{(torch.tensor(result['mu_sequences']) - mu_seq).abs().max().item():.2e} (sequences); "
          f"Magenta.js ms {result['timings_ms']}")


# --- loader and exporter in Python alone ---------------------------------------------------------

def _write(folder: Path, spec: dict, weights: dict[str, np.ndarray], groups: list[list[str]] | None = None,
           shard_names=None) -> None:
    """A Magenta.js folder from arrays (float32), optionally as several groups of named shards."""
    folder.mkdir(parents=True, exist_ok=True)
    groups = groups or [list(weights)]
    manifest = []
    for gi, names in enumerate(groups):
        blob = b"".join(weights[n].astype("<f4").tobytes() for n in names)
        half = len(blob) // 2
        paths = shard_names[gi] if shard_names else [f"group{gi + 1}-shard1of1.bin"]
        parts = [blob] if len(paths) == 1 else [blob[:half], blob[half:]]
        for p, part in zip(paths, parts):
            (folder / p).write_bytes(part)
        manifest.append({"paths": paths, "weights": [{"name": n, "shape": list(weights[n].shape), "dtype": "float32"}
                                                     for n in names]})
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    (folder / "config.json").write_text(json.dumps(spec))


@pytest.fixture(scope="module")
def melody_ckpt(tmp_path_factory, parity_model) -> tuple[Path, LatentModel]:
    model = parity_model(_config("melody"), seed=3)
    folder = tmp_path_factory.mktemp("mj") / "mel"
    export_magenta_js(model, folder, shard_bytes=20_000)  # several shards
    return folder, model


def _copy(src: Path, dst: Path) -> Path:
    dst.mkdir()
    for f in src.iterdir():
        (dst / f.name).write_bytes(f.read_bytes())
    return dst


@pytest.mark.parametrize("case", ["melody", "drums-current", "hier-melody", "trio"])
def test_round_trip_gives_the_same_outputs(tmp_path, case, parity_model):
    cfg = _config(case)
    model = parity_model(cfg, seed=1)
    export_magenta_js(model, tmp_path / "ck")
    back = load_magenta_js(tmp_path / "ck", device="cpu")
    assert (back.config.encoder, back.config.decoder, back.config.num_segments) == (
        cfg.encoder, cfg.decoder, cfg.num_segments)
    assert back.representation == model.representation
    assert (back.config.enc_rnn_size, back.config.dec_rnn_size, back.config.z_size) == (
        cfg.enc_rnn_size, cfg.dec_rnn_size, cfg.z_size)
    x = torch.randint(0, 2, (2, cfg.max_seq_len, model.representation.n_heads))
    mu0, sigma0 = model.encode(x)
    mu1, sigma1 = back.encode(x)
    torch.testing.assert_close(mu1, mu0, rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(sigma1, sigma0, rtol=1e-5, atol=1e-6)
    z = torch.randn(3, cfg.z_size, generator=torch.Generator().manual_seed(0))
    assert torch.equal(back.decode(z), model.decode(z))
    assert back.meta.training["source"] == "Magenta.js checkpoint"
    assert "sigma" not in back.meta.training


def test_shards_with_any_names_and_several_groups(tmp_path, melody_ckpt):
    folder, model = melody_ckpt
    weights, _ = read_weights(folder)
    names = list(weights)
    _write(tmp_path / "ck", json.loads((folder / "config.json").read_text()), weights,
           groups=[names[:5], names[5:]], shard_names=[["w-a", "w-b"], ["other.bin"]])
    back = load_magenta_js(tmp_path / "ck", device="cpu")
    z = torch.randn(2, model.config.z_size, generator=torch.Generator().manual_seed(1))
    assert torch.equal(back.decode(z), model.decode(z))


def test_float16_weights_load(tmp_path, melody_ckpt):
    folder, model = melody_ckpt
    weights, _ = read_weights(folder)
    manifest = [{"paths": ["w.bin"], "weights": [
        {"name": n, "shape": list(w.shape), "dtype": "float32", "quantization": {"dtype": "float16"}}
        for n, w in weights.items()]}]
    (tmp_path / "ck").mkdir()
    (tmp_path / "ck" / "w.bin").write_bytes(b"".join(w.astype("<f2").tobytes() for w in weights.values()))
    (tmp_path / "ck" / MANIFEST_FILE).write_text(json.dumps(manifest))
    (tmp_path / "ck" / "config.json").write_bytes((folder / "config.json").read_bytes())
    back = load_magenta_js(tmp_path / "ck", device="cpu")
    assert back.meta.training["stored_dtypes"] == ["float16"]
    x = torch.randint(0, 90, (2, 32, 1), generator=torch.Generator().manual_seed(2))
    assert (back.encode(x)[0] - model.encode(x)[0]).abs().max() < 0.05


def test_python_hierdec_layout_loads(tmp_path, parity_model):
    """A Python hierdec-style model (stacked bidirectional encoder over the whole window, conductor
    decoder) converted to the tfjs format: Magenta.js cannot run it, Segue can."""
    from segue.models.formats.tf_names import layout as _layout
    from segue.models.formats.tf_names import to_tf as _to_tf

    model = parity_model(replace(get_config("hierdec-mel_16bar").scaled(8), max_seq_len=64, num_segments=4), seed=2)
    state = model.model.state_dict()
    weights = {}
    for var in _layout(model.config, 1):
        kernel, bias = _to_tf(var, state)
        weights[var.tf + "kernel"], weights[var.tf + "bias"] = kernel.numpy(), bias.numpy()
    assert "encoder/cell_1/bidirectional_rnn/bw/multi_rnn_cell/cell_0/lstm_cell/kernel" in weights
    spec = {"type": "MusicVAE", "dataConverter": {"type": "MelodyConverter", "args": {
        "numSteps": 64, "numSegments": 4, "minPitch": 21, "maxPitch": 108}}}
    _write(tmp_path / "ck", spec, weights)
    back = load_magenta_js(tmp_path / "ck", device="cpu")
    assert (back.config.encoder, back.config.decoder, back.config.enc_rnn_size) == ("bidirectional",
                                                                                   "hierarchical", (8, 8))
    z = torch.randn(2, 8, generator=torch.Generator().manual_seed(1))
    assert torch.equal(back.decode(z), model.decode(z))


def test_quantized_export_is_smaller_and_close(tmp_path, melody_ckpt):
    _, model = melody_ckpt
    sizes = {}
    for q in (None, "uint16", "uint8"):
        files = export_magenta_js(model, tmp_path / str(q), quantize=q)
        sizes[q] = sum(f.stat().st_size for f in files if f.name.startswith("group"))
        manifest = json.loads((tmp_path / str(q) / MANIFEST_FILE).read_text())
        if q:
            assert {w["quantization"]["dtype"] for w in manifest[0]["weights"]} == {q}
    assert sizes["uint16"] * 2 == sizes[None] and sizes["uint8"] * 4 == sizes[None]
    x = torch.randint(0, 90, (2, 32, 1), generator=torch.Generator().manual_seed(2))
    mu = model.encode(x)[0]
    for q, tol in (("uint16", 1e-3), ("uint8", 0.2)):
        back = load_magenta_js(tmp_path / q, device="cpu")
        assert back.meta.training["stored_dtypes"] == [q]
        assert (back.encode(x)[0] - mu).abs().max() < tol


def test_missing_sigma_gets_zero_weights(tmp_path, melody_ckpt):
    folder, model = melody_ckpt
    weights, _ = read_weights(folder)
    del weights["encoder/sigma/kernel"], weights["encoder/sigma/bias"]
    _write(tmp_path / "ck", json.loads((folder / "config.json").read_text()), weights)
    back = load_magenta_js(tmp_path / "ck", device="cpu")
    x = torch.randint(0, 90, (2, 32, 1), generator=torch.Generator().manual_seed(2))
    mu, sigma = back.encode(x)
    torch.testing.assert_close(mu, model.encode(x)[0], rtol=1e-5, atol=1e-6)
    torch.testing.assert_close(sigma, torch.full_like(sigma, F.softplus(torch.tensor(0.0)).item()))
    assert "sigma" in back.meta.training and "softplus(0)" in back.meta.training["sigma"]


def test_missing_shard_is_named(tmp_path, melody_ckpt):
    folder = _copy(melody_ckpt[0], tmp_path / "ck")
    paths = json.loads((folder / MANIFEST_FILE).read_text())[0]["paths"]
    assert len(paths) > 2
    (folder / paths[1]).unlink()
    with pytest.raises(CheckpointError, match=rf"shard '{paths[1]}' .* is missing"):
        load_magenta_js(folder)


def test_bad_byte_count_says_expected_and_actual(tmp_path, melody_ckpt):
    folder = _copy(melody_ckpt[0], tmp_path / "ck")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    expected = sum(4 * math.prod(w["shape"]) for w in manifest[0]["weights"])
    last = folder / manifest[0]["paths"][-1]
    last.write_bytes(last.read_bytes()[:-12])
    with pytest.raises(CheckpointError, match=rf"needs {expected} bytes .* hold {expected - 12} bytes"):
        load_magenta_js(folder)


def test_shape_mismatch_is_named(tmp_path, melody_ckpt):
    folder = _copy(melody_ckpt[0], tmp_path / "ck")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    for w in manifest[0]["weights"]:
        if w["name"] == "decoder/output_projection/kernel":
            w["shape"] = w["shape"][::-1]  # same bytes, wrong layout
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(CheckpointError, match=r"shape mismatch: decoder/output_projection/kernel has shape \[90, 16\]"):
        load_magenta_js(folder)


@pytest.mark.parametrize("change,feature", [
    ({"chordEncoder": "PitchChordEncoder"}, r"shape mismatch: encoder/cell_0/.* expected \[143, 64\]"),
    ({"chordEncoder": "NoSuchEncoder"}, "unknown chordEncoder"),
    ({"useBooleanDecoder": True}, "boolean decoder with MelodyConverter"),
    ({"dataConverter": {"type": "GrooveConverter", "args": {"numSteps": 32, "splitInstruments": True}}},
     "splitInstruments"),
    ({"dataConverter": {"type": "GrooveConverter", "args": {"numSteps": 32, "humanize": True, "tapify": True}}},
     "both humanize and tapify"),
    ({"dataConverter": {"type": "MultitrackConverter", "args": {"numSteps": 512}}}, "without numSegments"),
    ({"dataConverter": {"type": "DrumRollConverter", "args": {"numSteps": 32}}}, "categorical decoder"),
    ({"dataConverter": {"type": "NoSuchConverter", "args": {}}}, "unknown dataConverter"),
])
def test_what_magenta_js_cannot_run_is_named(tmp_path, melody_ckpt, change, feature):
    """Every converter, decoder and control loads (tests/models/formats/test_magenta_spec.py); what
    stays refused is what Magenta.js cannot run either, or would misread, and a spec that does not
    fit its weights."""
    folder = _copy(melody_ckpt[0], tmp_path / "ck")
    spec = {**json.loads((folder / "config.json").read_text()), **change}
    (folder / "config.json").write_text(json.dumps(spec))
    with pytest.raises(CheckpointError, match=feature):
        load_magenta_js(folder)


def test_missing_files_and_custom_drum_table(tmp_path, melody_ckpt):
    with pytest.raises(CheckpointError, match="not a folder"):
        load_magenta_js(tmp_path / "nothing")
    folder = _copy(melody_ckpt[0], tmp_path / "ck")
    (folder / "config.json").unlink()
    with pytest.raises(CheckpointError, match="no config.json"):
        load_magenta_js(folder)
    (folder / "config.json").write_text(json.dumps(
        {"type": "MusicVAE", "dataConverter": {"type": "DrumsConverter", "args": {
            "numSteps": 32, "pitchClasses": [[36], [38]]}}}))
    with pytest.raises(CheckpointError, match="custom drum pitch table"):
        load_magenta_js(folder)


@pytest.mark.parametrize("name,change,why", [
    ("hierdec-mel_16bar", {}, "two-level hierarchical encoder"),
    ("cat-mel_2bar_small", {"enc_rnn_size": (8, 8)}, "2 layers"),
    ("hier-mel_4bar_small", {"enc_rnn_size": (8, 8)}, "2 layers per level"),
])
def test_export_refuses_what_magenta_js_cannot_load(tmp_path, name, change, why):
    cfg = replace(get_config(name).scaled(8), **change)
    with pytest.raises(CheckpointError, match=why):
        export_magenta_js(LatentModel.fresh(cfg, device="cpu"), tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_export_refuses_a_non_empty_folder(tmp_path, melody_ckpt):
    with pytest.raises(CheckpointError, match="not an empty folder"):
        export_magenta_js(melody_ckpt[1], melody_ckpt[0])


def test_cli_export_import_and_load_model(tmp_path, melody_ckpt, capsys):
    folder, model = melody_ckpt
    src = model.save(tmp_path / "m.safetensors")
    out = tmp_path / "js"
    assert cli.main(["export-magenta", "--model", str(src), "-o", str(out), "--quantize", "uint16"]) == 0
    assert (out / MANIFEST_FILE).is_file() and (out / "config.json").is_file()
    target = tmp_path / "back.safetensors"
    assert cli.main(["import-magenta", str(folder), "-o", str(target)]) == 0
    assert str(target) in capsys.readouterr().out
    z = torch.randn(2, model.config.z_size, generator=torch.Generator().manual_seed(4))
    back = LatentModel.load(target, device="cpu")
    assert torch.equal(back.decode(z), model.decode(z))
    assert back.meta.training["source"] == "Magenta.js checkpoint"
    direct = open_model(str(folder), "cpu")  # --model accepts a Magenta.js folder
    assert torch.equal(direct.decode(z), model.decode(z))
    assert cli.main(["import-magenta", str(tmp_path / "missing"), "-o", str(tmp_path / "x.safetensors")]) == 2
