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
                        lookahead_bars=a.lookahead)


def run(model: LatentModel, a) -> list:
    config = config_from_args(a)
    try:
        asyncio.run(serve(config, model, ready=lambda line: print(line, flush=True)))
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
