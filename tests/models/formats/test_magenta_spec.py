"""Every Magenta.js converter, decoder and control Segue reads (``magenta_spec``), against the real
@magenta/music 1.23.1 under Node on random models exported by Segue (tests/magenta/parity.js).

Per case, both sides get the same note sequences (each builds its encoder input with its own
converter), the same encoder inputs (the networks alone), the same z and the same controls:

- the converter's tensors: Magenta.js's ``toTensor`` equals Segue's encoder input (bar the
  documented drum-roll and padding differences);
- mu: within rtol 1e-4, atol 1e-5, from the sequences and from the tensors;
- argmax decoding: identical tokens (classes, bits) up to the first near-tie (Segue's margin under
  1e-3: two best logits, or a bit's logit near 0); GrooVAE: identical hits, velocities and offsets
  within ``GROOVE_ATOL``, up to the first near-tie of a hit;
- the converter's ``toNoteSequence`` of Segue's decoded output gives Segue's notes.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
import torch

from segue.models.configs import MusicVAEConfig
from segue.models.formats.magenta_js import export_magenta_js, load_magenta_js
from segue.models.notes import Note, NoteSequence, Track
from segue.models.representation import DRUM_PITCH_TABLES

NEAR_TIE = 1e-3
GROOVE_ATOL = 1e-4
HIDDEN = 16
MELODY = {"kind": "melody", "min_pitch": 21, "max_pitch": 108, "programs": [0, 31]}
Q = 0.25  # beats per 16th step


def _flat(rep: dict, steps: int = 32, **kw) -> MusicVAEConfig:
    return MusicVAEConfig(name="t", representation=rep, z_size=HIDDEN, enc_rnn_size=(HIDDEN,),
                          dec_rnn_size=(HIDDEN, HIDDEN), max_seq_len=steps, **kw)


def _hier(rep: dict, steps: int = 64, segments: int = 4, **kw) -> MusicVAEConfig:
    return replace(_flat(rep, steps, **kw), encoder="hierarchical", decoder="hierarchical", num_segments=segments)


MULTITRACK = {"kind": "multitrack", "num_steps": 256, "num_tracks": 4, "steps_per_quarter": 24, "total_steps": 96,
              "velocity_bins": 8, "min_pitch": 0, "max_pitch": 127}
EXTRA = [["rhythm", 1], ["shape", 3]]

# case: (config, batch, quantize, controls: chords per window, key, extra)
CASES = {
    "groove-humanize": (_flat({"kind": "groove", "mode": "humanize", "pitch_table": "legacy"}, output="groove"),
                        3, None, {}),
    "groove-full-hier": (_hier({"kind": "groove", "mode": "full", "pitch_table": "legacy"}, output="groove"),
                         2, "uint16", {}),
    "groove-tap": (_flat({"kind": "groove", "mode": "tap", "pitch_table": "legacy"}, 16, output="groove"), 3, None, {}),
    "drum-roll-bits": (_flat({"kind": "drums", "pitch_table": "legacy"}, output="bits"), 3, None, {}),
    "drum-roll-nade": (_flat({"kind": "drums", "pitch_table": "legacy"}, output="nade", nade_hidden=12), 2, None, {}),
    "drums-one-hot": (_flat({"kind": "drums", "pitch_table": "current", "input": "one_hot"}), 2, "uint16", {}),
    "melody-rhythm": (_flat({"kind": "melody_rhythm", "min_pitch": 21, "max_pitch": 108}, output="bits"), 3, None, {}),
    "melody-shape": (_flat({"kind": "melody_shape", "min_pitch": 21, "max_pitch": 108}), 3, None, {}),
    "trio-rhythm": (_hier({"kind": "trio_rhythm", "pitch_table": "current"}, output="bits"), 2, None, {}),
    "chords-pitch": (_flat(MELODY, controls={"chords": "PitchChordEncoder"}), 3, None, {"chords": ["C", "Am7"]}),
    "chords-majorminor": (_flat(MELODY, controls={"chords": "MajorMinorChordEncoder"}), 2, "uint8",
                          {"chords": ["F#m", "Bb"]}),
    "chords-triad-hier": (_hier(MELODY, controls={"chords": "TriadChordEncoder"}), 2, None,
                          {"chords": ["Cdim", "G", "Eaug", "Dm"]}),
    "key-extra-preprocess": (_hier(MELODY, controls={"chords": "PitchChordEncoder", "key": True, "extra": EXTRA,
                                                     "preprocess": 8}), 2, None,
                             {"chords": ["C", "G7", "Am", "F"], "key": 7, "extra": True}),
    "multitrack-chords": (_hier(MULTITRACK, 256, 4, window_bars=1, controls={"chords": "MajorMinorChordEncoder"}),
                          2, None, {"chords": ["G"]}),
}


# --- clips -------------------------------------------------------------------------------------------

def _line(rng, steps: int, lo: int, hi: int, program: int = 0) -> Track:
    notes, t = [], int(rng.integers(0, 3))
    while t < steps:
        end = min(t + int(rng.integers(1, 6)), steps)
        notes.append(Note(int(rng.integers(lo, hi + 1)), t * Q, (end - t) * Q, int(rng.integers(30, 120))))
        t = end + int(rng.integers(0, 3))
    return Track(notes, program=program)


def _drums(rng, steps: int, table: str, played: bool = False, dupes: bool = False) -> Track:
    notes = []
    for t in range(steps):
        for pitches in DRUM_PITCH_TABLES[table]:
            if rng.random() < 0.2:
                shift = float(rng.uniform(-0.12, 0.12)) if played and t else 0.0
                notes.append(Note(int(rng.choice(pitches)), t * Q + shift, Q, int(rng.integers(1, 128))))
                if dupes and rng.random() < 0.3:  # a second hit of the class: the louder one counts
                    notes.append(Note(int(pitches[0]), t * Q, Q, int(rng.integers(1, 128))))
    return Track(notes, is_drum=True)


def _multitrack(rng, bars: int = 1) -> NoteSequence:
    grid = 1 / 24
    tracks = []
    for program in rng.choice([0, 24, 33, 48, 73], size=int(rng.integers(2, 4)), replace=False):
        notes = []
        for _ in range(int(rng.integers(3, 9))):
            start = int(rng.integers(0, 96 * bars - 6)) * grid
            length = int(rng.integers(3, 30)) * grid
            notes.append(Note(int(rng.integers(40, 90)), start, length, int(rng.integers(1, 128))))
        tracks.append(Track(notes, program=int(program)))
    tracks.append(Track([Note(int(rng.choice([36, 38, 42])), i * 6 * grid, 3 * grid, 100) for i in range(16)],
                        is_drum=True))
    return NoteSequence(tracks)


def _clip(case: str, rng, steps: int) -> NoteSequence:
    if case.startswith("groove"):
        seq = NoteSequence([_drums(rng, steps, "legacy", played=True, dupes=True)])
        if case == "groove-tap":  # taps on any instrument
            seq.tracks.append(_line(rng, steps, 60, 72))
        return seq
    if case.startswith("drum"):
        return NoteSequence([_drums(rng, steps, "current" if "one-hot" in case else "legacy")])
    if case == "trio-rhythm":
        return NoteSequence([_line(rng, steps, 48, 96), _line(rng, steps, 28, 60, 33), _drums(rng, steps, "current")])
    if case.startswith("multitrack"):
        return _multitrack(rng)
    return NoteSequence([_line(rng, steps, 40, 90)])


def _to_js(seq: NoteSequence, steps: int, spq: int = 4) -> dict:
    """A quantized NoteSequence as Magenta.js reads it, with the unquantized times (seconds at 120)."""
    def q(beats: float) -> int:
        return int(np.floor(beats * spq + 0.5 + 1e-6))

    notes = [{"pitch": n.pitch, "velocity": n.velocity, "startTime": n.start / 2, "endTime": n.end / 2,
              "quantizedStartStep": q(n.start), "quantizedEndStep": max(q(n.end), q(n.start) + 1),
              "isDrum": t.is_drum, "program": t.program, "instrument": i}
             for i, t in enumerate(seq.tracks) for n in t.notes]
    return {"notes": notes, "quantizationInfo": {"stepsPerQuarter": spq}, "totalQuantizedSteps": steps,
            "tempos": [{"time": 0, "qpm": 120}], "totalTime": steps / spq / 2}


# --- Segue's side ------------------------------------------------------------------------------------

def _decode_with_margins(model, z: torch.Tensor, controls):
    """Segue's argmax decode with each step's margin (how near the choice was to going another way)."""
    net = model.model
    dec = net.decoder
    length = dec.segment_steps
    with torch.no_grad():
        emb = dec.conduct(z)
        start = net.start_tokens(z.shape[0])
        tokens, gaps = [], []
        for s in range(dec.num_segments):
            ctrl = None if controls is None else dec.segment_controls(controls[:, s * length : (s + 1) * length])
            seg_t, seg_g = [], []
            for head, first in zip(dec.heads, dec.head_starts(start)):
                t, out = head.steps(emb[:, s], first, length, head.choose_fn(0.0, None), keep_logits=True,
                                    controls=ctrl)
                seg_g.append(head.margin(out, t))
                seg_t.append(t[..., None] if t.dim() == 2 else t)
            seg = torch.cat(seg_t, -1)
            tokens.append(seg)
            gaps.append(torch.stack(seg_g, -1))
            start = seg[:, -1]
    return torch.cat(tokens, 1), torch.cat(gaps, 1)


def _js_roll(rep, indices: torch.Tensor) -> torch.Tensor:
    """Magenta.js 1.23.1's drum roll: its NOR bit lands one step early (docs/magenta.md)."""
    roll = rep.to_input(indices).clone()
    roll[..., -1] = 0
    roll[:, :-1, -1] = (indices[:, 1:, 0] == 0).float()
    return roll


