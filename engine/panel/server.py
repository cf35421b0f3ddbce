"""The panel adapter: a local web page for every DAW, served by the engine's own event loop.

One more adapter beside OSC and MIDI: a page's WebSocket is a :class:`PanelClient`, a listener of
the core like ``OscClient`` and ``MidiSession``; what the page asks for is one public call of the
core (``engine/api.py EngineAPI``). Nothing here reaches inside the core.

    page --WebSocket JSON {op ...}--> PanelClient.on_<op> --> Engine.<method> --> session state
    page --POST /api/upload (bytes)--> clips.read_upload (read_midi, select_tracks) --> Engine.put_clip, encode
    Engine --> PanelClient.bar --> {type: bar} --> the page's piano roll, synth, Web MIDI
    page --GET /api/download--> bars, the A->B morph or a grooved clip, written by write_midi
    page --{op groove|drumify}--> Engine.regroove_clip --> a new clip (a result: never the source) --> {type: result}
    page --{op chords|chords_from_clip}--> Engine.set_chords / chords_from_clip --> the progression in the state

What the session's model cannot do is greyed out in the page with the reason the state gives
(``unavailable``, from ``ModelInfo.capabilities``); weak attribute knobs (``ModelInfo.weak_knobs``)
carry a mark.

Every request passes :func:`PanelServer.guard` (peer, Host, Origin, token: ``security.py``).
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import secrets
import time
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from aiohttp import WSMsgType, web

from segue.bridge.addresses import BY_PATH, KNOBS, PREFIX
from segue.engine import generate
from segue.engine.api import EngineAPI, EngineConfig
from segue.engine.panel import clips, security
from segue.engine.panel.page import (
    DOWNLOAD_BARS,
    GROOVE_ARGS,
    RENDER_STEPS,
    SLOTS,
    TOOL_CLIP,
    PanelClient,
    note_rows,
    session_kind,
    source_view,
    vocabulary,
)
from segue.engine.pipeline import BULK_PRIORITY
from segue.engine.session import FromClip, FromSample, FromVariation, Session
from segue.models.errors import InputError, SegueError
from segue.models.loading import example_clips
from segue.models.notes import BEATS_PER_BAR, Note

log = logging.getLogger(__name__)
STATIC = Path(str(files("segue.engine.panel").joinpath("static")))
TICK = 0.1  # seconds between a page's state checks
TRANSPORT_EVERY = 0.25  # seconds between transport messages to a page
MAX_CONNECTIONS = 32
MAX_WS_MESSAGE = 64 * 1024
VARY_AMOUNT = 0.5
_TRANSPORT = {a.name: a for a in BY_PATH[PREFIX + "/transport/set"].args}
_SAMPLE_BARS = {a.name: a for a in BY_PATH[PREFIX + "/slot/sample"].args}["bars"]
TOOL_SOURCE = "tool"
MAX_RESULTS = 8  # grooved clips a session's pages keep (the oldest goes)
MAX_PROGRESSION_TEXT = 4096


@dataclass(frozen=True)
class PanelSettings:
    """What `segue serve` asked of the panel; host and allow list are the engine's (``EngineConfig``)."""

    port: int = 0  # 0: any free port
    token: str | None = None  # None: the one kept in the state folder (or a fresh one)
    max_upload: int = clips.MAX_UPLOAD_BYTES


def _safe_stem(title: str) -> str:
    stem = "".join(c if c.isalnum() or c in "-_" else "-" for c in Path(title.split(" / ")[0]).stem)
    return stem.strip("-")[:40] or "clip"


