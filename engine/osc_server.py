"""The OSC adapter: datagram -> check against the address table -> one core call -> reply.

Bars reach an OSC client through its :class:`OscClient`, a listener of the core like the MIDI
session's. Chunked clip uploads are put together here and reach the core as one ``Clip``.

    device --UDP--> OscServer.datagram --> bridge.osc.check --> on_<address> --> Engine.<method>
    Engine --> OscClient.bar --> bridge.osc (chunks) --UDP--> device
"""

from __future__ import annotations

import asyncio
import logging
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from pythonosc.dispatcher import Dispatcher
from pythonosc.osc_server import AsyncIOOSCUDPServer

from segue.bridge import osc
from segue.bridge.addresses import ATTRIBUTE_KNOBS, BY_PATH, DEFAULT_CHUNK_BYTES, KNOBS, MAX_CLIP_NOTES
from segue.engine import cliptools
from segue.engine.api import Bar, knobs_without_vector, unavailable
from segue.engine.core import Engine
from segue.engine.reply_ports import ReplyPorts
from segue.engine.session import Clip, Session
from segue.models.checkpoint import package_version
from segue.models.chords import format_progression
from segue.models.errors import InputError, SegueError
from segue.models.notes import Note

log = logging.getLogger(__name__)
SESSIONLESS = ("/segue/hello", "/segue/ping")  # ping is a health check: it answers anyone allowed
LIVE_SECONDS = 5.0  # a client heard from this recently holds its instance: a hello from elsewhere is refused
MAX_SESSIONS_PER_HOST = 128  # OSC sessions open from one source host
MAX_OPEN_UPLOADS = 8  # clip uploads a client may have begun and not ended
UPLOAD_TIMEOUT = 60.0  # seconds: an upload with no chunk for this long is dropped
MAX_NAME = 1024  # characters in an instance id, clip or slot name
NAMES = {"instance", "clip", "slot", "source", "a", "b", "c", "d", "name",
         "progression"}  # the arguments that name something kept


class _Dispatcher(Dispatcher):
    """python-osc's dispatcher, told never to sleep on timetags, handing every datagram to the
    adapter (which checks it against the address table and answers errors instead of dropping)."""

    def __init__(self, server: OscServer):
        super().__init__(strict_timing=False)
        self.server = server

    def call_handlers_for_packet(self, data: bytes, client_address) -> list:
        self.server.datagram(data, client_address)
        return []


@dataclass
class Upload:
    expected: int  # notes announced by /clip/begin
    length: float
    kind: str = "notes"
    chunks: dict[int, list[Note]] = field(default_factory=dict)
    received: int = 0  # notes in the chunks so far
    touched: float = field(default_factory=time.monotonic)


class OscClient:
    """Where one session's OSC replies and bars go: the host of its hello and its reply port."""

    keep_open = False  # an OSC session closes when it goes idle

    def __init__(self, server: OscServer, instance: str):
        self.server, self.instance = server, instance
        self.address: tuple[str, int] | None = None  # (host, reply port)
        self.source: tuple[str, int] | None = None  # where its requests come from (Max: [udpsend]'s port)
        self.heard = 0.0  # time.monotonic() of its last packet
        self.token = 0  # sent with the hello's reply; echoed by /segue/hello/confirm
        self.confirmed = False  # it proved it reads its reply port: bars and renders may flow
        self.chunk_bytes = DEFAULT_CHUNK_BYTES
        self.uploads: dict[str, Upload] = {}

    def send(self, data: bytes) -> None:
        if self.address is not None:
            self.server.send_to(self.address, data)

    def reply(self, address: str, *args) -> None:
        self.send(osc.message(address, *args))

    def send_notes(self, address: str, head: tuple, notes) -> int:
        chunks = list(osc.note_chunks(address, head, notes, self.chunk_bytes))
        for chunk in chunks:
            self.send(chunk)
        return len(chunks)

    def bar(self, s: Session, bar: Bar) -> None:
        if self.address is None or not self.confirmed:  # nothing unasked to a port that may not be its
            return
        chunks = list(osc.note_chunks("/segue/bar/notes", (bar.bar, bar.version), bar.notes, self.chunk_bytes))
        self.reply("/segue/bar/begin", bar.bar, bar.version, len(bar.notes), len(chunks), bar.morph,
                   bar.temperature, bar.seed, *(float(bar.attributes.get(a, 0.0)) for a in ATTRIBUTE_KNOBS))
        for chunk in chunks:
            self.send(chunk)
        self.reply("/segue/bar/end", bar.bar, bar.version)

    def problem(self, s: Session, where: str, message: str) -> None:
        self.reply("/segue/error", -1, where, message[:1000])

    def closed(self, s: Session) -> None:
        self.server.forget(self.instance)