def _bits_of(tokens: torch.Tensor, depths: tuple[int, ...]) -> torch.Tensor:
    """Integer tokens (B, T, heads) -> the bits Magenta.js's boolean decoders output, per head."""
    parts = []
    for k, d in enumerate(depths):
        n = d.bit_length() - 1
        parts.append(((tokens[..., k : k + 1] >> torch.arange(n)) & 1).float())
    return torch.cat(parts, -1)


def _js_output(model, tokens: torch.Tensor) -> list:
    """Segue's decoded tokens (T, columns) as the decoder output Magenta.js's toNoteSequence reads."""
    rep, output = model.representation, model.config.output
    if output == "groove":
        return tokens.tolist()
    if output in ("bits", "nade"):
        return _bits_of(tokens[None], rep.output_depths)[0].tolist()
    return torch.cat([torch.nn.functional.one_hot(tokens[:, k], d) for k, d in enumerate(rep.output_depths)],
                     -1).float().tolist()


def _notes_from_js(case: str, rep, notes: list[dict]) -> list[tuple]:
    spq = getattr(rep, "steps_per_quarter", 4)
    if case.startswith("groove"):  # seconds at 120; Segue starts no earlier than 0, and at velocity >= 1
        return sorted((n["pitch"], round(max(0.0, n["startTime"] * 2), 5), max(1, n["velocity"])) for n in notes)
    return sorted((n["pitch"], n["quantizedStartStep"] / spq, n["quantizedEndStep"] / spq, n["program"], n["isDrum"])
                  for n in notes)


