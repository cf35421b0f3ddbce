"""MIDI output timing: when Segue Out's note-ons leave, against when their beats ideally sound.

    .venv/bin/python bench/bench_midi.py [--bpm 120 180] [--bars 4] [--backend auto|memory|jack] [--offset-ms 0]

A clock thread plays the DAW: Start, then 24 pulses per beat sent on an ideal grid (t0 + k * period,
busy-waiting the last half millisecond). The MIDI host follows that clock and plays a bar of 16th
notes per bar (fed straight to it: the model is not what is measured here). Each note-on's error is
its arrival time minus the ideal time of its beat (t0 + beat * 60 / BPM).

Backends: ``memory`` (the host's in-memory ports: the host's own scheduling and clock following),
``jack`` (virtual ports on a running JACK server, read back by this process: adds JACK's period,
one or two of them). ``auto`` runs jack when a JACK server answers, and memory always.

Prints a markdown table: the median error (a constant latency) and p50/p99/max of the jitter, the
distance of each error from that median.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import threading
import time

from segue.bridge import ports
from segue.bridge.clock import PPQN
from segue.engine.api import Bar, EngineConfig
from segue.engine.midi import MidiSession, MidiSettings, open_midi_session
from segue.engine.serving import BackgroundService
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel
from segue.models.notes import Note

PATTERN = [Note(60 + (k * 5) % 24, k * 0.25, 0.2, 100) for k in range(16)]  # 16ths


class Clock(threading.Thread):
    """Sends Start then pulses on an ideal grid into ``send``; ``t0`` is pulse 0's ideal time."""

    def __init__(self, send, bpm: float, pulses: int):
        super().__init__(daemon=True)
        self.send, self.period, self.pulses = send, 60.0 / (bpm * PPQN), pulses
        self.t0 = 0.0
        self.late: list[float] = []

    def run(self) -> None:
        self.send(ports.realtime(ports.START))
        self.t0 = time.monotonic() + 0.2
        for k in range(self.pulses):
            target = self.t0 + k * self.period
            while (left := target - time.monotonic()) > 0:
                if left > 0.001:
                    time.sleep(left - 0.0005)
            self.send(ports.realtime(ports.CLOCK))
            self.late.append(time.monotonic() - target)
        self.send(ports.realtime(ports.STOP))


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def measure(backend: str, bpm: float, bars: int, offset_ms: float) -> dict:
    """The real engine (with a tiny model: its own bars are version 0) and a MIDI session, whose
    bars are the known PATTERN, handed to the session at a newer version so that they win."""
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), device="cpu")
    with BackgroundService(EngineConfig(port=0), model) as service:
        return _measure(service.engine, backend, bpm, bars, offset_ms)


def _measure(engine, backend: str, bpm: float, bars: int, offset_ms: float) -> dict:
    received: list[tuple[object, float]] = []
    if backend == "memory":
        daw, inp = ports.memory_pair("Segue In")
        out = ports.MemoryOutput(name="Segue Out", record=True)
        host = MidiSession(engine, inp, out, "midi:bench", offset_ms=offset_ms).start()
        send, close = daw.send, (lambda: None)
    else:
        os.environ["SEGUE_MIDI_API"] = "jack"
        host = open_midi_session(engine, MidiSettings(offset_ms=offset_ms, instance="midi:bench"))
        to_host = ports.open_output("Segue In", virtual="bench clock", client="segue-bench")
        from_host = ports.open_input("Segue Out", virtual="bench ear", client="segue-bench")
        from_host.set_callback(lambda m, t: received.append((m, t)))
        send = to_host.send

        def close():
            from_host.close()
            to_host.close()
    try:
        for bar in range(bars + 1):
            host.bar(host.session, Bar(bar, 1_000_000, PATTERN, 0.0, 0.0, 0, {}))
        clock = Clock(send, bpm, bars * 4 * PPQN)
        clock.start()
        clock.join()
        time.sleep(0.1)
    finally:
        host.close()
        close()
    sent = host.out.sent if backend == "memory" else received
    spb = 60.0 / bpm
    ons = [t for m, t in sent if ports.is_note_on(m)]
    ideal = [clock.t0 + (k * 0.25) * spb + offset_ms / 1000 for k in range(len(ons))]
    errors = [(a - b) * 1000 for a, b in zip(ons, ideal)]
    median = statistics.median(errors)
    jitter = [abs(e - median) for e in errors]
    return {"backend": backend, "bpm": bpm, "notes": len(ons), "expected": bars * 16, "latency": median,
            "p50": percentile(jitter, 50), "p99": percentile(jitter, 99), "max": max(jitter),
            "clock_p99": percentile([x * 1000 for x in clock.late], 99)}


def jack_running() -> bool:
    try:
        done = subprocess.run(["jack_wait", "-c"], capture_output=True, text=True, timeout=5)
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.stdout.strip() == "running"


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--bpm", type=float, nargs="+", default=[120.0, 180.0])
    p.add_argument("--bars", type=int, default=4)
    p.add_argument("--backend", choices=["auto", "memory", "jack"], default="auto")
    p.add_argument("--offset-ms", type=float, default=0.0)
    a = p.parse_args()
    backends = ["memory"] + (["jack"] if jack_running() else []) if a.backend == "auto" else [a.backend]
    if "jack" in backends and not jack_running():
        raise SystemExit("no JACK server answers: start one (e.g. `jackd -d dummy -r 48000 -p 64 &`)")
    rows = [measure(b, bpm, a.bars, a.offset_ms) for b in backends for bpm in a.bpm]
    print("| backend | BPM | note-ons | latency (median, ms) | jitter p50 (ms) | jitter p99 (ms) | jitter max (ms) "
          "| clock sender late p99 (ms) |")
    print("|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['bpm']:g} | {r['notes']}/{r['expected']} | {r['latency']:.2f} | {r['p50']:.2f} "
              f"| {r['p99']:.2f} | {r['max']:.2f} | {r['clock_p99']:.2f} |")


if __name__ == "__main__":
    main()
