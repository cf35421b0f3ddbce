"""The MIDI session without real ports: on a fake clock (timing, versions, stop, jumps, capture) and
on a real engine (CC moves the morph, a captured phrase is encoded, bars reach the output)."""

from __future__ import annotations

import time
from pathlib import Path

import mido
import pytest

from segue.bridge import ports
from segue.bridge.client import EngineClient
from segue.bridge.clock import PPQN
from segue.bridge.ports import MemoryOutput, memory_pair
from segue.engine.midi import MidiMap, MidiSession
from segue.models.notes import Note

ROOT = Path(__file__).resolve().parents[3]


# --- the host on a fake clock ---------------------------------------------------------------------------
class Sim:
    """A MIDI host on a fake clock: a DAW sends clock into Segue In; Segue Out is recorded."""

    def __init__(self, engine, **kw):
        self.now = 100.0
        self.engine = engine
        self.daw, inp = memory_pair("Segue In", clock=lambda: self.now)
        self.out = MemoryOutput(name="Segue Out", clock=lambda: self.now, record=True)
        self.host = MidiSession(self.engine, inp, self.out, "midi:test", clock=lambda: self.now, threaded=False,
                             **kw).start()
        self.next_pulse: float | None = None
        self.period = 60 / (120 * PPQN)
        self.t0: float | None = None  # when beat 0 (of the last start) sounds ideally

    def send(self, *msgs) -> None:
        for m in msgs:
            self.daw.send(m)
        self.host.step(self.now)

    def play(self, bpm: float = 120.0, beat: float = 0.0) -> None:
        self.period = 60 / (bpm * PPQN)
        if beat:
            self.send(ports.song_position(int(beat * 4)), ports.realtime(ports.CONTINUE))
        else:
            self.send(ports.realtime(ports.START))
        self.next_pulse = self.now + 0.001
        self.t0 = self.next_pulse - beat * 60 / bpm

    def to_beat(self, beat: float) -> None:
        """Advance to when ``beat`` sounds (ideally) in the current play."""
        self.advance(self.t0 + beat * self.period * PPQN - self.now)

    def stop(self) -> None:
        self.next_pulse = None
        self.send(ports.realtime(ports.STOP))

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while self.now < end:
            wait = self.host.step(self.now)
            nxt = min(self.now + wait, end)
            if self.next_pulse is not None and self.next_pulse <= nxt:
                self.now = self.next_pulse
                self.daw.send(ports.realtime(ports.CLOCK))
                self.next_pulse += self.period
            else:
                self.now = nxt
        self.host.step(self.now)

    def sent(self, kinds=("note_on", "note_off")) -> list[tuple[mido.Message, float]]:
        return [(m, t) for m, t in self.out.sent if m.type in kinds]

    def hanging(self) -> set[tuple[int, int]]:
        on: set[tuple[int, int]] = set()
        for m, _ in self.sent():
            key = (m.channel, m.note)
            if ports.is_note_on(m):
                on.add(key)
            else:
                on.discard(key)
        return on


@pytest.fixture
def make_sim(fake_engine):
    """``make_sim(engine=None, **kw)``: a Sim on the fake engine unless an engine is given."""
    return lambda engine=None, **kw: Sim(engine or fake_engine("midi:test"), **kw)


def bar(*pitches_at: tuple[int, float, float]) -> list[Note]:
    return [Note(p, s, d, 100) for p, s, d in pitches_at]


@pytest.mark.parametrize("bpm", [120.0, 180.0])
def test_notes_play_at_their_beats(bpm, make_sim):
    sim = make_sim()
    feed = sim.engine.feed
    feed(0, 1, bar((60, 0.0, 0.5), (62, 1.0, 0.5), (64, 2.5, 0.25), (65, 3.75, 0.25)))
    feed(1, 1, bar((67, 0.0, 1.0), (69, 0.5, 4.0)))  # the last one lasts into bar 2
    sim.play(bpm)
    sim.advance(3 * 240 / bpm)
    spb = 60 / bpm
    ons = [(m.note, t) for m, t in sim.sent() if ports.is_note_on(m)]
    offs = [(m.note, t) for m, t in sim.sent() if ports.is_note_off(m)]
    want = [(60, 0.0), (62, 1.0), (64, 2.5), (65, 3.75), (67, 4.0), (69, 4.5)]
    assert [p for p, _ in ons] == [p for p, _ in want]
    for (p, t), (_, beat) in zip(ons, want):
        assert t - sim.t0 == pytest.approx(beat * spb, abs=1e-4), p
    assert dict(offs)[69] - sim.t0 == pytest.approx(8.5 * spb, abs=1e-4)
    assert not sim.hanging()
    assert sim.engine.session.transport.playing and sim.engine.session.transport.tempo == pytest.approx(bpm)


