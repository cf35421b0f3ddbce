"""A model's musical quality on held-out melodies, in one run: reconstruction at several fidelities
(with the decode time per window), interpolation smoothness, each knob's Spearman and empty share
(the vectors alone and as the engine decodes them), and prior samples against the data.

    .venv/bin/python bench/bench_quality.py --model models/weights/default.safetensors \\
        --set "folk test=data/mel12:test" --set "other styles=data/ood:test" [--windows 512] [--json out.json]

Each set is a `segue data build` folder and a split; the windows are a random draw of --windows.
Prints Markdown tables (docs/model.md, Quality, keeps them); --json writes the numbers.
"""

from __future__ import annotations

import argparse
import json
import time
from dataclasses import asdict
from pathlib import Path

import numpy as np
import torch

from segue.models.inference import LatentModel
from segue.models.training import quality
from segue.models.training.evaluate import attribute_effects
from segue.models.training.windows import load_windows

FIDELITIES = (1, 4, 8, 16)


def draw(folder: Path, split: str, model: LatentModel, n: int, bars: int = 0) -> np.ndarray:
    w = load_windows(folder, model.representation.kind, bars or model.window_bars, split)
    pick = np.sort(np.random.default_rng(0).choice(len(w), size=min(n, len(w)), replace=False))
    return np.asarray(w[pick])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--set", action="append", required=True, metavar="NAME=FOLDER:SPLIT")
    ap.add_argument("--windows", type=int, default=512)
    ap.add_argument("--knob-windows", type=int, default=256)
    ap.add_argument("--pairs", type=int, default=64)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--recon-bars", type=int, default=0,
                    help="reconstruct windows of this many bars (a multiple of the model's; default: the model's), "
                         "so that models of different lengths meet the same melodies")
    ap.add_argument("--only-reconstruction", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    model = LatentModel.load(args.model, device="cpu")
    results: dict = {"model": str(args.model), "config": model.config.name, "threads": args.threads, "sets": {}}
    recon_rows, morph_rows, knob_rows, stat_rows = [], [], [], []
    for spec in args.set:
        name, _, where = spec.partition("=")
        folder, _, split = where.rpartition(":")
        windows = draw(Path(folder), split, model, args.windows)
        out: dict = {"windows": len(windows)}
        started = time.perf_counter()
        longer = draw(Path(folder), split, model, args.windows, args.recon_bars) if args.recon_bars else windows
        for c in FIDELITIES:
            r = quality.reconstruction(model, longer, c)
            out.setdefault("reconstruction", []).append(asdict(r))
            recon_rows.append(f"| {name} | {c} | {r.exact:.3f} | {r.token_accuracy:.3f} | {r.note_f1:.3f} "
                              f"| {r.ms_per_window:.1f} |")
        if args.only_reconstruction:
            results["sets"][name] = out
            continue
        m = quality.interpolation(model, windows, pairs=args.pairs)
        out["interpolation"] = asdict(m)
        morph_rows.append(f"| {name} | {m.pairs} × {m.steps} | {m.away_from_a:+.2f} | {m.largest_jump:.2f} "
                          f"| {m.first_is_a:.0%} | {m.last_is_b:.0%} |")
        few = windows[: args.knob_windows]
        with torch.no_grad():
            for c, how in ((1, "vectors alone"), (8, "engine (guided)")):
                for attr, e in attribute_effects(model, few, candidates=c).items():
                    out.setdefault("knobs", {}).setdefault(how, {})[attr] = asdict(e)
                    knob_rows.append(f"| {name} | {attr} | {how} | {e.means[0]:.3f} → {e.means[-1]:.3f} "
                                     f"| {e.spearman:+.2f} | {e.empty:.1%} |")
        data, samples = quality.sample_statistics(model, windows)
        out["statistics"] = {"data": data, "samples": samples}
        for key in data:
            stat_rows.append(f"| {name} | {key} | {data[key][0]:.3f} ± {data[key][1]:.3f} "
                             f"| {samples[key][0]:.3f} ± {samples[key][1]:.3f} |")
        out["seconds"] = time.perf_counter() - started
        results["sets"][name] = out
    bars = args.recon_bars or model.window_bars
    print(f"{model.config.name} ({args.model}), {args.windows} windows per set, reconstruction of {bars}-bar "
          f"windows, {args.threads} thread(s)\n")
    print("| set | candidates | exact | token accuracy | note F1 | ms per window |\n|---|---|---|---|---|---|")
    print("\n".join(recon_rows) + "\n")
    for header, rows in (
            ("| set | pairs × steps | away from A (Spearman) | largest jump (1 - F1) | first step is A | last is B |"
             "\n|---|---|---|---|---|---|", morph_rows),
            ("| set | knob | decoding | mean at -1.5 → +1.5 | Spearman (within a window) | empty or one note at ±1.5 |"
             "\n|---|---|---|---|---|---|", knob_rows),
            ("| set | statistic | data | samples (temperature 0.5) |\n|---|---|---|---|", stat_rows)):
        if rows:  # none with --only-reconstruction
            print(header + "\n" + "\n".join(rows) + "\n")
    if args.json:
        args.json.write_text(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
