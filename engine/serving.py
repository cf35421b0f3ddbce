"""The engine's core, its adapters and the signals, composed in one place (:func:`serve`, what
`segue serve` runs; its flags are ``segue.engine.cli.serve``)."""

from __future__ import annotations

import asyncio
import logging
import signal
import threading
from collections.abc import Callable

from segue.engine.api import EngineConfig
from segue.engine.core import Engine
from segue.engine.osc_server import OscServer
from segue.models.errors import SegueError
from segue.models.inference import LatentModel

log = logging.getLogger(__name__)


class Service:
    """The engine's core with its adapters, started and stopped together on one event loop:
    OSC always, a MIDI session when ``midi`` (a ``segue.engine.midi.MidiSettings``) is given, the
    web panel when ``panel`` (a ``segue.engine.panel.PanelSettings``) is."""

    def __init__(self, config: EngineConfig, model: LatentModel, midi=None, panel=None):
        self.config, self.model, self.midi_settings, self.panel_settings = config, model, midi, panel
        self.engine = Engine(config, model)
        self.osc = OscServer(self.engine, config.host, config.port, config.allow)
        self.midi = None
        self.panel = None
        self.address: tuple[str, int] | None = None

    async def start(self) -> tuple[str, int]:
        await self.engine.start()
        try:
            self.address = await self.osc.start()
        except BaseException:
            await self.engine.stop()
            raise
        if self.midi_settings is not None:
            from segue.engine.midi import open_midi_session

            try:
                self.midi = open_midi_session(self.engine, self.midi_settings)
            except SegueError as e:
                log.error("MIDI is off: %s. The engine keeps serving OSC.", e.args[0] if e.args else e)
        if self.panel_settings is not None:
            from segue.engine.panel import PanelServer

            panel = PanelServer(self.engine, self.config, self.panel_settings)
            try:
                await panel.start()
                self.panel = panel
            except OSError as e:
                log.error("the panel is off: cannot listen on %s:%d (%s); choose another --panel-port, or "
                          "--no-panel. The engine keeps serving OSC.", self.config.host, self.panel_settings.port,
                          e.strerror or e)
        return self.address

    async def stop(self) -> None:
        if self.panel is not None:
            await self.panel.close()
        if self.midi is not None:
            self.midi.close()
        self.osc.close()
        await self.engine.stop()


class BackgroundService:
    """A :class:`Service` on an event loop of its own thread, for embedding the engine in a program
    that has its own main loop (benchmarks, tests). A context manager; ``close()`` stops it."""

    def __init__(self, config: EngineConfig, model: LatentModel, midi=None, panel=None):
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="segue-engine-loop", daemon=True)
        self.thread.start()
        self.service = Service(config, model, midi, panel)
        self.engine = self.service.engine
        try:
            self.address = self.run(self.service.start())
        except BaseException:
            self._end_loop()
            raise
        self.host, self.port = self.address

    def run(self, coro, timeout: float = 10.0):
        """Run a coroutine on the engine's loop and wait for its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout)

    def call(self, fn: Callable, *args, timeout: float = 10.0):
        """``fn(*args)`` on the engine's loop (engine state belongs to that thread), waited for."""
        return self.engine.call(fn, *args).result(timeout=timeout)

    def close(self) -> None:
        try:
            self.run(self.service.stop())
        finally:
            self._end_loop()

    def _end_loop(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=5)
        self.loop.close()

    def __enter__(self) -> BackgroundService:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


async def serve(config: EngineConfig, model: LatentModel, ready: Callable[[str], None] = print,
                stop: asyncio.Event | None = None, midi=None, panel=None, open_panel: bool = False) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set); prints one ready line. With ``midi`` a MIDI
    session plays a session on MIDI ports too; when its ports cannot open, the error is logged and
    the engine serves OSC alone. With ``panel`` the web panel is served too, its URL (with its
    token) at the end of the ready line; ``open_panel`` opens it in the default browser."""
    service = Service(config, model, midi, panel)
    host, port = await service.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    state = "untrained" if model.untrained else "trained"
    shown = f"[{host}]" if ":" in host else host  # an IPv6 address in a URL is bracketed
    url = service.panel.url if service.panel is not None else None
    ready(f"segue engine ready: udp://{shown}:{port} model {model.config.name} ({state}, "
          f"licence: {model.meta.licence}) device {model.device.type}" + (f" panel {url}" if url else ""))
    if url and open_panel:
        import webbrowser

        try:
            webbrowser.open(url)
        except Exception as e:  # no browser here: the URL is in the ready line
            log.warning("cannot open a browser: %s", e)
    if service.midi is not None:
        ready(service.midi.describe())
    try:
        await stop.wait()
    finally:
        await service.stop()
        log.info("segue engine stopped")

