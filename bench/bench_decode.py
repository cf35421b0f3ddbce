"""Encode and decode speed of every config against the naive ways and the weight-streaming bound.

    .venv/bin/python bench/bench_decode.py [--configs NAME ...] [--threads 2] [--budget 1.0]

For each config (full size, random weights) and batch 1 and 16, side by side in one run:
- segue: the model as shipped (fused nn.LSTM encoder; hand-written decode step with the token's
  input weights looked up, z's share of the gates computed once);
- nn.LSTM step: the naive decode, calling a one-step nn.LSTM per layer per step;
- LSTMCell: an nn.LSTMCell loop over the same weights, one-hot input concatenated with z;
- bound: bytes of weights a decode step must read / read bandwidth, measured now by a GEMV over
  a matrix the size of those weights, so it is the bandwidth of the level they fit in (L3 or DRAM).
Ratios are what to compare; absolute times move with the machine's load.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from segue.models.configs import CONFIGS
from segue.models.musicvae import NO_TOKEN, CoreDecoder, MusicVAE


def timed(fn, budget: float, max_reps: int = 15) -> float:
    """Median seconds of fn() after one warm-up call, repeating within ``budget`` seconds."""
    fn()
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 2 or (len(times) < max_reps and time.perf_counter() - start < budget):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def l3_bytes() -> int:
    try:
        text = Path("/sys/devices/system/cpu/cpu0/cache/index3/size").read_text().strip()
        return int(text.rstrip("K")) * 1024 if text.endswith("K") else int(text)
    except (OSError, ValueError):
        return 32 << 20


def read_bandwidth(nbytes: int, budget: float) -> float:
    """Bytes per second streamed by a matrix-vector product over a float32 matrix of ``nbytes``:
    the kernel a decode step is made of, reading weights of the same size from the same memory
    level. (A plain ``sum`` reads more slowly than BLAS's GEMV here, which would flatter us.)"""
    cols = 1024
    w = torch.randn(max(nbytes // 4 // cols, 1), cols)
    x = torch.randn(cols)
    secs = timed(lambda: torch.mv(w, x), budget)
    return w.numel() * 4 / secs


# --- the two naive decoders over the same weights ------------------------------------------------

def naive_step_lstm(head: CoreDecoder) -> list[nn.LSTM]:
    """One-step nn.LSTM per layer: the same modules, called once per step."""
    return list(head.layers)


def cell_stack(head: CoreDecoder) -> list[nn.LSTMCell]:
    cells = []
    for layer in head.layers:
        cell = nn.LSTMCell(layer.input_size, layer.hidden_size)
        with torch.no_grad():
            cell.weight_ih.copy_(layer.weight_ih_l0)
            cell.weight_hh.copy_(layer.weight_hh_l0)
            cell.bias_ih.copy_(layer.bias_ih_l0)
            cell.bias_hh.copy_(layer.bias_hh_l0)
        cells.append(cell)
    return cells


@torch.no_grad()
def naive_decode(model: MusicVAE, z: torch.Tensor, kind: str, cells_by_head) -> torch.Tensor:
    """Greedy decode with the naive step (``kind`` = "lstm" or "cell"), hierarchy included."""
    dec = model.decoder
    emb = dec.conduct(z)
    b = z.shape[0]
    prev = [torch.full((b,), NO_TOKEN, dtype=torch.long) for _ in dec.heads]
    out = []
    for s in range(dec.num_segments):
        cond = emb[:, s]
        seg_tokens = []
        for k, head in enumerate(dec.heads):
            flat = torch.tanh(head.z_to_initial_state(cond))
            parts = flat.split([x for size in head.sizes for x in (size, size)], dim=-1)
            hs, cs = list(parts[1::2]), list(parts[0::2])
            tok, toks = prev[k], []
            for _ in range(dec.segment_steps):
                onehot = F.one_hot((tok + 1).clamp(min=0), head.output_depth + 1)[:, 1:].float()
                x = torch.cat([onehot, cond], dim=-1)
                for i, cell in enumerate(cells_by_head[k]):
                    if kind == "lstm":
                        y, (h, c) = cell(x[:, None], (hs[i][None].contiguous(), cs[i][None].contiguous()))
                        hs[i], cs[i], x = h[0], c[0], y[:, 0]
                    else:
                        hs[i], cs[i] = cell(x, (hs[i], cs[i]))
                        x = hs[i]
                tok = torch.argmax(head.output_projection(x), dim=-1)
                toks.append(tok)
            prev[k] = tok
            seg_tokens.append(torch.stack(toks, dim=1))
        out.append(torch.stack(seg_tokens, dim=-1))
    return torch.cat(out, dim=1)


@torch.no_grad()
def cell_encode(model: MusicVAE, x: torch.Tensor, cells) -> torch.Tensor:
    """A bidirectional LSTMCell loop (flat encoders only), for comparison with the fused encoder."""
    for fw, bw in cells:
        b, t, _ = x.shape
        outs = []
        for cell, order in ((fw, range(t)), (bw, reversed(range(t)))):
            h = x.new_zeros(b, cell.hidden_size)
            c = torch.zeros_like(h)
            seq = [None] * t
            for i in order:
                h, c = cell(x[:, i], (h, c))
                seq[i] = h
            outs.append(torch.stack(seq, 1))
        x = torch.cat(outs, -1)
    return x


def encoder_cells(model: MusicVAE):
    pairs = []
    for layer in model.encoder.core.layers:
        pair = []
        for suffix in ("", "_reverse"):
            cell = nn.LSTMCell(layer.input_size, layer.hidden_size)
            with torch.no_grad():
                for a in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                    getattr(cell, a).copy_(getattr(layer, f"{a}_l0{suffix}"))
            pair.append(cell)
        pairs.append(tuple(pair))
    return pairs


def step_bytes(model: MusicVAE) -> tuple[int, int]:
    """(bytes of weights read per decode step, bytes read once per segment by the conductor)."""
    per_step = 0
    for head in model.decoder.heads:
        for k, layer in enumerate(head.layers):
            per_step += layer.weight_hh_l0.numel() * 4
            if k:
                per_step += layer.weight_ih_l0.numel() * 4
        per_step += head.output_projection.weight.numel() * 4
    conductor = 0
    if model.decoder.hierarchical:
        conductor = sum(p.numel() * 4 for p in model.decoder.conductor.parameters())
    return per_step, conductor


def bench_batch(model: MusicVAE, batch: int, budget: float, heads_cells, enc_cells) -> dict:
    rep = model.representation
    z = torch.randn(batch, model.config.z_size)
    idx = torch.stack([torch.randint(0, d, (batch, model.config.max_seq_len)) for d in rep.output_depths], -1)
    ours = model.decode(z, 0.0)
    for kind in ("lstm", "cell"):  # same weights, same greedy path: the same tokens
        assert torch.equal(naive_decode(model, z, kind, heads_cells[kind]), ours), kind
    row = {
        "batch": batch,
        "encode_ms": 1e3 * timed(lambda: model.encode(idx), budget),
        "decode_ms": 1e3 * timed(lambda: model.decode(z, 0.5, seed=1), budget),
        "decode_nnlstm_ms": 1e3 * timed(lambda: naive_decode(model, z, "lstm", heads_cells["lstm"]),
            budget, 5),
        "decode_cell_ms": 1e3 * timed(lambda: naive_decode(model, z, "cell", heads_cells["cell"]),
            budget, 5),
    }
    if enc_cells is not None:
        x = rep.to_input(idx).float()
        row["encode_cell_ms"] = 1e3 * timed(lambda: cell_encode(model, x, enc_cells), budget, 5)
    return row


def bench_config(name: str, budget: float) -> list[dict]:
    torch.manual_seed(0)
    model = MusicVAE(CONFIGS[name]).eval()
    steps = model.config.max_seq_len
    per_step, conductor = step_bytes(model)
    bw = read_bandwidth(per_step, budget)
    level = "L3" if per_step <= l3_bytes() else "DRAM"
    rows = []
    heads_cells = {"lstm": [naive_step_lstm(h) for h in model.decoder.heads],
                   "cell": [cell_stack(h) for h in model.decoder.heads]}
    enc_cells = None if model.encoder.hierarchical else encoder_cells(model)
    for batch in (1, 16):
        row = bench_batch(model, batch, budget, heads_cells, enc_cells)
        row.update(config=name, weights_MB_per_step=per_step / 1e6, level=level,
                   bandwidth_GBps=bw / 1e9, decode_bound_ms=1e3 * (per_step * steps + conductor) / bw)
        rows.append(row)
        print(format_row(row), flush=True)
    return rows


HEADER = ("| config | batch | weights/step | level | encode ms (LSTMCell) | decode ms | "
          "nn.LSTM step | LSTMCell | bound ms | naive/segue | segue/bound |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|")


def format_row(r: dict) -> str:
    enc = f"{r['encode_ms']:.1f}"
    if "encode_cell_ms" in r:
        enc += f" ({r['encode_cell_ms']:.1f})"
    return (f"| {r['config']} | {r['batch']} | {r['weights_MB_per_step']:.1f} MB | {r['level']} "
            f"{r['bandwidth_GBps']:.0f} GB/s | {enc} | {r['decode_ms']:.1f} | "
            f"{r['decode_nnlstm_ms']:.1f} | {r['decode_cell_ms']:.1f} | {r['decode_bound_ms']:.2f} | "
            f"{r['decode_nnlstm_ms'] / r['decode_ms']:.1f}x | {r['decode_ms'] / r['decode_bound_ms']:.1f}x |")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--configs", nargs="*", default=list(CONFIGS))
    p.add_argument("--threads", type=int, default=2)
    p.add_argument("--budget", type=float, default=1.0, help="seconds per measurement")
    p.add_argument("--json", type=Path, help="also write the rows here")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    print(f"torch {torch.__version__}, {args.threads} threads, L3 {l3_bytes() >> 20} MiB")
    print(HEADER)
    rows = [r for name in args.configs for r in bench_config(name, args.budget)]
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
