"""A real engine on 127.0.0.1 (port 0) running on its own event-loop thread, and the tiny model and
polling helper the engine and MIDI tests share."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from contextlib import contextmanager
from pathlib import Path

from segue.engine.api import EngineConfig
from segue.engine.serving import Service
from segue.models.configs import CONFIGS
from segue.models.inference import LatentModel


def tiny_model(seed: int = 0, config: str = "cat-mel_2bar_small") -> LatentModel:
    model = LatentModel.fresh(CONFIGS[config].scaled(8), seed=seed, device="cpu")
    model.fit_attributes_from_prior(n=64, temperature=1.0)
    return model


def wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    """Poll ``pred`` until it holds or the deadline passes; whether it holds."""
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while time.monotonic() < deadline:
        if pred():
            return True
        tick.wait(0.01)
    return pred()


@contextmanager
def running_engine(model: LatentModel, state_dir: Path | None = None, models_dir: Path | None = None,
                   port: int = 0, **kw):
    """An engine with its OSC adapter (a ``Service``) on 127.0.0.1:port (0: any free port; a fixed
    port lets a restarted engine come back where its clients look)."""
    loop = asyncio.new_event_loop()
    thread = threading.Thread(target=loop.run_forever, daemon=True)
    thread.start()
    service = Service(EngineConfig(port=port, state_dir=state_dir, models_dir=models_dir, tick_seconds=0.01, **kw),
                      model)
    try:
        asyncio.run_coroutine_threadsafe(service.start(), loop).result(timeout=10)
        yield service
    finally:
        asyncio.run_coroutine_threadsafe(service.stop(), loop).result(timeout=10)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