class PanelServer:
    """The panel's web server: static page, one WebSocket per page, upload and download."""

    def __init__(self, engine: EngineAPI, config: EngineConfig, settings: PanelSettings | None = None):
        self.engine, self.config = engine, config
        self.settings = settings or PanelSettings()
        self.token = self.settings.token or security.load_token(config.state_dir)
        self.clients: dict[str, PanelClient] = {}
        self.views: dict[str, dict[str, dict]] = {}  # instance -> slot -> its view (notes, reconstruction, F1)
        self._view_keys: dict[tuple[str, str], int] = {}  # (instance, slot) -> id of the codes viewed
        self.titles: dict[tuple[str, str], str] = {}  # (instance, clip) -> the file it came from
        self.results: dict[str, list[dict]] = {}  # instance -> its grooved clips, newest last
        self._next_result = 1
        self.refused: dict[str, int] = {}  # reason -> count (tests, the log)
        self.runner: web.AppRunner | None = None
        self.address: tuple[str, int] | None = None
        self.app = web.Application(middlewares=[self.guard], client_max_size=self.settings.max_upload + 4096)
        self.app.router.add_get("/", self.index)
        self.app.router.add_get("/ws", self.websocket)
        self.app.router.add_get("/api/vocabulary", self.get_vocabulary)
        self.app.router.add_post("/api/upload", self.upload)
        self.app.router.add_get("/api/download", self.download)
        self.app.router.add_static("/static/", STATIC, follow_symlinks=False, append_version=False)

    # --- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> tuple[str, int]:
        self.runner = web.AppRunner(self.app, access_log=None, handle_signals=False, shutdown_timeout=1.0)
        await self.runner.setup()
        site = web.TCPSite(self.runner, self.config.host, self.settings.port, reuse_address=True)
        try:
            await site.start()
        except BaseException:
            await self.runner.cleanup()
            self.runner = None
            raise
        host, port = self.runner.addresses[0][:2]
        self.address = (host, port)
        return self.address

    @property
    def port(self) -> int:
        return self.address[1] if self.address else self.settings.port

    @property
    def url(self) -> str:
        host = self.config.host
        host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else (f"[{host}]" if ":" in host else host)
        return f"http://{host}:{self.port}/?token={self.token}"

    async def close(self) -> None:
        for client in list(self.clients.values()):
            self._leave(client)
        if self.runner is not None:
            await self.runner.cleanup()
            self.runner = None

    # --- the guard -------------------------------------------------------------------------------
    def _refuse(self, reason: str, message: str, status: int = 403) -> web.Response:
        self.refused[reason] = self.refused.get(reason, 0) + 1
        if self.refused[reason] in (1, 10, 100, 1000):
            log.warning("panel refused a request (%s): %s", reason, message)
        return web.Response(status=status, text=message + "\n", content_type="text/plain")

    @web.middleware
    async def guard(self, request: web.Request, handler):
        if not security.peer_ok(request.remote, self.config.allow):
            return self._refuse("peer", f"{request.remote} may not use the panel (--allow)")
        if not security.host_ok(request.headers.get("Host"), self.port):
            return self._refuse("host", "wrong Host header: open the panel at the address segue serve printed")
        origin = request.headers.get("Origin")
        if origin is not None and not security.origin_ok(origin, self.port):
            return self._refuse("origin", "requests from other web pages are refused")
        if not request.path.startswith("/static/"):
            given = request.headers.get("X-Segue-Token") or request.query.get("token")
            if not security.token_ok(given, self.token):
                return self._refuse("token", "the panel needs its token: open the URL that `segue serve` printed "
                                    "(http://127.0.0.1:PORT/?token=...)")
        response = await handler(request)
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "no-referrer")
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        return response

    # --- pages -------------------------------------------------------------------------------------
    async def index(self, request: web.Request) -> web.Response:
        html = (STATIC / "index.html").read_text(encoding="utf-8").replace("{{token}}", self.token)
        return web.Response(text=html, content_type="text/html", headers={
            "Cache-Control": "no-store",
            "Content-Security-Policy": "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
                                       "style-src 'self'; script-src 'self'; frame-ancestors 'none'"})

    async def get_vocabulary(self, request: web.Request) -> web.Response:
        return web.json_response(vocabulary())

    # --- the WebSocket -----------------------------------------------------------------------------
    async def websocket(self, request: web.Request) -> web.StreamResponse:
        if request.headers.get("Origin") is None and "Mozilla" in request.headers.get("User-Agent", ""):
            return self._refuse("origin", "a browser's WebSocket without an Origin is refused")
        if len(self.clients) >= MAX_CONNECTIONS:
            return self._refuse("full", f"{MAX_CONNECTIONS} pages are connected already", status=503)
        ws = web.WebSocketResponse(heartbeat=10.0, max_msg_size=MAX_WS_MESSAGE)
        await ws.prepare(request)
        client = PanelClient(self, ws)
        self.clients[client.id] = client
        writer = asyncio.ensure_future(client.writer())
        ticker = asyncio.ensure_future(self._tick(client))
        client.send({"type": "hello", "conn": client.id, "vocabulary": vocabulary(),
                     "sessions": self._sessions()})
        try:
            async for msg in ws:
                if msg.type != WSMsgType.TEXT:
                    continue
                await self._message(client, msg.data)
        finally:
            for task in (writer, ticker):
                task.cancel()
            self._leave(client)
        return ws

    def _leave(self, client: PanelClient) -> None:
        self.clients.pop(client.id, None)
        client.dead = True
        if client.session is not None:
            self.engine.detach(client.session.instance, client)
            client.session = None

    def _sessions(self) -> list[dict[str, str]]:
        return [{"instance": i, "kind": session_kind(i)} for i in self.engine.open_sessions()]

    async def _message(self, client: PanelClient, text: str) -> None:
        rid = None
        try:
            request = json.loads(text)
            if not isinstance(request, dict) or not isinstance(request.get("op"), str):
                raise InputError("a request is a JSON object with an op")
            rid = request.get("id")
            handler = getattr(self, "op_" + request["op"], None)
            if handler is None:
                raise InputError(f"no op {request['op']!r}")
            if request["op"] not in ("attach", "sessions") and client.session is None:
                raise InputError("attach to a session first")
            if request["op"] in SLOW_OPS:  # encodes and renders: the page goes on moving the pad meanwhile
                asyncio.ensure_future(self._run(client, rid, handler(client, request)))
            else:
                result = handler(client, request)
                await self._run(client, rid, result)
        except Exception as e:
            self._reply_error(client, rid, e)

    async def _run(self, client: PanelClient, rid, result) -> None:
        try:
            if asyncio.iscoroutine(result):
                result = await result
            client.send({"type": "reply", "id": rid, "ok": True, **(result or {})})
        except Exception as e:
            self._reply_error(client, rid, e)

    def _reply_error(self, client: PanelClient, rid, e: Exception) -> None:
        if isinstance(e, SegueError | json.JSONDecodeError):
            message = str(e.args[0] if isinstance(e, SegueError) and e.args else e)
        else:
            log.exception("panel request failed")
            message = f"internal error: {type(e).__name__}: {e}"
        client.send({"type": "reply", "id": rid, "ok": False, "error": message[:1000]})

    async def _tick(self, client: PanelClient) -> None:
        last_transport = 0.0
        while True:
            await asyncio.sleep(TICK)
            s = client.session
            if s is None or self.engine.session(s.instance) is not s:
                continue
            self.engine.touch(s)
            now = time.monotonic()
            self._refresh_views(s)
            views = {k: id(v) for k, v in self.views.get(s.instance, {}).items()}
            slots = {k for k in s.slots if k in SLOTS}
            tool = id(s.clips.get(TOOL_CLIP))
            moved = views != client.seen_views or slots != client.seen_slots or tool != client.seen_tool
            if s.version != client.seen_version or moved:
                with_slots = client.seen_version < 0 or moved
                client.seen_version, client.seen_views, client.seen_slots = s.version, views, slots
                client.seen_tool = tool
                client.send(client.state(s, slots=with_slots))
                last_transport = now
            elif now - last_transport >= TRANSPORT_EVERY:
                client.send(client.transport(s))
                last_transport = now

    # --- slot views: notes, the model's reconstruction, its F1 ---------------------------------------
    def _refresh_views(self, s: Session) -> None:
        views = self.views.setdefault(s.instance, {})
        for name in [n for n in views if n not in s.slots]:
            del views[name]
            self._view_keys.pop((s.instance, name), None)
        for name, slot in s.slots.items():
            if name not in SLOTS:
                continue
            key = (s.instance, name)
            if slot.mu is None or self._view_keys.get(key) == id(slot.mu):
                continue
            self._view_keys[key] = id(slot.mu)
            asyncio.ensure_future(self._make_view(s, name, slot))

    async def _make_view(self, s: Session, name: str, slot) -> None:
        model = self.engine.model_of(s)
        try:
            recon = await self.engine.run(BULK_PRIORITY, clips.reconstruction, model, slot.mu, max(1, slot.bars))
        except Exception as e:  # a view is a nicety: say so on the page, keep going
            log.warning("panel: slot %s of %s could not be decoded: %s", name, s.instance, e)
            recon = []
        if s.slots.get(name) is not slot:
            return  # replaced meanwhile
        clip = s.clips.get(slot.source.clip) if isinstance(slot.source, FromClip) else None
        title = self.titles.get((s.instance, slot.source.clip)) if clip else None
        view = {"name": name, "source": source_view(slot.source), "bars": slot.bars, "recon": note_rows(recon),
                "title": title,
                "notes": note_rows(clip.notes) if clip else note_rows(recon),
                "length": clip.length if clip else max(1, slot.bars) * BEATS_PER_BAR,
                "f1": round(clips.note_f1([n for n in clip.notes if n.start < slot.bars * BEATS_PER_BAR], recon), 3)
                if clip else None}
        self.views.setdefault(s.instance, {})[name] = view

    # --- ops ---------------------------------------------------------------------------------------------
    def op_sessions(self, client: PanelClient, r: dict) -> dict:
        return {"sessions": self._sessions()}

    def op_attach(self, client: PanelClient, r: dict) -> dict:
        instance = r.get("instance") or ""
        if not isinstance(instance, str) or len(instance) > 1024:
            raise InputError("instance: a session's id, at most 1024 characters")
        instance = instance or f"panel-{secrets.token_hex(4)}"
        if client.session is not None:
            self.engine.detach(client.session.instance, client)
            client.session = None
        client.bars.clear()
        client.moves.clear()
        s, resumed = self.engine.attach(instance, client)
        client.session = s
        client.seen_version = -1
        return {"instance": instance, "resumed": resumed, "kind": session_kind(instance),
                "results": self.results.get(instance, [])}

    def _session(self, client: PanelClient) -> Session:
        s = client.session
        if s is None or self.engine.session(s.instance) is not s:
            raise InputError("the session is gone: attach again")
        return s

    @staticmethod
    def _slot(r: dict) -> str:
        slot = r.get("slot")
        if slot not in SLOTS:
            raise InputError(f"slot must be one of {', '.join(SLOTS)}, got {slot!r}")
        return slot

    def _moved(self, client: PanelClient, version: int) -> dict:
        client.moves.append((version, time.monotonic()))
        return {"version": version}

    def op_knob(self, client: PanelClient, r: dict) -> dict:
        name = r.get("name")
        if not isinstance(name, str):
            raise InputError("knob: name a knob")
        value = r.get("value")
        arg = KNOBS.get(name)
        if arg is not None:
            value = arg.coerce(value)
        return self._moved(client, self.engine.set_knob(self._session(client), name, value))

    def op_xy(self, client: PanelClient, r: dict) -> dict:
        s = self._session(client)
        if not any(s.xy_slots):  # the pad takes over from the morph knob with its four corners
            self.engine.set_xy_slots(s, *SLOTS)
        x, y = r.get("x"), r.get("y")
        return self._moved(client, self.engine.set_xy(s, KNOBS["xy_x"].coerce(x), KNOBS["xy_y"].coerce(y)))

    def op_pad(self, client: PanelClient, r: dict) -> dict:
        """The pad on (corners A-D) or off (the morph knob between the morph slots)."""
        s = self._session(client)
        self.engine.set_xy_slots(s, *(SLOTS if r.get("on") else ("", "", "", "")))
        return {"xy_slots": list(s.xy_slots)}

    def op_transport(self, client: PanelClient, r: dict) -> dict:
        s = self._session(client)
        tempo = r.get("tempo", s.transport.tempo)
        problem = _TRANSPORT["tempo"].check(tempo, "tempo")
        if problem:
            raise InputError(problem)
        if r.get("rewind"):
            self.engine.seek(s, 0.0)
        beat = s.transport.beat_now(time.monotonic())
        playing = bool(r["playing"]) if "playing" in r else s.transport.playing  # a rewind alone keeps it
        self.engine.set_transport(s, playing, float(tempo), beat)
        return {}

    async def op_sample(self, client: PanelClient, r: dict) -> dict:
        s, slot = self._session(client), self._slot(r)
        bars = r.get("bars", self.engine.model_of(s).window_bars)
        problem = _SAMPLE_BARS.check(bars, "bars")
        if problem:
            raise InputError(problem)
        await self.engine.sample_into_slot(s, slot, bars, seed=secrets.randbelow(2**31))
        return {"slot": slot}

    async def op_vary(self, client: PanelClient, r: dict) -> dict:
        """A variation of the slot around what it came from (a clip, a sample, or what an earlier
        variation varied), kept in a hidden base slot ``<slot>~`` so that it restores."""
        s, slot = self._session(client), self._slot(r)
        current = s.slots.get(slot)
        if current is None:
            raise InputError(f"slot {slot} is empty: nothing to vary")
        base = f"{slot}~"
        if not (isinstance(current.source, FromVariation) and current.source.slot == base and base in s.slots):
            if isinstance(current.source, FromClip):
                await self.engine.encode_into_slot(s, base, current.source.clip)
            elif isinstance(current.source, FromSample):
                await self.engine.sample_into_slot(s, base, current.source.bars,
                                                   seed=current.source.seed if current.source.seed is not None
                                                   else s.knobs.seed)
            else:
                raise InputError(f"slot {slot} varies another slot; load a clip or a sample into it first")
        await self.engine.vary_into_slot(s, slot, base, float(r.get("amount", VARY_AMOUNT)),
                                         seed=secrets.randbelow(2**31))
        return {"slot": slot}

    def op_clear(self, client: PanelClient, r: dict) -> dict:
        s, slot = self._session(client), self._slot(r)
        self.engine.clear_slot(s, slot)
        self.engine.clear_slot(s, f"{slot}~")
        return {"slot": slot}

    async def op_example(self, client: PanelClient, r: dict) -> dict:
        s, slot = self._session(client), self._slot(r)
        paths = {p.name: p for p in example_clips()}
        path = paths.get(r.get("name"))
        if path is None:
            raise InputError(f"the examples are {', '.join(paths)}")
        return await self._load(s, slot, path.read_bytes(), path.name, None)

    async def op_model(self, client: PanelClient, r: dict) -> dict:
        s = self._session(client)
        await self.engine.choose_model(s, str(r.get("name") or ""))
        return {"model": s.model}

    def op_card(self, client: PanelClient, r: dict) -> dict:
        s = self._session(client)
        model = self.engine.model_of(s)
        return {"card": self.engine.model_card(s), "config": model.config.name,
                "training": {k: v for k, v in model.meta.training.items() if isinstance(v, str | int | float | bool)},
                "licence": model.meta.licence}

    # --- groove, drumify, chords (the model's capabilities) --------------------------------------------
    def _source_clip(self, s: Session, source) -> str:
        """The clip an action reads: the one dropped on the Groove box (``tool``), or a slot's own
        clip (a variation's: the clip it varies)."""
        if source == TOOL_SOURCE:
            if TOOL_CLIP not in s.clips:
                raise InputError("drop a .mid file on the Groove box first (or choose a slot's clip)")
            return TOOL_CLIP
        if source not in SLOTS:
            raise InputError(f"source: {TOOL_SOURCE} (the Groove box's clip) or a slot, one of {', '.join(SLOTS)}; "
                             f"got {str(source)[:40]!r}")
        slot = s.slots.get(source)
        if slot is not None and isinstance(slot.source, FromVariation):
            slot = s.slots.get(slot.source.slot)
        if slot is None or not isinstance(slot.source, FromClip):
            raise InputError(f"slot {source} holds no clip of yours (load a .mid into it, or drop one on the "
                             "Groove box)")
        return slot.source.clip

    async def _regroove(self, client: PanelClient, r: dict, tap: bool) -> dict:
        s = self._session(client)
        clip_name = self._source_clip(s, r.get("source"))
        source_notes = note_rows(s.clip(clip_name).notes)
        amount, temperature = r.get("amount", 1.0), r.get("temperature", 0.0)
        for name, value in (("amount", amount), ("temperature", temperature)):
            problem = GROOVE_ARGS[name].check(value, name)
            if problem:
                raise InputError(f"{name}: {problem}")
        notes, length = await self.engine.regroove_clip(s, clip_name, float(amount), float(temperature), tap)
        action, n = ("drumify", "drumified") if tap else ("groove", "grooved")
        title = self.titles.get((s.instance, clip_name), clip_name)
        rid = self._next_result
        self._next_result += 1
        result = {"id": rid, "action": action, "source": r.get("source"), "title": title,
                  "amount": float(amount), "temperature": float(temperature), "notes": note_rows(notes),
                  "source_notes": source_notes, "length": length, "tempo": s.transport.tempo,
                  "model": self.engine.model_info(s).name, "filename": f"{_safe_stem(title)}-{n}-{rid}.mid"}
        kept = self.results.setdefault(s.instance, [])
        kept.append(result)
        del kept[:-MAX_RESULTS]
        if len(self.results) > 256:  # sessions long gone: forget the oldest
            del self.results[next(iter(self.results))]
        for other in self.clients.values():
            if other.session is s:
                other.send({"type": "result", **result})
        return {"result": result["id"], "notes": len(notes)}

    async def op_groove(self, client: PanelClient, r: dict) -> dict:
        """Groove a clip (GrooVAE humanize): a new clip, the source stays as it is."""
        return await self._regroove(client, r, tap=False)

    async def op_drumify(self, client: PanelClient, r: dict) -> dict:
        """Drumify a clip (GrooVAE tap: its notes are the taps): a new clip."""
        return await self._regroove(client, r, tap=True)

    async def op_chords(self, client: PanelClient, r: dict) -> dict:
        """The session's progression (kept, though not heard, on a model without chords)."""
        text = r.get("text", "")
        if not isinstance(text, str) or len(text) > MAX_PROGRESSION_TEXT:
            raise InputError(f"chords: a progression as text, at most {MAX_PROGRESSION_TEXT} characters")
        return {"chords": await self.engine.set_chords(self._session(client), text)}

    async def op_chords_from_clip(self, client: PanelClient, r: dict) -> dict:
        s = self._session(client)
        return {"chords": await self.engine.chords_from_clip(s, self._source_clip(s, r.get("source")))}

    def op_ping(self, client: PanelClient, r: dict) -> dict:
        return {"t": r.get("t")}

    # --- upload and download -------------------------------------------------------------------------------
    def _client_of(self, request: web.Request) -> PanelClient:
        client = self.clients.get(request.query.get("conn", ""))
        if client is None or client.session is None:
            raise web.HTTPBadRequest(text="no such page connection: reload the panel")
        return client

    async def _load(self, s: Session, slot: str, data: bytes, name: str, track: int | None) -> dict:
        loop = asyncio.get_running_loop()
        up = await loop.run_in_executor(None, clips.read_upload, data, name, track)
        clip_name = f"panel-{slot}"
        self.engine.put_clip(s, clip_name, up.clip)
        if len(self.titles) > 4096:
            self.titles.clear()
        self.titles[(s.instance, clip_name)] = up.name
        filled = await self.engine.encode_into_slot(s, slot, clip_name)
        return {"slot": slot, "name": up.name, "track": up.track, "bars": filled.bars, "notes": len(up.clip.notes)}

    async def _load_tool(self, s: Session, data: bytes, name: str, track: int | None) -> dict:
        """A clip for Groove, Drumify and chords from a clip: kept in the session, in no slot."""
        up = await asyncio.get_running_loop().run_in_executor(None, clips.read_upload, data, name, track)
        self.engine.put_clip(s, TOOL_CLIP, up.clip)
        self.titles[(s.instance, TOOL_CLIP)] = up.name
        return {"to": TOOL_SOURCE, "name": up.name, "track": up.track, "bars": up.clip.bars,
                "notes": len(up.clip.notes), "kind": up.clip.kind}

    async def upload(self, request: web.Request) -> web.Response:
        try:
            client = self._client_of(request)
            tool = request.query.get("to") == TOOL_SOURCE
            slot = None if tool else self._slot({"slot": request.query.get("slot")})
            name = request.query.get("name", "upload.mid")[:200]
            track = request.query.get("track")
            if track is not None:
                if not track.isdigit():
                    raise InputError(f"track must be a track number, got {track!r}")
                track = int(track)
            if (request.content_length or 0) > self.settings.max_upload:
                raise web.HTTPRequestEntityTooLarge(max_size=self.settings.max_upload,
                                                    actual_size=request.content_length)
            data = await request.read()
            if tool:
                result = await self._load_tool(self._session(client), data, name, track)
            else:
                result = await self._load(self._session(client), slot, data, name, track)
            return web.json_response({"ok": True, **result})
        except web.HTTPRequestEntityTooLarge:
            return web.json_response({"ok": False, "error": f"the file is too big: a MIDI file for a slot is at "
                                      f"most {self.settings.max_upload // 1024} KB"}, status=413)
        except clips.NeedsTrack as e:
            return web.json_response({"ok": False, "choose": e.tracks, "error": str(e)})
        except SegueError as e:
            return web.json_response({"ok": False, "error": str(e.args[0] if e.args else e)}, status=400)
        except web.HTTPException:
            raise
        except Exception as e:  # never a crash: the page shows the message
            log.exception("panel upload")
            return web.json_response({"ok": False, "error": f"internal error: {type(e).__name__}: {e}"}, status=500)

    async def download(self, request: web.Request) -> web.Response:
        client = self._client_of(request)
        s = self._session(client)
        model = self.engine.model_of(s)
        drums = model.representation.kind == "drums"
        try:
            if "result" in request.query:
                wanted = request.query["result"]
                found = [x for x in self.results.get(s.instance, []) if str(x["id"]) == wanted]
                if not found:
                    raise InputError(f"no result {wanted[:20]!r} in this session (a page keeps its last "
                                     f"{MAX_RESULTS})")
                x = found[0]
                data = await asyncio.get_running_loop().run_in_executor(
                    None, clips.midi_bytes, [Note(p, st, d, v) for p, st, d, v in x["notes"]], x["tempo"], True,
                    f"Segue {x['action']}")
                return web.Response(body=data, content_type="audio/midi",
                                    headers={"Content-Disposition": f'attachment; filename="{x["filename"]}"'})
            if "morph" in request.query:
                steps = int(request.query["morph"]) if request.query["morph"].isdigit() else -1
                problem = RENDER_STEPS.check(steps, "steps")
                if problem:
                    raise InputError(problem)
                render = self.engine.render(s, steps)
                parts = [await render.step(k) for k in range(steps)]
                notes, filename = clips.joined(parts, render.bars * BEATS_PER_BAR), f"segue-morph-{steps}-steps.mid"
            else:
                count = int(request.query.get("bars", "4")) if request.query.get("bars", "4").isdigit() else -1
                if count not in DOWNLOAD_BARS:
                    raise InputError(f"bars: one of {', '.join(map(str, DOWNLOAD_BARS))}")
                first = math.floor(s.transport.beat_now(time.monotonic()) / BEATS_PER_BAR + 1e-9)
                first = max(0, first)
                snap = generate.snapshot_of(s)

                def bars_now(m):
                    cache: dict = {}
                    return [generate.bar_notes(m, snap, b, cache) for b in range(first, first + count)]

                parts = await self.engine.run(BULK_PRIORITY, bars_now, model)
                notes, filename = clips.joined(parts, BEATS_PER_BAR), f"segue-{count}-bars-from-{first}.mid"
        except SegueError as e:
            return web.json_response({"ok": False, "error": str(e.args[0] if e.args else e)}, status=400)
        data = await asyncio.get_running_loop().run_in_executor(None, clips.midi_bytes, notes, s.transport.tempo,
                                                                 drums)
        return web.Response(body=data, content_type="audio/midi",
                            headers={"Content-Disposition": f'attachment; filename="{filename}"'})


SLOW_OPS = {"sample", "vary", "example", "model", "groove", "drumify", "chords", "chords_from_clip"}
