"""The bar pipeline: which bars are due, the worker that makes them, and the listeners they go to.

    Engine.tick --> BarPipeline.tick_session --> scheduler (due bars) --> worker (generate.bar_job)
                --> BarPipeline._done --> every listener's bar()

Bars due sooner go first; a bar a client asks for (``request``) waits behind every bar due within
``REQUEST_SLACK``, so that no client's requests make another's bars late. A newer version of a bar
(a knob moved) replaces an older one until the bar has been sent. Renders (``Render``) and other
bulk work queue behind all of it (``BULK_PRIORITY``).

Runs on the engine's event loop; the worker's results come back to it with ``call_soon_threadsafe``.
"""

from __future__ import annotations

import dataclasses
import logging
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from segue.engine import generate, scheduler
from segue.engine.api import Bar
from segue.engine.session import Session
from segue.engine.worker import ONE_THREAD_DECODER
from segue.models.errors import InputError
from segue.models.inference import LatentModel
from segue.models.notes import Note

if TYPE_CHECKING:
    from segue.engine.core import Engine

log = logging.getLogger(__name__)
BULK_PRIORITY = 1e9  # encodes and renders wait for due bars
PRIMING_DELAY = 0.5  # seconds: a stopped session's next bars queue behind bars due this soon
REQUEST_SLACK = 1.0  # seconds: a requested bar queues behind every bar due within this
MAX_REQUESTED = 8  # requested bars a session may have waiting at once
RENDER_FIDELITY = 8  # candidates per window in renders (models/fidelity.py; docs/model.md has the figures)
LIVE_FIDELITY = 4  # in live bars, when the time allows: a flat small model, the bar a second away, no backlog
FIDELITY_SLACK, FIDELITY_BACKLOG = 1.0, 2
FORGET_AFTER = 256  # sent bars remembered per session before those far behind the playhead are dropped


@dataclass
class Pending:
    """One session's bars in flight."""

    bars: dict[tuple[int, int], bool] = field(default_factory=dict)  # (bar, version) in flight -> requested
    newest: dict[int, int] = field(default_factory=dict)  # bar -> the newest version queued for it


