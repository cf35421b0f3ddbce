"""Engine benchmarks, each measured side by side in one run.

    .venv/bin/python bench/bench_engine.py latency [--model M] [--n 30]
    .venv/bin/python bench/bench_engine.py rtf [--configs NAME ...]
    .venv/bin/python bench/bench_engine.py load [--model M] [--clients 16] [--bpm 180] [--seconds 60]
                                                [--engine-threads auto 2]

latency: knob-to-notes (a morph change until the first bar of the new version has fully arrived)
         against a bare OSC ping round trip to the same engine.
rtf:     real-time factor per config: compute per bar / the bar's duration at 120 BPM (2 s).
load:    N clients, each its own session playing at the given tempo: bars that arrive after they
         start (the target is 0), the share of the time the inference worker was busy (the
         headroom left), and the engine's memory growth; one run per --engine-threads value
         (auto is the engine's default: 1 CPU thread per job for small models).
"""

from __future__ import annotations

import argparse
import gc
import resource
import statistics
import time

import torch

from segue.bridge.client import Bar, EngineClient
from segue.engine import generate
from segue.engine.api import EngineConfig
from segue.engine.serving import BackgroundService
from segue.engine.shaping import Shape
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel
from segue.models.loading import example_clips, open_model
from segue.models.midifile import read_midi


def start_engine(model: LatentModel, **kw) -> BackgroundService:
    """The engine and its OSC adapter on 127.0.0.1 (any free port), on a thread of its own."""
    return BackgroundService(EngineConfig(port=0, **kw), model)


def ready_client(port: int, tempo: float, beat: float = 0.0) -> EngineClient:
    c = EngineClient(port)
    c.hello()
    for slot, path in zip("AB", example_clips()):
        seq = read_midi(path)
        c.upload(slot, [n for t in seq.tracks for n in t.notes], 8.0)
        c.request("/segue/slot/encode", slot, slot, timeout=60)
    c.request("/segue/transport/set", 1, float(tempo), beat, 4, 4)
    return c


def latency(model: LatentModel, n: int) -> None:
    run = start_engine(model)
    c = ready_client(run.port, 60.0)  # slow tempo: the next bar is always ahead of the playhead
    try:
        pings = []
        for _ in range(n):
            t = time.perf_counter()
            c.request("/segue/ping")
            pings.append(time.perf_counter() - t)
        knobs = []
        for k in range(n):
            while not c.bar_events.empty():
                c.bar_events.get()
            t = time.perf_counter()
            _, args = c.request("/segue/knob/set/morph", (k % 10) / 10 + 0.05)
            version = args[2]
            while True:
                bar = c.bar_events.get(timeout=10)
                if bar.version >= version:
                    break
            knobs.append(time.perf_counter() - t)
        p, q = statistics.median(pings) * 1e3, statistics.median(knobs) * 1e3
        print(f"| {model.config.name} | ping RTT {p:.2f} ms | knob-to-notes {q:.1f} ms "
              f"(p90 {sorted(knobs)[int(0.9 * n)] * 1e3:.1f}) | ratio {q / p:.0f}x |")
    finally:
        c.close()
        run.close()


def rtf(configs: list[str]) -> None:
    print("| config | bars per decode | ms per bar | bar at 120 BPM | real-time factor |")
    print("|---|---|---|---|---|")
    for name in configs:
        torch.manual_seed(0)
        model = LatentModel.fresh(CONFIGS[name], device="cpu")
        z = model.prior(2, 0)
        snap = generate.Snapshot(version=0, mu_a=z[:1], mu_b=z[1:], morph=0.5, temperature=0.5, seed=1,
                                 attributes=(), shape=Shape(), groove=None)
        bars = model.window_bars
        generate.bar_notes(model, snap, 0, {})
        times = []
        for _ in range(3):
            cache: dict = {}
            t = time.perf_counter()
            for bar in range(bars):
                generate.bar_notes(model, snap, bar, cache)
            times.append((time.perf_counter() - t) / bars)
        per_bar = statistics.median(times)
        print(f"| {name} | {bars} | {per_bar * 1e3:.1f} | 2000 ms | {per_bar / 2.0:.4f} |", flush=True)


