"""`segue serve` and `segue client`: the engine's core, its adapters and the signals, composed in
one place (:func:`serve`), and the argument handling around them."""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import queue
import signal
import time
from collections.abc import Callable

from segue.bridge.client import EngineClient
from segue.engine.api import EngineConfig
from segue.engine.core import Engine
from segue.engine.osc_server import OscServer
from segue.models.errors import InputError, SegueError
from segue.models.inference import LatentModel

log = logging.getLogger(__name__)


class Service:
    """The engine's core with its adapters, started and stopped together on one event loop:
    OSC always, a MIDI session when ``midi`` (a ``segue.engine.midi.MidiSettings``) is given."""

    def __init__(self, config: EngineConfig, model: LatentModel, midi=None):
        self.config, self.model, self.midi_settings = config, model, midi
        self.engine = Engine(config, model)
        self.osc = OscServer(self.engine, config.host, config.port, config.allow)
        self.midi = None
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
        return self.address

    async def stop(self) -> None:
        if self.midi is not None:
            self.midi.close()
        self.osc.close()
        await self.engine.stop()


async def serve(config: EngineConfig, model: LatentModel, ready: Callable[[str], None] = print,
                stop: asyncio.Event | None = None, midi=None) -> None:
    """Run until SIGINT/SIGTERM (or ``stop`` is set); prints one ready line. With ``midi`` a MIDI
    session plays a session on MIDI ports too; when its ports cannot open, the error is logged and
    the engine serves OSC alone."""
    service = Service(config, model, midi)
    host, port = await service.start()
    stop = stop or asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop.set)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    state = "untrained" if model.untrained else "trained"
    ready(f"segue engine ready: udp://{host}:{port} model {model.config.name} ({state}, "
          f"licence: {model.meta.licence}) device {model.device.type}")
    if service.midi is not None:
        ready(service.midi.describe())
    try:
        await stop.wait()
    finally:
        await service.stop()
        log.info("segue engine stopped")


def _loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def config_from_args(a) -> EngineConfig:
    if not _loopback(a.host) and not a.allow:
        raise InputError(f"--host {a.host} opens the engine beyond this machine: name the client hosts "
                         "that may talk to it with --allow HOST (repeatable)")
    for host in a.allow:
        try:
            ipaddress.ip_address(host)
        except ValueError:
            raise InputError(f"--allow takes IP addresses, got {host!r}") from None
    return EngineConfig(host=a.host, port=a.port, allow=tuple(a.allow), models_dir=a.models_dir,
                        state_dir=a.state_dir, device=None if a.device == "auto" else a.device,
                        lookahead_bars=a.lookahead, threads=a.threads or None)


def midi_from_args(a):
    """MidiSettings when any of --midi, --midi-in, --midi-out is given, else None."""
    if not (getattr(a, "midi", False) or getattr(a, "midi_in", None) or getattr(a, "midi_out", None)):
        return None
    from segue.bridge.clock import parse_meter
    from segue.engine.midi import MidiMap, MidiSettings

    try:
        meter = parse_meter(a.midi_meter)
    except ValueError as e:
        raise InputError(f"--midi-meter: {e}") from None
    if a.midi_map:
        MidiMap.load(a.midi_map)  # a bad map is an error before anything starts
    return MidiSettings(input=a.midi_in, output=a.midi_out, meter=meter, offset_ms=a.clock_offset_ms,
                        map_file=a.midi_map)


def run(model: LatentModel, a) -> list:
    config = config_from_args(a)
    midi = midi_from_args(a)
    try:
        asyncio.run(serve(config, model, ready=lambda line: print(line, flush=True), midi=midi))
    except OSError as e:
        raise InputError(f"cannot listen on {a.host}:{a.port}: {e.strerror or e}") from None
    return []


def client(a) -> list:
    if a.address == "demo":
        status = demo(a.port, a.bars, a.tempo, a.save)
    else:
        status = command(a.port, a.address, a.words, a.wait)
    if status:
        raise InputError("the engine answered with an error")
    return []


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
    from segue.models.notes import Note, NoteSequence, Track

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
