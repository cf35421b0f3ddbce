"""The engine against hostile clients, in one run: what a hostile packet costs, whether a flood of
bar requests makes other clients' bars late, and the engine's memory after many hellos and many
hostile packets.

    .venv/bin/python bench/bench_reliability.py [--packets 100000] [--hellos 10000] [--flood-seconds 30]

The engine runs as `segue serve` (the shipped model, a fresh state folder) in its own process, so
its memory (VmRSS) and log are its own. Prints a Markdown table; docs/performance.md keeps the figures.

- Packet cost: each kind (a 64 KB datagram of unknown type tags, a bundle nested 3,000 deep,
  random bytes) sent as fast as one socket can, while a probe pings every 10 ms: the probe's worst
  round trip is the network loop's worst stall; the log's growth is measured on the engine's stderr.
- Flood: four clients play at 180 BPM while a fifth asks for a bar every 10 ms with a new seed each
  time; every bar of the four that arrives after its start is late.
- Memory: VmRSS before, after N hellos with new instance ids (and goodbyes), and after the packets.
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from segue.bridge import osc
from segue.bridge.client import EngineClient

ROOT = Path(__file__).resolve().parents[1]
BPM = 180.0


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def nested(inner: bytes, depth: int) -> bytes:
    for _ in range(depth):
        inner = b"#bundle\x00" + b"\x00" * 8 + len(inner).to_bytes(4, "big") + inner
    return inner


def unknown_tags(count: int) -> bytes:
    data = b"/segue/ping\x00," + b"x" * count + b"\x00"
    return data + b"\x00" * (-len(data) % 4)


class Engine:
    def __init__(self, state: Path):
        self.log = open(state.parent / "engine.log", "w+b")
        self.proc = subprocess.Popen([sys.executable, "-m", "segue.engine", "serve", "--port", "0", "--state-dir",
                                      str(state)], stdout=subprocess.PIPE, stderr=self.log, text=True)
        line = self.proc.stdout.readline()
        if "ready" not in line:
            raise SystemExit(f"the engine did not start: {line}")
        self.port = int(line.split("udp://127.0.0.1:")[1].split()[0])

    def log_bytes(self) -> int:
        self.log.flush()
        return os.fstat(self.log.fileno()).st_size

    def close(self) -> None:
        self.proc.terminate()
        self.proc.wait(10)
        self.log.close()


class Probe(threading.Thread):
    """Pings every 10 ms; the worst round trip while it runs."""

    def __init__(self, port: int):
        super().__init__(daemon=True)
        self.client = EngineClient(port)
        self.client.hello()
        self.worst, self.stop = 0.0, threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            t0 = time.perf_counter()
            try:
                self.client.request("/segue/ping", timeout=5)
            except TimeoutError:
                pass
            self.worst = max(self.worst, time.perf_counter() - t0)
            self.stop.wait(0.01)

    def finish(self) -> float:
        self.stop.set()
        self.join(10)
        self.client.close()
        return self.worst * 1000


def packet_costs(engine: Engine, count: int) -> list[tuple[str, int, float, float, int]]:
    rng = random.Random(0)
    kinds = {"64 KB of unknown type tags": unknown_tags(64_000), "a bundle nested 3,000 deep":
             nested(osc.message("/segue/ping", 1), 3000), "random bytes (1 KB)": bytes(rng.randrange(256)
                                                                                      for _ in range(1024))}
    rows = []
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    per_kind = max(1, count // len(kinds))
    for name, data in kinds.items():
        probe = Probe(engine.port)
        probe.start()
        log0, t0 = engine.log_bytes(), time.perf_counter()
        for _ in range(per_kind):
            sock.sendto(data, ("127.0.0.1", engine.port))
        seconds = time.perf_counter() - t0
        time.sleep(0.5)
        worst = probe.finish()
        rows.append((name, per_kind, seconds, worst, engine.log_bytes() - log0))
    sock.close()
    return rows


def flood(engine: Engine, seconds: float) -> tuple[int, int, int]:
    victims = [EngineClient(engine.port) for _ in range(4)]
    flooder = EngineClient(engine.port)
    try:
        for c in victims + [flooder]:
            c.hello()
        time.sleep(1.0)  # the first bars, made while stopped
        starts = []
        for c in victims:
            starts.append(time.monotonic())
            c.request("/segue/transport/set", 1, BPM, 0.0, 4, 4)
        end, k = time.monotonic() + seconds, 0
        while time.monotonic() < end:
            k += 1
            flooder.send("/segue/knob/set/seed", k)
            flooder.send("/segue/bar/request", k % 64)
            time.sleep(0.01)
        for c in victims:
            c.request("/segue/transport/set", 0, BPM, 0.0, 4, 4)
        late = total = 0
        for c, t0 in zip(victims, starts):
            for b in c.bars.values():
                if b.complete:
                    total += 1
                    late += b.received_at > t0 + b.bar * 240.0 / BPM
        return late, total, k
    finally:
        for c in victims + [flooder]:
            c.close()


def hellos(engine: Engine, count: int) -> None:
    c = EngineClient(engine.port)
    try:
        for k in range(count):  # paced by the goodbye's reply: UDP drops what a full buffer cannot take
            c.send("/segue/hello", f"bench-{k}", c.reply_port)
            c.request("/segue/goodbye", timeout=10)
    finally:
        c.close()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--packets", type=int, default=100_000)
    ap.add_argument("--hellos", type=int, default=10_000)
    ap.add_argument("--flood-seconds", type=float, default=30.0)
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        engine = Engine(Path(tmp) / "state")
        try:
            rss0 = rss_mb(engine.proc.pid)
            late, total, requests = flood(engine, a.flood_seconds)
            hellos(engine, a.hellos)
            rss_hellos = rss_mb(engine.proc.pid)
            files = len(list((Path(tmp) / "state").glob("*.json")))
            costs = packet_costs(engine, a.packets)
            rss_packets = rss_mb(engine.proc.pid)
        finally:
            engine.close()
    print("| what | figure |")
    print("|---|---|")
    for name, n, seconds, worst, log in costs:
        print(f"| {n:,} packets of {name} | sent in {seconds:.1f} s; probe's worst round trip {worst:.1f} ms; "
              f"log +{log:,} bytes |")
    print(f"| bar requests every 10 ms with a new seed, {a.flood_seconds:g} s ({requests:,}) beside 4 clients at "
          f"{BPM:g} BPM | {late} of their {total} bars late |")
    print(f"| engine RSS | {rss0:.0f} MB at start, {rss_hellos:.0f} MB after {a.hellos:,} hellos "
          f"({files} session files), {rss_packets:.0f} MB after the {a.packets:,} hostile packets |")


if __name__ == "__main__":
    main()