def rss_mb() -> float:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _client_side(port: int, clients: int, bpm: float, seconds: float, out, turn_knobs: bool = True) -> None:
    """In its own process (as real clients are): connect, play, turn knobs, measure lateness."""
    cs = [ready_client(port, bpm, beat=-4.0) for _ in range(clients)]  # start one bar from now
    start = time.monotonic()
    for c in cs:  # re-anchor every transport at the same moment
        c.request("/segue/transport/set", 1, float(bpm), -4.0, 4, 4)
    anchor = time.monotonic()
    bar_s = 240.0 / bpm
    while time.monotonic() - anchor < seconds:
        time.sleep(0.5)
        for k, c in enumerate(cs):  # knob turns from every client, every half second
            if turn_knobs:
                c.send("/segue/knob/set/morph", ((time.monotonic() - start) / 8 + k / clients) % 1.0)
    late = total = 0
    worst = 0.0
    for c in cs:
        first: dict[int, Bar] = {}
        for (bar, _version), entry in sorted(c.bars.items()):
            if entry.complete and bar >= 0 and bar not in first:
                first[bar] = entry
        for bar, entry in first.items():
            total += 1
            lateness = entry.received_at - (anchor + (bar + 1) * bar_s)  # beat -4 was at `anchor`
            if lateness > 0:  # the first version of a bar arrived after the bar began
                late += 1
                worst = max(worst, lateness)
        c.close()
    out.put((total, late, worst))


def load(model: LatentModel, clients: int, bpm: float, seconds: float, turn_knobs: bool = True,
         threads: int | None = None) -> None:
    import multiprocessing

    run = start_engine(model, threads=threads)
    try:
        gc.collect()
        rss0 = rss_mb()
        busy0, t0 = run.engine.worker.busy_seconds, time.perf_counter()
        results = multiprocessing.get_context("spawn").Queue()
        proc = multiprocessing.get_context("spawn").Process(
            target=_client_side, args=(run.port, clients, bpm, seconds, results, turn_knobs))
        proc.start()
        total, late, worst = results.get(timeout=seconds + 300)
        proc.join()
        busy = (run.engine.worker.busy_seconds - busy0) / (time.perf_counter() - t0)
        gc.collect()
        rss1 = rss_mb()
        knobs = "knob turns every 0.5 s" if turn_knobs else "no knob turns"
        print(f"| {clients} clients, {knobs} | {threads or 'auto'} | {bpm:.0f} BPM | {seconds:.0f} s | "
              f"{total} bars | {late} late (worst {worst * 1e3:.0f} ms) | {busy:.0%} | "
              f"engine-process RSS {rss0:.0f} -> {rss1:.0f} MB |")
    finally:
        run.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("what", choices=["latency", "rtf", "load"])
    ap.add_argument("--model")
    ap.add_argument("--n", type=int, default=30)
    ap.add_argument("--configs", nargs="*", default=list(CONFIGS))
    ap.add_argument("--clients", type=int, default=16)
    ap.add_argument("--bpm", type=float, default=180.0)
    ap.add_argument("--seconds", type=float, default=60.0)
    ap.add_argument("--threads", type=int, default=2, help="torch threads for rtf and latency")
    ap.add_argument("--engine-threads", nargs="+", default=["auto"],
                    help="load: the engine's CPU threads per job, one run each (auto or a number)")
    ap.add_argument("--still", action="store_true", help="load: no knob turns, only streaming")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    if args.what == "rtf":
        rtf(args.configs)
        return
    model = open_model(args.model, "cpu")
    if args.what == "latency":
        latency(model, args.n)
    else:
        print("| load | engine threads | tempo | length | bars | late | worker busy | memory |")
        print("|---|---|---|---|---|---|---|---|")
        for threads in args.engine_threads:
            load(model, args.clients, args.bpm, args.seconds, turn_knobs=not args.still,
                 threads=None if threads == "auto" else int(threads))


if __name__ == "__main__":
    main()