class BarPipeline:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.pending: dict[str, Pending] = {}
        self.caches: dict[str, dict] = {}  # per session: decoded windows generate.bar_job may reuse

    def forget(self, instance: str) -> None:
        self.caches.pop(instance, None)
        self.pending.pop(instance, None)

    # --- what is due ------------------------------------------------------------------------------
    def tick(self, now: float) -> None:
        """Queue every bar that is due and not yet sent at its session's current version."""
        for s in list(self.engine.sessions.values()):
            self.tick_session(s, now)

    def tick_session(self, s: Session, now: float) -> None:
        """Queue the session's bars that need generating: while playing, the bar under the playhead
        and the next ``lookahead`` bars; while stopped, the bar at the playhead and the next one, so
        that Play finds them ready (the downbeat is never lost)."""
        if not self.engine.listeners.get(s.instance):
            return
        if not s.transport.playing:
            bar = scheduler.bar_of(s.transport.beat)
            primed = [scheduler.Due(b, PRIMING_DELAY, False) for b in (bar, bar + 1)]
            for d in scheduler.needs_generation(primed, s.sent, s.version):
                self.queue(s, d.bar, priority=now + d.starts_in)
            return
        due = scheduler.upcoming(s.transport, now, self.engine.config.lookahead_bars)
        for d in scheduler.needs_generation(due, s.sent, s.version):
            self.queue(s, d.bar, priority=now + d.starts_in)
        if len(s.sent) > FORGET_AFTER:
            current = due[0].bar
            newest = self.pending.get(s.instance, Pending()).newest
            for bar in [b for b in s.sent if b < current - 8]:
                del s.sent[bar]
                newest.pop(bar, None)

    def request(self, s: Session, bar: int) -> None:
        """One bar, whatever the transport, as soon as every bar due within ``REQUEST_SLACK`` has
        gone. A session may have ``MAX_REQUESTED`` requested bars waiting; one asked again is not redone."""
        pending = self.pending.setdefault(s.instance, Pending())
        if (bar, s.version) not in pending.bars and sum(pending.bars.values()) >= MAX_REQUESTED:
            raise InputError(f"{MAX_REQUESTED} requested bars are still being made: ask again when they arrive")
        self.queue(s, bar, priority=time.monotonic() + REQUEST_SLACK, requested=True)

    # --- making them --------------------------------------------------------------------------------
    def queue(self, s: Session, bar: int, priority: float, requested: bool = False) -> None:
        pending = self.pending.setdefault(s.instance, Pending())
        key = (bar, s.version)
        if key in pending.bars:
            return
        pending.bars[key] = requested
        pending.newest[bar] = max(pending.newest.get(bar, -1), s.version)
        engine = self.engine
        snap = generate.snapshot_of(s)
        model = engine.model_of(s)
        if self._time_for_fidelity(model, priority - time.monotonic()):
            snap = dataclasses.replace(snap, fidelity=LIVE_FIDELITY)
        cache = self.caches.setdefault(s.instance, {})
        future = engine.worker.submit(priority, generate.bar_job, s, model, snap, bar, cache, pending.newest,
                                      threads=engine.threads(model))
        loop = engine.loop

        def done(f) -> None:
            loop.call_soon_threadsafe(self._done, s, bar, snap, f)

        future.add_done_callback(done)

    def _time_for_fidelity(self, model: LatentModel, slack: float) -> bool:
        """A live bar is decoded faithfully (several candidates) when that costs no bar its time:
        a small flat model, the bar at least FIDELITY_SLACK away, and the worker all but idle."""
        return (model.config.decoder == "flat" and model.decoder_parameters <= ONE_THREAD_DECODER
                and slack >= FIDELITY_SLACK and self.engine.worker.backlog() <= FIDELITY_BACKLOG)

    # --- sending them ---------------------------------------------------------------------------------
    def _done(self, s: Session, bar: int, snap: generate.Snapshot, future) -> None:
        self.pending.get(s.instance, Pending()).bars.pop((bar, snap.version), None)
        engine = self.engine
        if engine.sessions.get(s.instance) is not s:
            return  # the session left meanwhile
        exc = future.exception()
        if exc is not None:
            log.error("bar %d for %s failed: %s", bar, s.instance, exc)
            engine.problem(s, "/segue/bar/begin", f"bar {bar} could not be generated: {exc}")
            return
        notes = future.result()
        if notes is None or s.sent.get(bar, -1) > snap.version:
            return  # superseded: a newer version is (or will be) sent instead
        out = Bar(bar, snap.version, notes, float(snap.morph), float(snap.temperature), int(snap.seed),
                  dict(snap.attributes), xy=snap.xy if snap.corners is not None else None)
        for x in list(engine.listeners.get(s.instance, ())):
            try:
                x.bar(s, out)
            except Exception:
                log.exception("bar listener of %s", s.instance)
        s.sent[bar] = snap.version


class Render:
    """Steps of the morph from A to B for writing clips: ``bars`` bars per step, each decoded with
    ``RENDER_FIDELITY`` candidates per window, behind every due bar."""

    def __init__(self, engine: Engine, s: Session, steps: int):
        self.engine, self.steps = engine, steps
        self.model = engine.model_of(s)
        self.base = generate.snapshot_of(s)
        self.bars = self.base.windows * self.model.window_bars

    async def step(self, k: int) -> list[Note]:
        snap = dataclasses.replace(self.base, morph=k / (self.steps - 1), version=-1, fidelity=RENDER_FIDELITY,
                                   corners=None)  # the A->B morph, also while the XY pad is on
        return await self.engine.run(BULK_PRIORITY, generate.render_step, self.model, snap)