def test_a_newer_version_replaces_a_bar_until_it_begins(make_sim):
    sim = make_sim()
    sim.engine.feed(1, 1, bar((60, 0.0, 0.25), (60, 2.0, 0.25)))
    sim.play()
    sim.advance(1.0)  # beat 2
    sim.engine.feed(1, 2, bar((62, 0.0, 0.25), (62, 2.0, 0.25)))
    sim.engine.feed(1, 1, bar((50, 0.0, 0.25)))  # older: ignored
    sim.advance(2.1)  # into bar 1, beat 4.2
    sim.engine.feed(1, 3, bar((64, 0.0, 0.25), (64, 2.0, 0.25)))  # bar 1 began: too late for it
    sim.advance(1.0)
    assert [m.note for m, _ in sim.sent() if ports.is_note_on(m)] == [62, 62]


def test_stop_leaves_no_note_hanging(make_sim):
    sim = make_sim()
    sim.engine.feed(0, 1, bar((60, 0.0, 4.0), (64, 1.0, 3.0), (67, 2.0, 2.0)))
    sim.play()
    sim.advance(1.1)  # three notes sound
    assert sim.hanging() == {(0, 60), (0, 64), (0, 67)}
    sim.stop()
    assert sim.hanging() == set()
    sim.advance(2.0)
    assert sim.hanging() == set() and not sim.engine.session.transport.playing


def test_a_lost_clock_leaves_no_note_hanging(make_sim):
    sim = make_sim()
    sim.engine.feed(0, 1, bar((60, 0.0, 4.0)))
    sim.play()
    sim.advance(0.3)
    assert sim.hanging() == {(0, 60)}
    sim.next_pulse = None  # the DAW crashed
    sim.advance(0.45)
    assert sim.hanging() == {(0, 60)}
    sim.advance(0.1)
    assert sim.hanging() == set() and "without a Stop" in sim.host.errors[-1]
    assert not sim.engine.session.transport.playing


def test_a_loop_jump_ends_sounding_notes_and_plays_the_bar_again(make_sim):
    sim = make_sim()
    sim.engine.feed(0, 1, bar((60, 0.0, 1.0)))
    sim.engine.feed(1, 1, bar((62, 0.0, 8.0)))
    sim.play()
    sim.advance(2.5)  # bar 1, beat 5: 62 sounds
    assert sim.hanging() == {(0, 62)}
    sim.daw.send(ports.song_position(0))  # the DAW loops back to bar 0
    sim.advance(0.3)
    assert [m.note for m, _ in sim.sent() if ports.is_note_on(m)] == [60, 62, 60]
    assert sim.hanging() == {(0, 60)}
    assert sim.engine.session.transport.beat < 1.0


def test_a_repeated_pitch_ends_the_sounding_note_first(make_sim):
    sim = make_sim()
    sim.engine.feed(0, 1, bar((60, 0.0, 3.0), (60, 1.0, 0.5)))
    sim.play()
    sim.advance(2.0)
    kinds = [("on" if ports.is_note_on(m) else "off", m.note) for m, _ in sim.sent()]
    assert kinds[:4] == [("on", 60), ("off", 60), ("on", 60), ("off", 60)]
    assert not sim.hanging()


def test_offset_delays_the_output(make_sim):
    sim = make_sim(offset_ms=25)
    sim.engine.feed(0, 1, bar((60, 1.0, 0.5)))
    sim.play()
    sim.advance(1.0)
    (m, t), = [(m, t) for m, t in sim.sent() if ports.is_note_on(m)]
    assert t - sim.t0 == pytest.approx(0.5 + 0.025, abs=1e-4)


def test_incoming_notes_are_not_echoed_and_channels_are_filtered(make_sim):
    mapping = MidiMap(in_channel=2, out_channel=10)
    sim = make_sim(mapping=mapping)
    sim.engine.feed(0, 1, bar((36, 0.0, 0.25)))
    sim.play()
    sim.send(ports.note_on(1, 72, 100), ports.note_off(1, 72), ports.control_change(0, 1, 127))  # ch 1: ignored
    sim.send(ports.control_change(1, 1, 127))  # ch 2: morph
    sim.advance(0.2)
    assert [m.bytes() for m, _ in sim.sent()] == [[0x99, 36, 100], [0x89, 36, 0]]  # channel 10, no echo
    assert sim.engine.session.knobs.morph == 1.0


