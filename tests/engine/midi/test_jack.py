"""Real MIDI ports: the engine's virtual "Segue In"/"Segue Out" on JACK's dummy driver, driven by
this test process as a DAW would (clock, song position, start, stop, CC, program change, notes).

Needs jackd (JACK 2): skipped on a laptop without it, a failure in CI (SEGUE_REQUIRE_TOOLS=1).
A JACK server already running is reused; one started here is ended by its PID.
"""

from __future__ import annotations

import bisect
import time

import pytest

from segue.bridge import ports
from segue.bridge.clock import PPQN
from segue.engine.api import Bar
from segue.engine.midi import MidiSettings, open_midi_session

BPM = 180.0
SIXTY_FOURTH = 1 / 16  # beats


@pytest.fixture(scope="module")
def jack(jack_server, tmp_path_factory):
    with jack_server(tmp_path_factory.mktemp("jack")):
        yield


class Daw:
    """This test process as a DAW: an output into "Segue In" and an input from "Segue Out"."""

    def __init__(self):
        self.out = ports.open_output("Segue In", virtual="to segue", client="fake-daw")
        self.inp = ports.open_input("Segue Out", virtual="from segue", client="fake-daw")
        self.received: list[tuple[tuple, float]] = []
        self.inp.set_callback(lambda m, t: self.received.append((m, t)))

    def send(self, *msgs) -> None:
        for m in msgs:
            self.out.send(m)

    def play(self, bpm: float, pulses: int, at_pulse: dict[int, list] | None = None, start: bool = True) -> list[float]:
        """Start, then ``pulses`` clock pulses on time (busy-waiting the last
        half millisecond); ``at_pulse[k]`` messages go right after pulse k. The pulse send times."""
        at_pulse = at_pulse or {}
        period = 60.0 / (bpm * PPQN)
        if start:
            self.send(ports.realtime(ports.START))
        times = []
        t = time.monotonic() + 0.05
        for k in range(pulses):
            while (left := t - time.monotonic()) > 0:
                time.sleep(left - 0.0005) if left > 0.001 else None
            self.send(ports.realtime(ports.CLOCK))
            times.append(time.monotonic())
            for m in at_pulse.get(k, ()):
                self.send(m)
            t += period
        return times

    def close(self) -> None:
        self.inp.close()
        self.out.close()


@pytest.fixture(scope="module")
def rig(jack, running_engine, tiny_model, recording_listener):
    with running_engine(tiny_model()) as service:
        engine = service.engine
        host = open_midi_session(engine, MidiSettings(instance="midi:jack"))
        assert host.inp.api == "UNIX_JACK" or "jack" in host.inp.api.lower()
        daw = Daw()
        generated: dict[int, dict[int, list]] = {}

        class Record(recording_listener):
            def bar(self, _s, bar: Bar) -> None:
                generated.setdefault(bar.bar, {})[bar.version] = list(bar.notes)

        engine.call(engine.attach, "midi:jack", Record()).result(10)
        engine.call(engine.set_knob, host.session, "temperature", 1.0).result(10)  # untrained: some notes
        try:
            yield engine, host, daw, generated
        finally:
            daw.close()
            host.close()


def locate(host, daw, wait_until) -> None:
    """Song position 0, as a DAW sends on locating; then wait (as a user would before pressing
    play) until the engine has made the first bars: on a busy CI machine that may take a moment."""
    daw.send(ports.song_position(0))
    wait_until(lambda: {0, 1} <= set(host.queue.bars), 10)


@pytest.fixture(scope="module")
def performance(rig, wait_until):
    """Play two and a half bars at 180 BPM, then Stop in the middle of a bar."""
    engine, host, daw, generated = rig
    daw.received.clear()
    locate(host, daw, wait_until)
    pulses = daw.play(BPM, int(PPQN * 4 * 2.5))
    daw.send(ports.realtime(ports.STOP))
    wait_until(lambda: not _sounding(daw.received), 5)  # every started note ended by the stop
    return pulses, list(daw.received), {b: dict(v) for b, v in generated.items()}


