"""A small OSC client for the engine, the Python twin of the device's ``messages.js`` and
``BarAssembler``: used by `segue client`, the tests and the benchmarks. Uploads are cut by the same
splitter as the engine's pushes (``bridge.osc.note_groups``); bars are read by field name
(``bridge.addresses.BAR_BEGIN``)."""

from __future__ import annotations

import itertools
import queue
import socket
import threading
import time
import uuid
from collections import deque
from dataclasses import dataclass, field

from segue.bridge import osc
from segue.bridge.addresses import DEFAULT_CHUNK_BYTES, DEFAULT_PORT, bar_begin_fields
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
        self.render_chunks: dict[int, dict[int, int]] = {}  # rid -> step -> chunks received
        self.sent: deque[tuple[str, list]] = deque(maxlen=1024)  # the latest requests: (address, [rid, *args])
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    # --- sending ------------------------------------------------------------------------------
    def send_raw(self, data: bytes) -> None:
        self.sock.sendto(data, self.engine)

    def send(self, address: str, *args) -> int:
        rid = next(self._rid)
        self.send_raw(osc.message(address, rid, *args))
        self.sent.append((address, [rid, *args]))
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
        address, answer = self.request("/segue/hello/confirm", args[7], timeout=timeout)  # bars may flow now
        if address != "/segue/hello/confirm":
            raise RuntimeError(f"hello not confirmed: {answer}")
        return args

    def upload(self, clip: str, notes: list[Note], length: float, kind: str = "notes") -> None:
        address, args = self.request("/segue/clip/begin", clip, len(notes), float(length), kind)
        if address == "/segue/error":
            raise RuntimeError(args[2])
        rid = 2**31 - 1  # the widest request id: a group never outgrows its budget
        groups = osc.note_groups("/segue/clip/notes", (rid, clip), notes, self.chunk_bytes)
        for seq, group in enumerate(groups):
            address, args = self.request("/segue/clip/notes", clip, seq, *osc.flat_notes(group))
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
            f = bar_begin_fields(args)
            self.bars[(f["bar"], f["version"])] = Bar(f["bar"], f["version"], f["morph"], f["temperature"],
                                                      f["chunks"], knobs=list(args[6:]))
        elif address == "/segue/bar/notes":
            entry = self.bars.get((args[0], args[1]))
            if entry is not None:
                entry.notes += osc.unflat_notes(args[3:])
        elif address == "/segue/bar/end":
            entry = self.bars.get((args[0], args[1]))
            if entry is not None:
                entry.complete, entry.received_at = True, time.monotonic()
                self.bar_events.put(entry)
        elif address == "/segue/render/notes":
            self.render.setdefault(args[0], {}).setdefault(args[1], []).extend(osc.unflat_notes(args[3:]))
            chunks = self.render_chunks.setdefault(args[0], {})
            chunks[args[1]] = chunks.get(args[1], 0) + 1
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
