"""The engine against hostile clients, in one run: what a hostile packet costs, whether a flood of
bar requests makes other clients' bars late, and the engine's memory after many hellos and many
hostile packets.

    .venv/bin/python bench/bench_reliability.py [--packets 100000] [--hellos 10000] [--flood-seconds 30]

The engine runs as `segue serve` (the shipped model, a fresh state folder) in its own process, so
its memory (VmRSS) and log are its own. Prints a Markdown table; docs/performance.md keeps the figures.

- Packet cost: each kind (a 64 KB datagram of unknown type tags, a bundle nested 3,000 deep,
  random bytes) sent in batches that fit a socket buffer, each batch followed by a ping on the same
  socket: the loop time a packet costs, how many were answered (with an error each), and, from a
  probe pinging every 10 ms meanwhile, the network loop's worst stall; the log's growth is measured
  on the engine's stderr.
- Flood: four clients play at 180 BPM while a fifth asks for a bar every 10 ms with a new seed each
  time; every bar of the four that arrives after its start is late.
- Memory: VmRSS before, after N hellos with new instance ids (and goodbyes), and after the packets.
"""

from __future__ import annotations

import argparse
import os
import random
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


def packet_costs(engine: Engine, count: int) -> list[tuple[str, int, int, float, float, int]]:
    """Per kind: packets sent, packets the engine answered (each with an error), the loop time each
    cost (ms), the probe's worst round trip (ms) and the log's growth (bytes). The packets go in
    batches that fit a socket buffer, each followed by a ping on the same socket, whose answer comes
    once the batch was read: the batch's time less a ping's is the loop's time for its packets."""
    rng = random.Random(0)
    kinds = {"64 KB of unknown type tags": unknown_tags(64_000), "a bundle nested 3,000 deep":
             nested(osc.message("/segue/ping", 1), 3000), "random bytes (1 KB)": bytes(rng.randrange(256)
                                                                                      for _ in range(1024))}
    rows = []
    sender = EngineClient(engine.port)
    sender.hello()
    per_kind = max(1, count // len(kinds))
    try:
        for name, data in kinds.items():
            batch = max(1, 24_000 // len(data))  # well inside a socket buffer (the kernel counts more per packet)
            t0 = time.perf_counter()
            for _ in range(50):
                sender.request("/segue/ping", timeout=10)
            ping = (time.perf_counter() - t0) / 50
            probe = Probe(engine.port)
            probe.start()
            log0, t0, sent, batches, answered = engine.log_bytes(), time.perf_counter(), 0, 0, 0
            while sent < per_kind:
                n = min(batch, per_kind - sent)
                for _ in range(n):
                    sender.send_raw(data)
                sent, batches = sent + n, batches + 1
                sender.request("/segue/ping", timeout=10)
                while not sender.replies.empty():  # counted as they come: a long queue slows every request
                    answered += sender.replies.get_nowait()[0] == "/segue/error"
            seconds = time.perf_counter() - t0
            worst = probe.finish()
            each = max(0.0, seconds - batches * ping) * 1000 / max(1, answered)
            rows.append((name, per_kind, answered, each, worst, engine.log_bytes() - log0))
    finally:
        sender.close()
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
    for name, n, answered, each, worst, log in costs:
        print(f"| {n:,} packets of {name} | {answered:,} answered with an error; {each:.3f} ms of loop time each; "
              f"a probe's worst round trip meanwhile {worst:.1f} ms; log +{log:,} bytes |")
    print(f"| bar requests every 10 ms with a new seed, {a.flood_seconds:g} s ({requests:,}) beside 4 clients at "
          f"{BPM:g} BPM | {late} of their {total} bars late |")
    print(f"| engine RSS | {rss0:.0f} MB at start, {rss_hellos:.0f} MB after {a.hellos:,} hellos "
          f"({files} session files), {rss_packets:.0f} MB after the {a.packets:,} hostile packets |")


if __name__ == "__main__":
    main()
