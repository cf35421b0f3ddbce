"""The bar pipeline on its own: which bars it queues and at what priority, requested bars and their
budget, versions that replace each other, faithful decoding when the time allows, and what goes to
the listeners. The engine around it is a stand-in whose worker only records what it was given;
the tests finish its jobs by hand (the engine's own bars flow in tests/engine/test_core.py)."""

from __future__ import annotations

import asyncio
from concurrent.futures import Future
from dataclasses import dataclass, field

import pytest

from segue.engine import pipeline
from segue.engine.api import EngineConfig
from segue.engine.pipeline import BarPipeline
from segue.engine.session import Session
from segue.models.errors import InputError
from segue.models.notes import Note


@dataclass
class Job:
    priority: float
    snap: object
    bar: int
    future: Future = field(default_factory=Future)


class StandInWorker:
    def __init__(self, backlog: int = 0):
        self.jobs: list[Job] = []
        self._backlog = backlog

    def submit(self, priority, fn, s, model, snap, bar, cache, newest, threads=None) -> Future:
        job = Job(priority, snap, bar)
        self.jobs.append(job)
        return job.future

    def backlog(self) -> int:
        return self._backlog


class StandInEngine:
    """What the pipeline reads of the engine: sessions, listeners, config, the model, the worker,
    the loop, and where problems go."""

    def __init__(self, model, loop, backlog: int = 0):
        self.config = EngineConfig(port=0, lookahead_bars=2)
        self.model, self.loop = model, loop
        self.worker = StandInWorker(backlog)
        self.sessions: dict[str, Session] = {}
        self.listeners: dict[str, list] = {}
        self.problems: list[str] = []

    def model_of(self, s):
        return self.model

    def threads(self, model) -> int:
        return 1

    def problem(self, s, where, error) -> None:
        self.problems.append(str(error))


@pytest.fixture
def loop():
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@pytest.fixture
def parts(tiny_model, loop, recording_listener):
    engine = StandInEngine(tiny_model(), loop)
    s = Session(instance="one")
    listener = recording_listener()
    engine.sessions["one"], engine.listeners["one"] = s, [listener]
    return engine, BarPipeline(engine), s, listener


def finish(loop, job: Job, notes=None, error: Exception | None = None) -> None:
    """Complete a job as the worker would, then let the loop run the pipeline's callback."""
    if error is not None:
        job.future.set_exception(error)
    else:
        job.future.set_result(notes if notes is not None else [Note(60, 0.0, 1.0, 90)])
    loop.run_until_complete(asyncio.sleep(0))


def test_a_playing_session_queues_the_bar_under_the_playhead_and_the_lookahead(parts):
    engine, bars, s, _ = parts
    s.transport.playing, s.transport.tempo, s.transport.beat, s.transport.at = True, 120.0, 6.0, 100.0
    bars.tick_session(s, now=100.0)  # in bar 1, half a bar (1 s) before bar 2
    queued = {j.bar: j.priority for j in engine.worker.jobs}
    assert sorted(queued) == [1, 2, 3]
    assert queued[2] == pytest.approx(101.0) and queued[3] == pytest.approx(103.0)
    bars.tick_session(s, now=100.0)  # nothing new: each (bar, version) is queued once
    assert len(engine.worker.jobs) == 3


def test_a_stopped_session_primes_the_bar_at_the_playhead_and_the_next(parts):
    engine, bars, s, _ = parts
    s.transport.beat = 9.0  # stopped in bar 2
    bars.tick_session(s, now=50.0)
    assert [(j.bar, j.priority) for j in engine.worker.jobs] == [(2, 50.0 + pipeline.PRIMING_DELAY),
                                                                  (3, 50.0 + pipeline.PRIMING_DELAY)]


def test_a_session_without_listeners_queues_nothing(parts):
    engine, bars, s, _ = parts
    engine.listeners["one"] = []
    s.transport.playing = True
    bars.tick(now=10.0)
    assert engine.worker.jobs == []


def test_requested_bars_wait_behind_due_bars_and_have_a_budget(parts, monkeypatch):
    engine, bars, s, _ = parts
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: 1000.0)
    for bar in range(pipeline.MAX_REQUESTED):
        bars.request(s, 100 + bar)
    assert {j.priority for j in engine.worker.jobs} == {1000.0 + pipeline.REQUEST_SLACK}
    bars.request(s, 100)  # asked again while in flight: not redone, not counted twice
    assert len(engine.worker.jobs) == pipeline.MAX_REQUESTED
    with pytest.raises(InputError, match="still being made"):
        bars.request(s, 999)
    finish(engine.loop, engine.worker.jobs[0])  # one arrives: room for one more
    bars.request(s, 999)
    assert engine.worker.jobs[-1].bar == 999


def test_an_older_version_that_finishes_after_a_newer_one_is_dropped(parts):
    engine, bars, s, listener = parts
    bars.queue(s, 4, priority=1.0)
    old = engine.worker.jobs[-1]
    s.changed()  # a knob moved
    bars.queue(s, 4, priority=1.0)
    new = engine.worker.jobs[-1]
    assert bars.pending["one"].newest[4] == s.version
    finish(engine.loop, new)
    finish(engine.loop, old)
    assert [(b.bar, b.version) for b in listener.bars] == [(4, s.version)]
    assert s.sent[4] == s.version and not bars.pending["one"].bars


def test_a_failed_bar_is_told_and_a_failing_listener_does_not_stop_the_others(parts, recording_listener):
    engine, bars, s, listener = parts

    class Broken:
        def bar(self, s, bar):
            raise RuntimeError("a listener's own bug")

    later = recording_listener()
    engine.listeners["one"] = [Broken(), listener, later]
    bars.queue(s, 0, priority=1.0)
    bars.queue(s, 1, priority=1.0)
    finish(engine.loop, engine.worker.jobs[0], error=ValueError("the model broke"))
    finish(engine.loop, engine.worker.jobs[1])
    assert engine.problems == ["bar 0 could not be generated: the model broke"]
    assert [b.bar for b in listener.bars] == [1] and [b.bar for b in later.bars] == [1]


def test_a_bar_for_a_session_that_left_is_dropped_and_forget_clears_the_state(parts):
    engine, bars, s, listener = parts
    bars.queue(s, 0, priority=1.0)
    del engine.sessions["one"]
    finish(engine.loop, engine.worker.jobs[0])
    assert listener.bars == []
    bars.caches["one"] = {"x": 1}
    bars.forget("one")
    assert "one" not in bars.pending and "one" not in bars.caches


@pytest.mark.parametrize("slack, backlog, faithful", [(5.0, 0, True), (0.2, 0, False), (5.0, 10, False)])
def test_live_bars_are_decoded_faithfully_only_when_the_time_allows(tiny_model, loop, slack, backlog, faithful,
                                                                     monkeypatch):
    engine = StandInEngine(tiny_model(), loop, backlog=backlog)  # a flat decoder, far under the size limit
    s = Session(instance="one")
    engine.sessions["one"], engine.listeners["one"] = s, []
    monkeypatch.setattr(pipeline.time, "monotonic", lambda: 0.0)
    BarPipeline(engine).queue(s, 0, priority=slack)
    fidelity = engine.worker.jobs[0].snap.fidelity
    assert (fidelity == pipeline.LIVE_FIDELITY) is faithful