class OscServer:
    def __init__(self, engine: Engine, host: str = "127.0.0.1", port: int = 0, allow: tuple[str, ...] = ()):
        self.engine = engine
        self.host, self.port, self.allow = host, port, allow
        self.clients: dict[str, OscClient] = {}  # instance -> its OSC client
        self.by_addr: dict[tuple[str, int], str] = {}  # source address -> instance
        self.reply_ports = ReplyPorts(engine.config.state_dir, self._warn_once)  # remembered across restarts
        self.transport: asyncio.DatagramTransport | None = None
        self.address: tuple[str, int] | None = None
        self._warned: dict[str, float] = {}
        self.handlers: dict[str, Callable] = {
            "/segue/hello": self.on_hello, "/segue/hello/confirm": self.on_hello_confirm,
            "/segue/ping": self.on_ping, "/segue/goodbye": self.on_goodbye,
            "/segue/model/info": self.on_model_info, "/segue/model/list": self.on_model_list,
            "/segue/model/choose": self.on_model_choose, "/segue/clip/begin": self.on_clip_begin,
            "/segue/clip/notes": self.on_clip_notes, "/segue/clip/end": self.on_clip_end,
            "/segue/slot/encode": self.on_slot_encode, "/segue/slot/sample": self.on_slot_sample,
            "/segue/slot/variation": self.on_slot_variation, "/segue/morph/slots": self.on_morph_slots,
            "/segue/transport/set": self.on_transport_set, "/segue/transport/loop": self.on_transport_loop,
            "/segue/transport/seek": self.on_transport_seek, "/segue/bar/request": self.on_bar_request,
            "/segue/render": self.on_render, "/segue/xy/slots": self.on_xy_slots, "/segue/xy/set": self.on_xy_set,
            "/segue/clip/groove": self.on_clip_groove, "/segue/clip/drumify": self.on_clip_drumify,
            "/segue/chords/set": self.on_chords_set, "/segue/chords/from_clip": self.on_chords_from_clip,
            "/segue/chords/get": self.on_chords_get, "/segue/model/unavailable": self.on_model_unavailable,
            **{f"/segue/knob/set/{name}": self.on_knob for name in KNOBS},
            **{f"/segue/tool/{op}": self.on_tool for op in cliptools.OPERATIONS},
            "/segue/tool/targets": self.on_tool_targets,
        }

    async def start(self) -> tuple[str, int]:
        osc.quiet_python_osc()
        loop = asyncio.get_running_loop()
        server = AsyncIOOSCUDPServer((self.host, self.port), _Dispatcher(self), loop)
        self.transport, _ = await server.create_serve_endpoint()
        self.address = self.transport.get_extra_info("sockname")[:2]
        return self.address

    def close(self) -> None:
        self.reply_ports.close()
        if self.transport:
            self.transport.close()

    def reply_target(self, addr: tuple[str, int]) -> tuple[str, int]:
        """Where replies to a packet from ``addr`` go: its session's reply port, the reply port its
        last hello named, or (a client that never said hello) the source address itself."""
        instance = self.by_addr.get(addr)
        client = self.clients.get(instance) if instance else None
        if client is not None and client.address:
            return client.address
        port = self.reply_ports.get(addr)
        return (addr[0], port) if port else addr

    def forget(self, instance: str) -> None:
        self.clients.pop(instance, None)
        for key in [k for k, v in self.by_addr.items() if v == instance]:
            del self.by_addr[key]

    # --- receiving ------------------------------------------------------------------------------
    def allowed(self, host: str) -> bool:
        host = osc.plain_host(host)
        return host.startswith("127.") or host == "::1" or host in self.allow

    def _should_log(self, key: str) -> bool:
        """At most one log line per key (a kind of trouble from one source host) every 10 s."""
        now = time.monotonic()
        if now - self._warned.get(key, -1e9) <= 10:
            return False
        if len(self._warned) > 4096:  # many sources: forget the old marks
            self._warned = {k: t for k, t in self._warned.items() if now - t <= 10}
        self._warned[key] = now
        return True

    def _warn_once(self, key: str, message: str, *args) -> None:
        if self._should_log(key):
            log.warning(message, *args)

    def datagram(self, data: bytes, addr: tuple) -> None:
        addr = (addr[0], addr[1])  # an IPv6 source also carries flow info and scope: not part of who it is
        if not self.allowed(addr[0]):
            self._warn_once("deny:" + addr[0], "dropped a packet from %s: not in --allow", addr[0])
            return
        instance = self.by_addr.get(addr)
        if instance in self.clients:
            self.clients[instance].heard = time.monotonic()
        try:
            messages = osc.parse_packet(data)
        except (osc.ParseError, ValueError, IndexError, UnicodeDecodeError, RecursionError) as e:
            text = str(e)[:200]
            self._warn_once("parse:" + addr[0], "malformed OSC packet from %s:%d: %s", *addr, text)
            self.error(addr, -1, "", f"malformed OSC packet ({len(data)} bytes): {text}")
            return
        for address, params in messages:
            self.handle(address, params, addr)

    def handle(self, address: str, params: list, addr: tuple[str, int]) -> None:
        rid = -1
        try:
            request = osc.check(address, params)
            rid = request.rid
            self._check_names(request)
            handler = self.handlers[address]
            client = None if address in SESSIONLESS else self._client_for(addr, address)
            result = handler(request, client, addr)
            if asyncio.iscoroutine(result):
                self.engine.spawn(result, lambda e: self._failed(e, addr, rid, address))
        except Exception as e:
            self._failed(e, addr, rid, address)

    @staticmethod
    def _check_names(request: osc.Request) -> None:
        """Instance ids, clip, slot and model names are kept: at most MAX_NAME characters."""
        args = BY_PATH[request.address].fixed[1:]
        for arg, value in zip(args, request.args):
            if arg.name in NAMES and isinstance(value, str) and len(value) > MAX_NAME:
                raise InputError(f"{arg.name} is at most {MAX_NAME} characters; got {len(value)}")

    def _failed(self, e: Exception, addr, rid: int, address: str) -> None:
        if isinstance(e, osc.AddressError):
            self.error(addr, e.rid, address, str(e))
        elif isinstance(e, SegueError):
            self.error(addr, rid, address, str(e.args[0] if e.args else e))
        else:  # a bug must not take the engine down for everyone
            if self._should_log("internal:" + addr[0]):
                log.error("handling %s from %s", address, addr[0], exc_info=e)
            self.error(addr, rid, address, f"internal error: {type(e).__name__}: {e}")

    def _client_for(self, addr, address: str) -> OscClient:
        instance = self.by_addr.get(addr)
        client = self.clients.get(instance) if instance else None
        s = self.engine.session(instance) if client else None
        if s is None:
            raise InputError(f"no session: send /segue/hello first (then {address})")
        self.engine.touch(s)
        return client

    def _session(self, client: OscClient) -> Session:
        s = self.engine.session(client.instance)
        if s is None:
            raise InputError("no session: send /segue/hello first")
        return s

    # --- sending --------------------------------------------------------------------------------
    def send_to(self, target: tuple[str, int], data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.sendto(data, target)

    def error(self, addr: tuple[str, int], rid: int, address: str, message: str) -> None:
        self.send_to(self.reply_target(addr), osc.message("/segue/error", int(rid), address, message[:1000]))

    # --- handlers -------------------------------------------------------------------------------
    def on_hello(self, r: osc.Request, _client, addr) -> None:
        instance, reply_port = r.args[0], r.args[1]
        chunk = r.args[2] if len(r.args) > 2 else None
        self.reply_ports.remember(addr, reply_port)
        client = self.clients.get(instance)
        now = time.monotonic()
        host = osc.plain_host(addr[0])
        from_host = sum(1 for c in self.clients.values() if c.address and osc.plain_host(c.address[0]) == host)
        if client is None and from_host >= MAX_SESSIONS_PER_HOST:
            raise InputError(f"{MAX_SESSIONS_PER_HOST} sessions are open from {host} already: say "
                             "/segue/goodbye on those you are done with")
        if client is not None and client.source not in (None, addr) and now - client.heard < LIVE_SECONDS:
            # a duplicated device (Cmd/Ctrl+D, a preset) restored the same id: never steal the session
            raise InputError(f"instance in use: {instance!r} belongs to another client that is still talking "
                             f"({client.source[0]}:{client.source[1]}); a copied device must take a new id")
        client = client or OscClient(self, instance)
        self.clients[instance] = client
        for key in [k for k, v in self.by_addr.items() if v == instance]:
            del self.by_addr[key]
        self.by_addr[addr] = instance
        client.address, client.source, client.heard = (addr[0], reply_port), addr, now
        client.token, client.confirmed = secrets.randbelow(2**31), False
        if chunk:
            client.chunk_bytes = chunk
        s, resumed = self.engine.attach(instance, client)
        info = self.engine.model_info(s)
        client.reply("/segue/hello", r.rid, instance, int(resumed), package_version(), info.name, info.device,
                     info.licence, client.token)

    def on_hello_confirm(self, r, client: OscClient, addr) -> None:
        if r.args[0] != client.token:
            raise InputError("wrong token: echo the token of the latest /segue/hello reply (or say hello again)")
        if not client.confirmed:
            client.confirmed = True
            self.engine.resend(self._session(client))  # the bars held back until now
        client.reply("/segue/hello/confirm", r.rid)

    def on_ping(self, r, _client, addr) -> None:
        self.send_to(self.reply_target(addr), osc.message("/segue/pong", r.rid, float(time.monotonic())))

    def on_goodbye(self, r, client: OscClient, addr) -> None:
        client.reply("/segue/goodbye", r.rid)
        self.by_addr.pop(addr, None)
        self.clients.pop(client.instance, None)
        self.engine.detach(client.instance, client)

    def on_model_info(self, r, client: OscClient, addr) -> None:
        m = self.engine.model_info(self._session(client))
        client.reply("/segue/model/info", r.rid, m.name, m.kind, m.window_bars, m.z_size, int(m.trained), m.device,
                     m.licence, m.choice, ",".join(m.capabilities),
                     ",".join(k for k in m.weak_knobs if k in ATTRIBUTE_KNOBS))

    def on_model_unavailable(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        info, model = self.engine.model_info(s), self.engine.model_of(s)
        reasons = {**unavailable(info), **knobs_without_vector(info, model.attributes if model else {})}
        client.reply("/segue/model/unavailable", r.rid, *(v for pair in reasons.items() for v in pair))

    def on_model_list(self, r, client: OscClient, addr) -> None:
        client.reply("/segue/model/list", r.rid, *self.engine.model_names())

    async def on_model_choose(self, r, client: OscClient, addr) -> None:
        await self.engine.choose_model(self._session(client), r.args[0])
        client.reply("/segue/model/choose", r.rid, r.args[0])

    def on_clip_begin(self, r, client: OscClient, addr) -> None:
        clip, count, length = r.args[0], r.args[1], r.args[2]
        kind = r.args[3] if len(r.args) > 3 else "notes"
        if kind not in ("notes", "drums"):
            raise InputError(f"kind must be notes or drums, got {kind!r}")
        now = time.monotonic()
        for name in [k for k, u in client.uploads.items() if now - u.touched > UPLOAD_TIMEOUT]:
            del client.uploads[name]  # abandoned
        if clip not in client.uploads and len(client.uploads) >= MAX_OPEN_UPLOADS:
            raise InputError(f"{MAX_OPEN_UPLOADS} uploads are open: end one (/segue/clip/end) before beginning "
                             f"another; an upload with no chunk for {UPLOAD_TIMEOUT:g} s is dropped")
        client.uploads[clip] = Upload(expected=count, length=float(length), kind=kind)
        client.reply("/segue/clip/ack", r.rid, clip, -1)

    def on_clip_notes(self, r, client: OscClient, addr) -> None:
        clip, seq = r.args[0], r.args[1]
        up = client.uploads.get(clip)
        if up is None:
            raise InputError(f"no upload of clip {clip!r} is open: send /segue/clip/begin first")
        if seq in up.chunks:
            raise InputError(f"chunk {seq} of clip {clip!r} arrived twice")
        if up.received + len(r.notes) > MAX_CLIP_NOTES:
            raise InputError(f"clip {clip!r}: more than {MAX_CLIP_NOTES} notes; a clip holds at most that many")
        up.chunks[seq] = r.notes
        up.received += len(r.notes)
        up.touched = time.monotonic()
        client.reply("/segue/clip/ack", r.rid, clip, seq)

    def on_clip_end(self, r, client: OscClient, addr) -> None:
        clip, chunks = r.args[0], r.args[1]
        up = client.uploads.get(clip)
        if up is None:
            raise InputError(f"no upload of clip {clip!r} is open")
        missing = [k for k in range(chunks) if k not in up.chunks]
        extra = sorted(k for k in up.chunks if k >= chunks)
        if missing or extra:
            raise InputError(f"clip {clip!r}: missing chunks {missing[:20]}" + (f", unexpected {extra[:20]}"
                             if extra else "") + "; resend them and /segue/clip/end again")
        notes = [n for k in range(chunks) for n in up.chunks[k]]
        if len(notes) != up.expected:
            raise InputError(f"clip {clip!r}: {len(notes)} notes arrived, /segue/clip/begin announced {up.expected}")
        self.engine.put_clip(self._session(client), clip, Clip(notes, up.length, up.kind))
        del client.uploads[clip]
        client.reply("/segue/clip/ack", r.rid, clip, -2)

    async def _slot_reply(self, r, client: OscClient, filled) -> None:
        slot = await filled
        client.reply("/segue/slot/encode", r.rid, r.args[0], int(slot.mu.shape[0]), slot.bars, slot.padded_bars)

    async def on_slot_encode(self, r, client: OscClient, addr) -> None:
        name, clip = r.args
        await self._slot_reply(r, client, self.engine.encode_into_slot(self._session(client), name, clip))

    async def on_slot_sample(self, r, client: OscClient, addr) -> None:
        name, bars = r.args
        await self._slot_reply(r, client, self.engine.sample_into_slot(self._session(client), name, bars))

    async def on_slot_variation(self, r, client: OscClient, addr) -> None:
        name, source, amount = r.args
        await self._slot_reply(r, client, self.engine.vary_into_slot(self._session(client), name, source, amount))

    def on_morph_slots(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        self.engine.set_morph_slots(s, r.args[0], r.args[1])
        client.reply("/segue/morph/slots", r.rid, *s.morph_slots)

    def on_xy_slots(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        self.engine.set_xy_slots(s, *r.args)
        client.reply("/segue/xy/slots", r.rid, *s.xy_slots)

    def on_xy_set(self, r, client: OscClient, addr) -> None:
        version = self.engine.set_xy(self._session(client), r.args[0], r.args[1])
        client.reply("/segue/xy/set", r.rid, r.args[0], r.args[1], version)

    def on_knob(self, r, client: OscClient, addr) -> None:
        version = self.engine.set_knob(self._session(client), r.address.rsplit("/", 1)[1], r.args[0])
        client.reply(r.address, r.rid, r.args[0], version)

    def on_transport_set(self, r, client: OscClient, addr) -> None:
        playing, tempo, beat, num, den = r.args
        self.engine.set_transport(self._session(client), bool(playing), tempo, beat, num, den)
        client.reply("/segue/transport/set", r.rid)

    def on_transport_loop(self, r, client: OscClient, addr) -> None:
        self.engine.set_loop(self._session(client), r.args[0], r.args[1])
        client.reply("/segue/transport/loop", r.rid)

    def on_transport_seek(self, r, client: OscClient, addr) -> None:
        self.engine.seek(self._session(client), r.args[0])
        client.reply("/segue/transport/seek", r.rid)

    def on_bar_request(self, r, client: OscClient, addr) -> None:
        self.engine.request_bar(self._session(client), r.args[0])

    async def on_render(self, r, client: OscClient, addr) -> None:
        if not client.confirmed:
            raise InputError("confirm the hello first (/segue/hello/confirm token): a render sends many "
                             "datagrams, only to a client that reads its reply port")
        steps = r.args[0]
        render = self.engine.render(self._session(client), steps)
        client.reply("/segue/render/begin", r.rid, steps, render.bars)
        counts = [client.send_notes("/segue/render/notes", (r.rid, step), await render.step(step))
                  for step in range(steps)]
        client.reply("/segue/render/end", r.rid, *counts)

    async def _regroove(self, r, client: OscClient, tap: bool) -> None:
        if not client.confirmed:
            raise InputError("confirm the hello first (/segue/hello/confirm token): the result is many "
                             "datagrams, sent only to a client that reads its reply port")
        clip, amount = r.args[0], r.args[1]
        temperature = r.args[2] if len(r.args) > 2 else 0.0
        notes, length = await self.engine.regroove_clip(self._session(client), clip, amount, temperature, tap)
        client.reply("/segue/clip/result/begin", r.rid, clip, len(notes), float(length))
        chunks = client.send_notes("/segue/clip/result/notes", (r.rid,), notes)
        client.reply("/segue/clip/result/end", r.rid, chunks)

    async def on_clip_groove(self, r, client: OscClient, addr) -> None:
        await self._regroove(r, client, tap=False)

    async def on_clip_drumify(self, r, client: OscClient, addr) -> None:
        await self._regroove(r, client, tap=True)

    async def on_chords_set(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        client.reply("/segue/chords/set", r.rid, await self.engine.set_chords(s, r.args[0]), s.version)

    async def on_chords_from_clip(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        client.reply("/segue/chords/from_clip", r.rid, await self.engine.chords_from_clip(s, r.args[0]), s.version)

    def on_chords_get(self, r, client: OscClient, addr) -> None:
        s = self._session(client)
        client.reply("/segue/chords/get", r.rid, format_progression(s.chords), s.version)

    async def on_tool(self, r, client: OscClient, addr) -> None:
        """A MIDI Tool's operation (engine/cliptools.py): its new notes come back as one result."""
        if not client.confirmed:
            raise InputError("confirm the hello first (/segue/hello/confirm token): a result is many datagrams, "
                             "sent only to a client that reads its reply port")
        result = await cliptools.run(self.engine, self._session(client), r.address.rsplit("/", 1)[1], r.args)
        client.reply("/segue/tool/result/begin", r.rid, len(result.notes), float(result.length), result.message[:1000])
        chunks = client.send_notes("/segue/tool/result/notes", (r.rid,), result.notes)
        client.reply("/segue/tool/result/end", r.rid, chunks)

    def on_tool_targets(self, r, client: OscClient, addr) -> None:
        rows = cliptools.targets(self.engine, self._session(client))
        client.reply("/segue/tool/targets", r.rid, *(v for row in rows for v in row))
