"""A stand-in for the engine where no model should run (tests, benchmarks).

:class:`FakeEngine` has the API a MIDI session uses (:class:`~segue.engine.api.EngineAPI`): one
session, every call applied at once on the caller's thread, bars handed to the listeners with
:meth:`FakeEngine.feed`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from concurrent.futures import Future

from segue.bridge.addresses import KNOBS
from segue.engine.api import Bar, Listener
from segue.engine.session import Clip, Session, Slot
from segue.models.errors import InputError
from segue.models.notes import Note


class FakeEngine:
    def __init__(self, instance: str = "midi:detached"):
        self.session = Session(instance=instance)
        self.listeners: list[Listener] = []
        self.requested: list[int] = []
        self.transports: list[tuple] = []

    def call(self, fn: Callable, *args) -> Future:
        future: Future = Future()
        try:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            future.set_result(result)
        except Exception as e:
            future.set_exception(e)
        return future

    def on_loop(self) -> bool:
        return False

    def feed(self, bar: int, version: int, notes: list[Note]) -> None:
        for x in list(self.listeners):
            x.bar(self.session, Bar(bar, version, notes, 0.0, 0.0, 0, {}))

    def attach(self, instance: str, listener: Listener) -> tuple[Session, bool]:
        self.listeners.append(listener)
        return self.session, False

    def detach(self, instance: str, listener: Listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def set_knob(self, s: Session, name: str, value) -> int:
        arg = KNOBS.get(name)
        problem = arg.check(value, name) if arg else f"no knob {name!r}"
        if problem:
            raise InputError(problem)
        s.knobs.set(name, value)
        s.changed()
        return s.version

    def set_transport(self, s: Session, playing, tempo, beat, numerator=4, denominator=4, at=None) -> None:
        t = s.transport
        t.playing, t.tempo, t.beat, t.at = bool(playing), float(tempo), float(beat), at or 0.0
        self.transports.append((bool(playing), float(tempo), float(beat), at))

    def seek(self, s: Session, beat, at=None) -> None:
        s.transport.beat = float(beat)
        s.sent.clear()

    def tick(self, now: float) -> None:
        pass

    def request_bar(self, s: Session, bar: int) -> None:
        self.requested.append(bar)

    def set_morph_slots(self, s: Session, a: str, b: str) -> None:
        s.morph_slots = (a, b)
        s.changed()

    def put_clip(self, s: Session, name: str, clip: Clip) -> None:
        s.clips[name] = clip

    async def encode_into_slot(self, s: Session, slot: str, clip_name: str) -> Slot:
        s.changed()
        return Slot(source=None)

    async def sample_into_slot(self, s: Session, slot: str, bars: int) -> Slot:
        raise InputError("no model here")

    def model_of(self, s: Session):
        return None