def test_a_meter_other_than_four_four_stays_silent(make_sim):
    sim = make_sim(meter=(7, 8))
    sim.engine.feed(0, 1, bar((60, 0.0, 0.25)))
    sim.play()
    sim.advance(0.5)
    assert sim.sent() == [] and "stays silent" in sim.host.errors[0]
    assert not sim.engine.session.transport.playing


def test_controls_are_coalesced_and_primed_while_stopped(make_sim):
    sim = make_sim()
    for v in range(0, 128, 8):
        sim.send(ports.control_change(0, 1, v))
    sim.send(ports.control_change(0, 85, 127), ports.control_change(0, 21, 0))
    s = sim.engine.session
    assert s.knobs.morph == 120 / 127 and s.knobs.shape.scale == "chromatic"
    assert s.knobs.attributes["note_density"] == -3.0
    assert sim.engine.requested[-2:] == [0, 1]  # stopped: the first bars are made ahead of play
    sim.send(ports.song_position(32))  # bar 2
    assert sim.engine.requested[-2:] == [2, 3]
    sim.send(ports.program_change(0, 8))  # the reset preset
    assert s.knobs.morph == 0.0 and s.knobs.attributes["note_density"] == 0.0
    sim.send(ports.program_change(0, 4))
    assert s.morph_slots == ("A", "B")
    sim.send(ports.program_change(0, 2))  # sample: this stand-in has no model; logged, not raised
    assert "no model" in sim.host.errors[-1]


def test_capture_takes_the_bars_from_the_next_bar_line(make_sim):
    sim = make_sim()
    sim.play()
    sim.to_beat(1.2)
    sim.send(ports.control_change(0, 104, 1))  # capture 1 bar
    sim.send(ports.control_change(0, 103, 127))  # arm B (a button)
    sim.send(ports.control_change(0, 103, 0))  # released: still armed
    assert sim.host.capture.start == 4.0 and sim.host.capture.bars == 1
    sim.send(ports.note_on(0, 50, 90))  # before the window: not taken
    sim.to_beat(4.0 - 0.06)  # 30 ms early for beat 4: a pickup counts as the downbeat
    sim.send(ports.note_off(0, 50), ports.note_on(0, 60, 100))
    sim.to_beat(4.5)
    sim.send(ports.note_off(0, 60))
    sim.to_beat(5.0)
    sim.send(ports.note_on(0, 64, 80), ports.note_on(0, 64, 70))  # a repeat closes the first
    sim.to_beat(8.5)  # past the window's end (beat 8): 64 still held is cut there
    (result,) = sim.host.captures
    clip = sim.engine.session.clips["midi-B"]
    assert result.slot == "B" and clip is result.clip and clip.length == 4.0
    starts = [(n.pitch, round(n.start, 2), round(n.duration, 2), n.velocity) for n in clip.notes]
    assert starts[0] == (60, 0.0, 0.5, 100)
    assert [s[0] for s in starts] == [60, 64, 64] and starts[2][3] == 70
    assert clip.notes[2].end == pytest.approx(4.0) and sim.host.capture is None
    assert [m for m, _ in sim.sent()] == []  # nothing echoed


def test_a_loop_jump_restarts_a_capture(make_sim):
    sim = make_sim()
    sim.play()
    sim.to_beat(1.0)
    sim.send(ports.program_change(0, 0))  # arm A: bars 1 and 2 (beats 4..12)
    sim.to_beat(4.0)
    sim.send(ports.note_on(0, 70, 100), ports.note_off(0, 70))
    sim.to_beat(7.5)
    sim.daw.send(ports.song_position(0))  # the DAW loops back to bar 0: capture restarts there
    sim.advance(0.025)  # the next pulse
    assert sim.host.capture.start == 0.0 and sim.host.capture.notes == []
    sim.send(ports.note_on(0, 72, 100))
    sim.advance(0.3)
    sim.send(ports.note_off(0, 72))
    sim.advance(4.0)  # beats 0..8 of the new pass
    (result,) = sim.host.captures
    assert [n.pitch for n in result.clip.notes] == [72]


