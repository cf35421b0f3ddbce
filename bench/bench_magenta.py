"""Segue against the real Magenta.js (@magenta/music 1.23.1 under Node) on identical weights.

    .venv/bin/python bench/bench_magenta.py [--reps 5] [--threads 2] [--backends cpu wasm] [--json out.json]
    .venv/bin/python bench/bench_magenta.py --quick      # tiny models, 1 repetition: a smoke run

Needs node and tests/magenta/node_modules (``make test`` installs it: npm ci there).

For a flat model (cat-mel_2bar_small) and a hierarchical one (hier-mel_4bar_small), at full size
with random weights: Segue exports the model with ``export_magenta_js``, loads the folder back with
``load_magenta_js`` and times it; tests/magenta/bench.js serves the same folder on 127.0.0.1 and
times Magenta.js on tfjs's ``cpu`` backend (plain JS) and on the ``wasm`` backend
(@tensorflow/tfjs-backend-wasm 2.8.6, greedy decoding only: it has no Multinomial kernel).
Each side, side by side in one run:

- encode: one window of class indices (batch 1) -> mu, read back;
- decode: argmax decoding of z at batch 1 and 16 -> class indices, read back.

Each measurement is the median of ``--reps`` calls after one warm-up call; ratios are Magenta.js
time / Segue time. Segue runs on ``--threads`` torch threads; Magenta.js runs on one thread on both
backends (tfjs-backend-wasm 2.8.6 switches its multithreaded build off under Node). The run also
checks that both ran the same network: mu must agree to within 1e-3 of its largest value, and it
reports how many argmax tokens agree (random weights give near-ties, where float rounding may pick
the other class). The machine must be quiet: Segue's side is measured first, then each backend's.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import torch

from segue.models.configs import get_config
from segue.models.formats.magenta_js import export_magenta_js, load_magenta_js
from segue.models.inference import LatentModel

MAGENTA_DIR = Path(__file__).resolve().parent.parent / "tests" / "magenta"
MODELS = ("cat-mel_2bar_small", "hier-mel_4bar_small")  # flat, hierarchical: both load in Magenta.js
BACKENDS = ("cpu", "wasm")
BATCHES = (1, 16)
QUICK_HIDDEN = 16
MU_RTOL = 1e-3  # max |mu difference| / max |mu|: Segue's init gives |mu| ~ 1e-3
OPS = [("encode", 1)] + [("decode", b) for b in BATCHES]


def timed_ms(fn, reps: int) -> list[float]:
    """Milliseconds of ``reps`` calls of fn() after one warm-up call."""
    fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append(1e3 * (time.perf_counter() - t0))
    return times


def package_version(name: str) -> str:
    try:
        return json.loads((MAGENTA_DIR / "node_modules" / name / "package.json").read_text())["version"]
    except (OSError, ValueError, KeyError):
        return "?"


def run_magenta(node: str, folder: Path, backend: str, request: dict, timeout: float) -> dict:
    req, res = folder.parent / f"request-{backend}.json", folder.parent / f"result-{backend}.json"
    req.write_text(json.dumps({"checkpoint": str(folder.resolve()), "backend": backend, **request}))
    proc = subprocess.run([node, "bench.js", str(req), str(res)], cwd=MAGENTA_DIR, capture_output=True,
                          text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"Magenta.js ({backend} backend) failed:\n{proc.stderr[-3000:]}")
    return json.loads(res.read_text())


def bench_model(name: str, args, node: str, workdir: Path) -> tuple[list[dict], list[str]]:
    cfg = get_config(name)
    if args.quick:
        cfg = cfg.scaled(QUICK_HIDDEN)
    folder = workdir / name
    export_magenta_js(LatentModel.fresh(cfg, seed=0, device="cpu"), folder)
    weights_mb = sum(f.stat().st_size for f in folder.glob("group*.bin")) / 1e6
    model = load_magenta_js(folder, device="cpu")  # the weights Magenta.js reads, float for float
    rep = model.representation

    gen = torch.Generator().manual_seed(0)
    indices = torch.stack([torch.randint(0, d, (1, cfg.max_seq_len), generator=gen)
                           for d in rep.output_depths], -1)
    zs = {b: torch.randn(b, cfg.z_size, generator=gen) for b in BATCHES}

    times = {("encode", 1): {"segue": timed_ms(lambda: model.encode(indices), args.reps)}}
    for b, z in zs.items():
        times[("decode", b)] = {"segue": timed_ms(lambda z=z: model.decode(z), args.reps)}
    mu = model.encode(indices)[0]
    tokens = {b: model.decode(z) for b, z in zs.items()}

    request = {"reps": args.reps, "input": rep.kind, "depths": list(rep.output_depths),
               "indices": indices.tolist(), "z": {str(b): z.tolist() for b, z in zs.items()}}
    checks = {}
    for backend in args.backends:
        js = run_magenta(node, folder, backend, request, args.timeout)
        times[("encode", 1)][backend] = js["encode_ms"]
        for b in BATCHES:
            times[("decode", b)][backend] = js["decode_ms"][str(b)]
        js_mu = torch.tensor(js["mu"])
        diff = (js_mu - mu).abs().max().item() / mu.abs().max().item()
        if not diff < MU_RTOL:  # also fails on NaN
            raise RuntimeError(f"{name}: Magenta.js ({backend}) mu differs from Segue's by up to {diff:.3g} "
                               "of max |mu|: not the same network")
        same = [(torch.tensor(js["tokens"][str(b)]) == tokens[b]).float().mean().item() for b in BATCHES]
        checks[backend] = {"mu_max_diff": diff, "tokens_equal": same, "init_ms": js["init_ms"],
                           "threads": js.get("threads"), "simd": js.get("simd")}

    rows = []
    for op, batch in OPS:
        row = {"model": name, "op": op, "batch": batch, "weights_MB": weights_mb,
               "quick": args.quick, "reps": args.reps}
        for side, ms in times[(op, batch)].items():
            row[f"{side}_ms"] = statistics.median(ms)
            row[f"{side}_all_ms"] = ms
        rows.append(row)
    notes = [f"{name} on {backend}: max |mu diff| / max |mu| {c['mu_max_diff']:.1g}; argmax tokens equal "
             + ", ".join(f"{100 * s:.0f} % (batch {b})" for b, s in zip(BATCHES, c["tokens_equal"]))
             + f"; Magenta.js initialize {c['init_ms']:.0f} ms"
             + (f"; wasm simd {c['simd']}, threads {c['threads']}" if backend == "wasm" else "")
             for backend, c in checks.items()]
    print(f"{name}: done ({weights_mb:.1f} MB of weights)", file=sys.stderr, flush=True)
    return rows, notes


def table(rows: list[dict], backends) -> str:
    head = ["model", "op", "batch", "Segue ms"] + [f"Magenta.js {b} ms" for b in backends] + [
        f"{b} / Segue" for b in backends]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for r in rows:
        cells = [r["model"], r["op"], str(r["batch"]), f"{r['segue_ms']:.1f}"]
        cells += [f"{r[f'{b}_ms']:.1f}" for b in backends]
        cells += [f"{r[f'{b}_ms'] / r['segue_ms']:.1f}x" for b in backends]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--reps", type=int, help="timed calls per measurement, after one warm-up (default 5; --quick 1)")
    p.add_argument("--quick", action="store_true", help=f"tiny models ({QUICK_HIDDEN} units), 1 repetition")
    p.add_argument("--threads", type=int, default=2, help="torch threads for Segue")
    p.add_argument("--backends", nargs="+", choices=BACKENDS, default=list(BACKENDS))
    p.add_argument("--models", nargs="+", choices=MODELS, default=list(MODELS))
    p.add_argument("--node", default=shutil.which("node"), help="the node binary")
    p.add_argument("--timeout", type=float, default=3600.0, help="seconds allowed per Magenta.js run")
    p.add_argument("--json", type=Path, help="also write the rows here")
    args = p.parse_args(argv)
    if args.reps is None:
        args.reps = 1 if args.quick else 5
    if args.reps < 1:
        p.error("--reps must be at least 1")
    if not args.node:
        p.error("node is not installed (or pass --node)")
    if not (MAGENTA_DIR / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").is_dir():
        p.error(f"{MAGENTA_DIR / 'node_modules'} lacks @tensorflow/tfjs-backend-wasm: run "
                "`npm ci --prefix tests/magenta` (or `make test`)")
    torch.set_num_threads(args.threads)
    node_version = subprocess.run([args.node, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"Segue: torch {torch.__version__}, {args.threads} threads. Magenta.js: node {node_version}, "
          f"@magenta/music {package_version('@magenta/music')}, tfjs {package_version('@tensorflow/tfjs-core')}, "
          f"tfjs-backend-wasm {package_version('@tensorflow/tfjs-backend-wasm')}, 1 thread. "
          f"{'Quick: ' + str(QUICK_HIDDEN) + ' units. ' if args.quick else 'Full size. '}"
          f"Median of {args.reps} after a warm-up.", flush=True)
    with tempfile.TemporaryDirectory(prefix="segue-bench-magenta-") as tmp:
        rows, notes = [], []
        for name in args.models:
            r, n = bench_model(name, args, args.node, Path(tmp))
            rows += r
            notes += n
    print(table(rows, args.backends))
    print("\nchecks (same network on both sides):")
    for line in notes:
        print(f"- {line}")
    if args.json:
        args.json.write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
