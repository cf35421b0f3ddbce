"""A small OSC client for the engine: used by `segue client`, the tests and the benchmarks.

    segue client /segue/ping                 send one request (after hello) and print the replies
    segue client /segue/knob/set/morph 0.5
    segue client demo [--save demo.mid]      upload the example clips, play, turn the morph knob
"""

from __future__ import annotations

import itertools
import queue
import socket
import threading
import time
import uuid
from dataclasses import dataclass, field

from segue.bridge import osc
from segue.bridge.addresses import DEFAULT_CHUNK_BYTES, DEFAULT_PORT
from segue.models.notes import Note


@dataclass
class Bar:
    bar: int
    version: int
    morph: float
    temperature: float
    expected_chunks: int
    knobs: list = field(default_factory=list)  # seed and the five attribute amounts
    notes: list[Note] = field(default_factory=list)
    complete: bool = False
    received_at: float = 0.0


class EngineClient:
    """Talks to an engine over UDP on 127.0.0.1: requests with ids, replies matched by id, pushed
    bars assembled by (bar, version)."""

    def __init__(self, port: int = DEFAULT_PORT, host: str = "127.0.0.1", instance: str | None = None,
                 chunk_bytes: int = DEFAULT_CHUNK_BYTES):
        self.engine = (host, port)
        self.instance = instance or f"client-{uuid.uuid4().hex[:8]}"
        self.chunk_bytes = chunk_bytes
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.1)
        self.reply_port = self.sock.getsockname()[1]
        self._rid = itertools.count(1)
        self.replies: queue.Queue = queue.Queue()  # (address, args) of every non-bar message
        self.bars: dict[tuple[int, int], Bar] = {}
        self.bar_events: queue.Queue = queue.Queue()  # completed Bar objects
        self.render: dict[int, dict[int, list[Note]]] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    # --- sending ------------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.engine)

    def send(self, address: str, *args) -> int:
        rid = next(self._rid)
        self.send_raw(osc.message(address, rid, *args))
        return rid

    def request(self, address: str, *args, timeout: float = 5.0) -> tuple[str, list]:
        """Send and wait for the reply (or error) carrying the same request id."""
        rid = self.send(address, *args)
        return self.wait_for(rid, timeout)

    def wait_for(self, rid: int, timeout: float = 5.0) -> tuple[str, list]:
        deadline = time.monotonic() + timeout
        held = []
        try:
            while time.monotonic() < deadline:
                try:
                    address, args = self.replies.get(timeout=max(0.0, deadline - time.monotonic()))
                except queue.Empty:
                    break
                if args and args[0] == rid:
                    return address, args
                held.append((address, args))
        finally:
            for item in held:
                self.replies.put(item)
        raise TimeoutError(f"no reply to request {rid} within {timeout} s")

    def hello(self, timeout: float = 5.0) -> list:
        address, args = self.request("/segue/hello", self.instance, self.reply_port, self.chunk_bytes,
                                     timeout=timeout)
        if address != "/segue/hello":
            raise RuntimeError(f"hello failed: {args}")
        return args

    def upload(self, clip: str, notes: list[Note], length: float, kind: str = "notes") -> None:
        address, args = self.request("/segue/clip/begin", clip, len(notes), float(length), kind)
        if address == "/segue/error":
            raise RuntimeError(args[2])
        per_chunk = max(1, (self.chunk_bytes - 64 - len(clip)) // 20)  # 20 bytes per note
        groups = [notes[k : k + per_chunk] for k in range(0, len(notes), per_chunk)] or [[]]
        for seq, group in enumerate(groups):
            flat = [v for n in group for v in (int(n.pitch), float(n.start), float(n.duration), int(n.velocity))]
            address, args = self.request("/segue/clip/notes", clip, seq, *flat)
            if address == "/segue/error":
                raise RuntimeError(args[2])
        address, args = self.request("/segue/clip/end", clip, len(groups))
        if address == "/segue/error":
            raise RuntimeError(args[2])

    # --- receiving ------------------------------------------------------------------------------
    def _receive(self) -> None:
        while not self._stop.is_set():
            try:
                data, _ = self.sock.recvfrom(65535)
            except TimeoutError:
                continue
            except OSError:
                return
            try:
                messages = osc.parse_packet(data)
            except osc.ParseError:
                continue
            for address, args in messages:
                self._dispatch(address, args)

    def _dispatch(self, address: str, args: list) -> None:
        if address == "/segue/bar/begin":
            bar, version, _, chunks, morph, temperature = args[:6]
            self.bars[(bar, version)] = Bar(bar, version, morph, temperature, chunks, knobs=list(args[6:]))
        elif address == "/segue/bar/notes":
            entry = self.bars.get((args[0], args[1]))
            if entry is not None:
                entry.notes += _notes(args[3:])
        elif address == "/segue/bar/end":
            entry = self.bars.get((args[0], args[1]))
            if entry is not None:
                entry.complete, entry.received_at = True, time.monotonic()
                self.bar_events.put(entry)
        elif address == "/segue/render/notes":
            self.render.setdefault(args[0], {}).setdefault(args[1], []).extend(_notes(args[3:]))
        else:
            self.replies.put((address, args))

    def latest_bars(self) -> dict[int, Bar]:
        """The newest complete version of every bar received."""
        out: dict[int, Bar] = {}
        for (bar, _version), entry in sorted(self.bars.items()):
            if entry.complete:
                out[bar] = entry
        return out

    def close(self) -> None:
        self._stop.set()
        self.sock.close()
        self._thread.join(timeout=1)


def _notes(flat: list) -> list[Note]:
    return [Note(int(flat[k]), float(flat[k + 1]), float(flat[k + 2]), int(flat[k + 3]))
            for k in range(0, len(flat) - 3, 4)]


def coerce(text: str):
    """Command-line words to OSC values: ints, then floats, else strings."""
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text


def command(port: int, address: str, words: list[str], wait: float) -> int:
    client = EngineClient(port)
    try:
        client.hello()
        rid = client.send(address, *[coerce(w) for w in words])
        deadline = time.monotonic() + wait
        status = 0
        while time.monotonic() < deadline:
            try:
                addr, args = client.replies.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                continue
            print(addr, *args)
            if addr == "/segue/error" and args and args[0] == rid:
                status = 2
        for bar in client.latest_bars().values():
            print(f"/segue/bar {bar.bar} v{bar.version}: {len(bar.notes)} notes "
                  f"{[n.pitch for n in bar.notes]}")
        return status
    finally:
        client.close()


def demo(port: int, bars: int, tempo: float, save: str | None) -> int:
    """Upload the example clips to A and B, play, and turn the morph from 0 to 1 over ``bars`` bars."""
    from segue.models.loading import example_clips
    from segue.models.midifile import read_midi, write_midi
    from segue.models.notes import NoteSequence, Track

    client = EngineClient(port)
    try:
        hello = client.hello()
        print(f"connected: model {hello[3]} on {hello[4]}, licence {hello[5]}")
        for slot, path in zip("AB", example_clips()):
            seq = read_midi(path)
            notes = [n for t in seq.tracks for n in t.notes]
            client.upload(slot.lower(), notes, max(4.0, 4.0 * -(-seq.end // 4)))
            address, args = client.request("/segue/slot/encode", slot, slot.lower(), timeout=30)
            print(f"slot {slot} <- {path.name}: {args[1:] if address != '/segue/error' else args[2]}")
        client.request("/segue/transport/set", 1, float(tempo), 0.0, 4, 4)
        bar_seconds = 240.0 / tempo
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < bars * bar_seconds:
            morph = min(1.0, elapsed / (bars * bar_seconds))
            client.send("/segue/knob/set/morph", float(morph))
            time.sleep(bar_seconds / 4)
            while not client.bar_events.empty():
                bar = client.bar_events.get()
                print(f"bar {bar.bar:3d} v{bar.version:<3d} morph {bar.morph:.2f}: "
                      f"{' '.join(str(n.pitch) for n in bar.notes) or '(rest)'}")
        client.request("/segue/transport/set", 0, float(tempo), 0.0, 4, 4)
        if save:
            notes = [Note(n.pitch, n.start + 4.0 * b.bar, n.duration, n.velocity)
                     for b in client.latest_bars().values() for n in b.notes]
            write_midi(NoteSequence([Track(notes)], qpm=tempo), save)
            print(f"saved {save}")
        return 0
    finally:
        client.close()