def test_an_empty_capture_leaves_the_slot(make_sim):
    sim = make_sim()
    sim.send(ports.program_change(0, 0))  # arm A while stopped: begins with play
    assert sim.host.capture.start is None
    sim.play()
    sim.advance(0.01)  # the first pulse: play begins
    assert sim.host.capture.start == 0.0
    sim.advance(4.2)  # two bars
    assert sim.host.captures == [] and "no notes" in sim.host.errors[-1]
    sim.send(ports.program_change(0, 1), ports.program_change(0, 5))  # arm B, then cancel
    assert sim.host.capture is None


# --- the host on a real engine ----------------------------------------------------------------------------
@pytest.fixture(scope="module")
def service(running_engine, tiny_model):
    with running_engine(tiny_model()) as svc:
        yield svc


@pytest.fixture(scope="module")
def engine(service):
    return service.engine


def on_loop(engine, fn, *args):
    return engine.call(fn, *args).result(timeout=10)


def test_cc_moves_the_morph_of_the_shared_session(engine, service, wait_until):
    daw, inp = memory_pair("Segue In")
    host = MidiSession(engine, inp, MemoryOutput(), "midi:cc").start()
    client = EngineClient(service.address[1], instance="midi:cc")
    try:
        s = host.session
        assert on_loop(engine, lambda: engine.sessions["midi:cc"]) is s
        version = s.version
        daw.send(ports.control_change(0, 1, 127))
        assert wait_until(lambda: s.knobs.morph == 1.0) and s.version > version
        daw.send(ports.control_change(0, 22, 0))
        assert wait_until(lambda: s.knobs.attributes.get("c_diatonic") == -3.0)
        # an OSC client that says hello with the MIDI session's id turns the same knobs
        assert client.hello()[2] == 1
        assert client.request("/segue/knob/set/morph", 0.25)[0] != "/segue/error"
        assert s.knobs.morph == 0.25
        client.request("/segue/goodbye")
        assert on_loop(engine, lambda: engine.sessions.get("midi:cc")) is s  # the MIDI session stays
    finally:
        client.close()
        host.close()
    assert on_loop(engine, lambda: "midi:cc" in engine.listeners) is False


def test_capture_encodes_a_phrase(engine, make_sim):
    sim = make_sim(engine=engine)
    s = sim.host.session
    sim.send(ports.program_change(0, 0))  # arm A for 2 bars
    sim.play()
    phrase = [(60 + (k * 7) % 12, k * 0.5) for k in range(16)]  # eighths over 2 bars
    for pitch, beat in phrase:
        sim.advance(sim.t0 + beat * 0.5 - sim.now)
        sim.send(ports.note_on(0, pitch, 100))
        sim.advance(0.2)
        sim.send(ports.note_off(0, pitch))
    sim.advance(1.0)
    (result,) = sim.host.captures
    slot = result.future.result(timeout=10)
    assert slot.mu is not None and slot.mu.shape[0] == 1 and slot.bars == 2
    assert on_loop(engine, lambda: s.slots["A"]) is slot
    clip = s.clips["midi-A"]
    assert [(n.pitch, round(n.start, 3)) for n in clip.notes] == [(p, b) for p, b in phrase]
    assert all(n.duration == pytest.approx(0.4, abs=1e-3) for n in clip.notes)
    sim.host.close()


def test_engine_bars_reach_the_midi_output(engine, recording_listener):
    """Real time, threaded host: the engine generates the MIDI session's bars while its clock plays."""
    daw, inp = memory_pair("Segue In")
    out = MemoryOutput(name="Segue Out", record=True)
    host = MidiSession(engine, inp, out, "midi:play").start()
    recorder = recording_listener()
    on_loop(engine, engine.attach, "midi:play", recorder)
    try:
        on_loop(engine, engine.set_knob, host.session, "temperature", 1.0)  # an untrained model: some notes
        period = 60 / (300 * PPQN)
        daw.send(ports.realtime(ports.START))
        t = time.monotonic()
        for _ in range(PPQN * 8):  # two bars at 300 BPM
            t += period
            time.sleep(max(0.0, t - time.monotonic()))
            daw.send(ports.realtime(ports.CLOCK))
        daw.send(ports.realtime(ports.STOP))
        bars = {b.bar for b in recorder.bars}
        assert {0, 1} <= bars
        assert any(ports.is_note_on(m) for m, _ in out.sent)
        ons = sum(ports.is_note_on(m) for m, _ in out.sent)
        offs = sum(ports.is_note_off(m) for m, _ in out.sent)
        assert ons == offs  # stop: nothing hangs
    finally:
        host.close()
        on_loop(engine, engine.detach, "midi:play", recorder)