def _notes_from_segue(case: str, seq: NoteSequence) -> list[tuple]:
    if case.startswith("groove"):
        return sorted((n.pitch, round(n.start, 5), n.velocity) for t in seq.tracks for n in t.notes)
    return sorted((n.pitch, n.start, n.end, 0 if t.is_drum else t.program, t.is_drum)
                  for t in seq.tracks for n in t.notes)


# --- the test ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("case", list(CASES))
def test_parity_with_magenta_js(tmp_path, case, run_magenta, parity_model):
    cfg, batch, quantize, ctrl = CASES[case]
    original = parity_model(cfg, seed=len(case))
    ckpt = tmp_path / "ckpt"
    export_magenta_js(original, ckpt, quantize=quantize)
    model = load_magenta_js(ckpt, device="cpu")  # quantized: the weights Magenta.js sees
    rep, steps = model.representation, cfg.max_seq_len
    assert model.config.output == cfg.output and model.config.controls == cfg.controls
    rng = np.random.default_rng(len(case) * 7 + batch)
    clip_steps = rep.total_steps if rep.kind == "multitrack" else steps
    seqs = [_clip(case, rng, clip_steps) for _ in range(batch)]
    windows = np.concatenate([model.clip_windows(s, cfg.bars).windows for s in seqs])
    extra = {"rhythm": rng.integers(0, 2, (steps, 1)).astype(float),
             "shape": np.eye(3)[rng.integers(0, 3, steps)]} if ctrl.get("extra") else None
    chords, key = ctrl.get("chords"), ctrl.get("key")
    controls = model.controls(1, [[c] for c in chords] if chords else None, key, extra)
    js_controls = {}
    if model.model.controls:
        js_controls = {"chordProgression": chords, "key": key,
                       "extraControls": {k: v.tolist() for k, v in extra.items()} if extra else None}
    x = model.model.representation.to_input(torch.as_tensor(windows))
    z = torch.randn(batch, cfg.z_size, generator=torch.Generator().manual_seed(5))
    tokens, gaps = _decode_with_margins(model, z, None if controls is None else controls.expand(batch, -1, -1))
    assert torch.equal(tokens, model.decode(z, controls=controls)), "the margin helper must decode as Segue does"
    spq = getattr(rep, "steps_per_quarter", 4)
    result = run_magenta(ckpt, {
        "sequences": [_to_js(s, clip_steps, spq) for s in seqs], "inputs": x.tolist(), "z": z.tolist(),
        "raw": cfg.output != "categorical", "depths": list(rep.output_depths), "controls": js_controls,
        "one_at_a_time": rep.kind == "multitrack", "to_sequences": [_js_output(model, tokens[b]) for b in range(batch)],
    }, tmp_path / "run")

    # the converter: Magenta.js's toTensor is Segue's encoder input
    js_x = [torch.tensor(t, dtype=torch.float32) for t in result["converter_tensors"]]
    want = x
    if rep.kind == "drums" and rep.input == "roll":
        want = _js_roll(rep, torch.as_tensor(windows))
    for b, jx in enumerate(js_x):
        if rep.kind == "multitrack":  # Magenta.js pads a track with zero rows after its end token
            rows = (jx.sum(-1) > 0)
            torch.testing.assert_close(jx[rows], want[b][rows], msg=f"item {b}: converter tensors differ")
            assert (want[b][~rows].argmax(-1) == rep.end_token).all()
        else:
            torch.testing.assert_close(jx, want[b], atol=1e-6, rtol=0, msg=f"item {b}: converter tensors differ")

    # mu
    mu, _ = model.encode(windows, controls)
    with torch.no_grad():  # the drum roll: Segue's encoder fed Magenta.js's roll gives Magenta.js's mu
        mu_seq = mu if want is x else model.model.encoder(want)[0]
    diffs = {}
    for key_, expect in (("mu_tensors", mu), ("mu_sequences", mu_seq)):
        js_mu = torch.tensor(result[key_])
        diffs[key_] = (js_mu - expect).abs().max().item()
        assert torch.allclose(js_mu, expect, rtol=1e-4, atol=1e-5), f"{key_}: max |mu difference| {diffs[key_]:.3g}"
    assert mu.abs().max() > 0.1, "mu should be O(1) for this comparison to mean something"

    # decoding, up to the first near-tie
    compared, worst = [], 0.0
    for b in range(batch):
        near = torch.nonzero(gaps[b].min(-1).values < NEAR_TIE).flatten()
        n = int(near[0]) if len(near) else steps
        compared.append(n)
        if cfg.output == "categorical":
            js = torch.tensor(result["tokens"])[b, :n]
            assert torch.equal(js, tokens[b, :n]), f"item {b}: tokens differ within the first {n} steps"
        elif cfg.output == "groove":
            js = torch.tensor(result["decoded"])[b, :n]
            d = rep.drums
            assert torch.equal(js[:, :d], tokens[b, :n, :d]), f"item {b}: hits differ within the first {n} steps"
            worst = max(worst, (js[:, d:] - tokens[b, :n, d:]).abs().max().item() if n else 0.0)
            assert worst < GROOVE_ATOL, f"item {b}: velocities or offsets differ by {worst:.3g}"
        else:
            js = torch.tensor(result["decoded"])[b, :n]
            assert torch.equal(js, _bits_of(tokens[b : b + 1, :n], rep.output_depths)[0]), \
                f"item {b}: bits differ within the first {n} steps"
    assert sum(compared) >= batch * steps // 2, f"only {sum(compared)} of {batch * steps} steps compared"

    # the converter back to notes: toNoteSequence of Segue's output is Segue's notes
    for b in range(batch):
        ours = _notes_from_segue(case, rep.from_indices(tokens[b].numpy()))
        theirs = _notes_from_js(case, rep, result["sequences_out"][b])
        assert ours == theirs, f"item {b}: decoded notes differ"
    print(f"{case}: max |mu diff| {diffs['mu_tensors']:.2e} (tensors), {diffs['mu_sequences']:.2e} (sequences); "
          f"steps compared {compared} of {steps}; groove velocity/offset max diff {worst:.2e}")
