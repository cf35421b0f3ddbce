"""MIDI output timing: when Segue Out's note-ons leave, against when their beats ideally sound.

    .venv/bin/python bench/bench_midi.py [--bpm 120 180] [--bars 4] [--backend auto|memory|jack] [--offset-ms 0]
                                         [--load N] [--jump-every BARS]

A clock thread plays the DAW: Start, then 24 pulses per beat sent on an ideal grid (t0 + k * period,
busy-waiting the last half millisecond). The MIDI host follows that clock and plays a bar of 16th
notes per bar (fed straight to it: the model is not what is measured here). Each note-on's error is
its arrival time minus the ideal time of its beat (t0 + beat * 60 / BPM).

Backends: ``memory`` (the host's in-memory ports: the host's own scheduling and clock following),
``jack`` (virtual ports on a running JACK server, read back by this process: adds JACK's period,
one or two of them). ``auto`` runs jack when a JACK server answers, and memory always.

Prints a markdown table: the median error (a constant latency) and p50/p99/max of the jitter, the
distance of each error from that median, and how many notes were more than 1 ms and more than a
64th note off. ``--load N`` runs N busy processes beside it (a loaded machine: the clock sender is
late too, as a DAW's would be); ``--jump-every BARS`` sends a song position jump back to bar 0 every
that many bars while playing (a loop), as the DAW does at a loop's end.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
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
    """Sends Start then pulses on an ideal grid into ``send``; ``t0`` is pulse 0's ideal time.
    With ``jump_every`` bars, a song position pointer back to bar 0 precedes every such bar's first
    pulse. ``positions[k]`` is the song position (in pulses) of pulse k."""

    def __init__(self, send, bpm: float, pulses: int, jump_every: int = 0):
        super().__init__(daemon=True)
        self.send, self.period, self.pulses = send, 60.0 / (bpm * PPQN), pulses
        self.jump_every = jump_every * 4 * PPQN
        self.t0 = 0.0
        self.late: list[float] = []
        self.positions: list[int] = []

    def run(self) -> None:
        self.send(ports.realtime(ports.START))
        self.t0 = time.monotonic() + 0.2
        position = 0
        for k in range(self.pulses):
            target = self.t0 + k * self.period
            while (left := target - time.monotonic()) > 0:
                if left > 0.001:
                    time.sleep(left - 0.0005)
            if self.jump_every and k and k % self.jump_every == 0:
                self.send(ports.song_position(0))
                position = 0
            self.send(ports.realtime(ports.CLOCK))
            self.late.append(time.monotonic() - target)
            self.positions.append(position)
            position += 1
        self.send(ports.realtime(ports.STOP))

    def note_times(self) -> list[float]:
        """When each 16th note of the pattern ideally sounds: the pulses on a 16th."""
        return [self.t0 + k * self.period for k, q in enumerate(self.positions) if q % 6 == 0]


def percentile(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, max(0, round(q / 100 * (len(xs) - 1))))]


def measure(backend: str, bpm: float, bars: int, offset_ms: float, jump_every: int = 0) -> dict:
    """The real engine (with a tiny model: its own bars are version 0) and a MIDI session, whose
    bars are the known PATTERN, handed to the session at a newer version so that they win."""
    model = LatentModel.fresh(CONFIGS["cat-mel_2bar_small"].scaled(8), device="cpu")
    with BackgroundService(EngineConfig(port=0), model) as service:
        return _measure(service.engine, backend, bpm, bars, offset_ms, jump_every)


def _measure(engine, backend: str, bpm: float, bars: int, offset_ms: float, jump_every: int) -> dict:
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
        clock = Clock(send, bpm, bars * 4 * PPQN, jump_every)
        clock.start()
        clock.join()
        time.sleep(0.1)
    finally:
        host.close()
        close()
    sent = host.out.sent if backend == "memory" else received
    ons = [t for m, t in sent if ports.is_note_on(m)]
    ideal = [t + offset_ms / 1000 for t in clock.note_times()]
    # each note-on against the ideal time nearest it (a lost or doubled note shows in the count)
    errors = [(a - min(ideal, key=lambda b: abs(a - b))) * 1000 for a in ons] or [float("nan")]
    median = statistics.median(errors)
    jitter = [abs(e - median) for e in errors]
    sixty_fourth = 60_000 / bpm / 16
    return {"backend": backend, "bpm": bpm, "notes": len(ons), "expected": len(ideal), "latency": median,
            "p50": percentile(jitter, 50), "p99": percentile(jitter, 99), "max": max(jitter),
            "over_1ms": sum(j > 1 for j in jitter), "over_64th": sum(j > sixty_fourth for j in jitter),
            "clock_p99": percentile([x * 1000 for x in clock.late], 99),
            "clock_max": max(x * 1000 for x in clock.late)}


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
    p.add_argument("--load", type=int, default=0, help="busy processes beside the run (a loaded machine)")
    p.add_argument("--jump-every", type=int, default=0, metavar="BARS", help="a loop jump to bar 0 every BARS bars")
    a = p.parse_args()
    backends = ["memory"] + (["jack"] if jack_running() else []) if a.backend == "auto" else [a.backend]
    if "jack" in backends and not jack_running():
        raise SystemExit("no JACK server answers: start one (e.g. `jackd -d dummy -r 48000 -p 64 &`)")
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(a.load)]
    try:
        rows = [measure(b, bpm, a.bars, a.offset_ms, a.jump_every) for b in backends for bpm in a.bpm]
    finally:
        for h in hogs:
            h.kill()
    print(f"load: {a.load} busy processes; loop jump every {a.jump_every or '-'} bars")
    print("| backend | BPM | note-ons | latency (median, ms) | jitter p50 (ms) | jitter p99 (ms) | jitter max (ms) "
          "| notes > 1 ms / > a 64th off | clock sender late p99 / max (ms) |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in rows:
        print(f"| {r['backend']} | {r['bpm']:g} | {r['notes']}/{r['expected']} | {r['latency']:.2f} | {r['p50']:.2f} "
              f"| {r['p99']:.2f} | {r['max']:.2f} | {r['over_1ms']} / {r['over_64th']} "
              f"| {r['clock_p99']:.2f} / {r['clock_max']:.2f} |")


if __name__ == "__main__":
    main()