def beat_of(pulses: list[float], t: float) -> float:
    """The DAW's beat at time t, from the pulses it sent (pulse k is beat k / 24)."""
    k = min(max(bisect.bisect_right(pulses, t) - 1, 0), len(pulses) - 2)
    return (k + (t - pulses[k]) / (pulses[k + 1] - pulses[k])) / PPQN


def test_notes_land_in_their_bars(performance):
    pulses, received, generated = performance
    ons = [(m.note, beat_of(pulses, t)) for m, t in received if ports.is_note_on(m)]
    assert ons, "nothing played on Segue Out"
    errors: list[float] = []
    for pitch, beat in ons:
        bar = int((beat + SIXTY_FOURTH) // 4)
        candidates = [bar * 4 + n.start for v in generated.get(bar, {}).values() for n in v if n.pitch == pitch]
        errors.append(min((abs(c - beat) for c in candidates), default=1.0))
        assert errors[-1] < SIXTY_FOURTH, (pitch, beat, bar, candidates)
    # every note of the bars that played whole was heard, in its bar
    for bar in (0, 1):
        heard = sorted(p for p, b in ons if bar * 4 - SIXTY_FOURTH <= b < (bar + 1) * 4 - SIXTY_FOURTH)
        versions = [sorted(n.pitch for n in notes) for notes in generated[bar].values()]
        assert heard in versions, (bar, heard, versions, ons)
    print(f"{len(ons)} notes; worst timing error {max(errors) * 60 / BPM * 1000:.2f} ms")


def _sounding(received) -> set[tuple[int, int]]:
    sounding: set[tuple[int, int]] = set()
    for m, _ in list(received):
        key = (m.channel, m.note)
        if ports.is_note_on(m):
            sounding.add(key)
        elif ports.is_note_off(m):
            sounding.discard(key)
    return sounding


def test_stop_leaves_nothing_hanging(performance):
    _, received, _ = performance
    assert _sounding(received) == set()


def test_cc_moves_the_morph(rig, wait_until):
    engine, host, daw, _ = rig
    version = host.session.version
    daw.send(ports.control_change(0, 1, 127))
    wait_until(lambda: host.session.knobs.morph == 1.0, 5)
    assert host.session.knobs.morph == 1.0 and host.session.version > version
    daw.send(ports.control_change(0, 1, 0))


def test_a_captured_phrase_is_encoded(rig, wait_until):
    engine, host, daw, _ = rig
    daw.send(ports.program_change(0, 1))  # arm slot B for two bars (from the first bar line: play starts there)
    phrase = [(62 + (k * 5) % 12, k) for k in range(8)]  # quarter notes over two bars
    events: dict[int, list] = {}
    for pitch, beat in phrase:
        events.setdefault(beat * PPQN + 1, []).append(ports.note_on(0, pitch, 96))  # just after the beat
        events.setdefault(beat * PPQN + 12, []).append(ports.note_off(0, pitch))
    locate(host, daw, wait_until)
    daw.play(240.0, PPQN * 8 + 12, events)
    daw.send(ports.realtime(ports.STOP))
    wait_until(lambda: host.captures, 5)
    (result,) = host.captures
    slot = result.future.result(timeout=10)
    assert result.slot == "B" and slot.mu is not None and slot.bars == 2
    clip = host.session.clips["midi-B"]
    assert [(n.pitch, round(n.start * 4) / 4) for n in clip.notes] == [(p, float(b)) for p, b in phrase]
    held = 11 / PPQN  # beats: note-on a pulse after the beat, note-off at pulse 12
    assert all(abs(n.duration - held) < SIXTY_FOURTH for n in clip.notes), [(n.start, n.duration) for n in clip.notes]
