"""`segue serve` and `segue client`: argument handling around the engine and its client."""

from __future__ import annotations

import asyncio
import ipaddress
import logging

from segue.engine import client as engine_client
from segue.engine.server import EngineConfig, serve
from segue.models.errors import InputError
from segue.models.inference import LatentModel

log = logging.getLogger(__name__)


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
    from segue.engine.midi_host import MidiMap, MidiSettings

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
        status = engine_client.demo(a.port, a.bars, a.tempo, a.save)
    else:
        status = engine_client.command(a.port, a.address, a.words, a.wait)
    if status:
        raise InputError("the engine answered with an error")
    return []
