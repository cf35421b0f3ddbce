"""Training throughput, teacher forcing against scheduled sampling, side by side.

    .venv/bin/python bench/bench_train.py [--data data/folk] [--configs NAME ...] [--batch 64 128]

One full step each (forward, Magenta's loss, backward, Adam), median of a few after a warm-up, at
sampling probability 0 (the fused whole-sequence LSTM) and 0.5 (scheduled sampling). Without --data
it uses random windows of the right shape.
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import torch

from segue.models.configs import CONFIGS
from segue.models.musicvae import MusicVAE
from segue.models.training import metrics


def windows(data: str | None, cfg, n: int) -> torch.Tensor:
    if data:
        from segue.models.training.windows import load_windows

        return torch.as_tensor(np.array(load_windows(data, cfg.representation["kind"], cfg.bars, "train")[:n]))
    depths = MusicVAE(cfg).representation.output_depths
    return torch.stack([torch.randint(0, d, (n, cfg.max_seq_len)) for d in depths], -1)


def step_time(model, opt, x, p: float, reps: int = 4) -> float:
    g = torch.Generator().manual_seed(0)
    times = []
    for _ in range(reps + 1):
        t = time.perf_counter()
        logits, mu, sigma, _ = model(x, p, g)
        loss = metrics.vae_loss(logits, x, mu, sigma, model.config, 100)["loss"]
        opt.zero_grad()
        loss.backward()
        opt.step()
        times.append(time.perf_counter() - t)
    return statistics.median(times[1:])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data")
    ap.add_argument("--configs", nargs="*", default=["cat-mel_2bar_small", "hier-mel_4bar_small"])
    ap.add_argument("--batch", type=int, nargs="*", default=[64])
    ap.add_argument("--threads", type=int, default=2)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    print("| config | batch | teacher forcing (p = 0) | scheduled sampling (p = 0.5) | ratio |")
    print("|---|---|---|---|---|")
    for name in args.configs:
        cfg = CONFIGS[name]
        for batch in args.batch:
            torch.manual_seed(0)
            model = MusicVAE(cfg)
            opt = torch.optim.Adam(model.parameters())
            x = windows(args.data, cfg, batch)
            tf, ss = step_time(model, opt, x, 0.0), step_time(model, opt, x, 0.5)
            print(f"| {name} | {batch} | {tf * 1e3:.0f} ms/step, {batch / tf:.0f} seq/s | "
                  f"{ss * 1e3:.0f} ms/step, {batch / ss:.0f} seq/s | {ss / tf:.2f}x |", flush=True)


if __name__ == "__main__":
    main()
