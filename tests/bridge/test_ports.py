"""MIDI ports without real ports: port names, the in-memory pair, mido's messages, backends that fail."""

from __future__ import annotations

import mido
import pytest

from segue.bridge import ports
from segue.bridge.ports import PortError, match_port, memory_pair


# --- port names ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("wanted, names, index", [
    ("Segue In", ["system:midi_capture_1", "Segue-01:Segue In"], 1),  # JACK: client prefix
    ("segue in", ["Segue:Segue Out", "Segue:Segue In"], 1),
    ("loopMIDI Port", ["Microsoft GS Wavetable Synth 0", "loopMIDI Port 1"], 1),  # Windows: trailing number
    ("loopMIDI Port 1", ["loopMIDI Port 1", "loopMIDI Port 1 2"], 0),  # exact first
    ("IAC Driver Bus 2", ["IAC Driver Bus 1", "IAC Driver Bus 2"], 1),  # macOS
    ("bus 2", ["IAC Driver Bus 1", "IAC Driver Bus 2"], 1),  # substring
    ("Midi Through Port-0", ["Midi Through:Midi Through Port-0 14:0"], 0),  # ALSA
    ("Midi Through:Midi Through Port-0 14:0", ["Midi Through:Midi Through Port-0 14:0"], 0),
    ("  SEGUE   out ", ["a:b", "Segue-02:Segue Out"], 1),
])
def test_match_port(wanted, names, index):
    assert match_port(wanted, names) == index


def test_match_port_says_what_is_there():
    with pytest.raises(PortError, match=r"no MIDI input port matches 'Live'; available: 'a:x', 'b:y'"):
        match_port("Live", ["a:x", "b:y"], "input")
    with pytest.raises(PortError, match="available: none"):
        match_port("Live", [])
    with pytest.raises(PortError, match=r"matches several .*'IAC Driver Bus 1', 'IAC Driver Bus 2'"):
        match_port("IAC", ["IAC Driver Bus 1", "IAC Driver Bus 2"])
    with pytest.raises(PortError, match="name a"):
        match_port(" ", ["x"])


# --- in-memory ports ----------------------------------------------------------------------------------
def test_memory_pair_queues_then_calls_back():
    now = [1.0]
    out, inp = memory_pair("t", clock=lambda: now[0])
    out.send(ports.note_on(0, 60, 100))
    msg, t = inp.poll()
    assert (msg.bytes(), t) == ([0x90, 60, 100], 1.0) and inp.poll() is None
    out.send(ports.control_change(0, 1, 64))
    got = []
    inp.set_callback(lambda m, t: got.append((m.bytes(), t)))  # the queued one is handed over
    now[0] = 2.0
    out.send(ports.realtime(ports.CLOCK))
    assert got == [([0xB0, 1, 64], 1.0), ([0xF8], 2.0)]
    out.close()
    with pytest.raises(PortError, match="closed"):
        out.send(ports.realtime(ports.CLOCK))


def test_message_helpers():
    """Messages are mido's, with the bytes the MIDI spec gives."""
    m = mido.Message.from_bytes
    assert ports.song_position(300).bytes() == [0xF2, 300 & 127, 300 >> 7]
    assert ports.is_note_on(m([0x93, 60, 1])) and not ports.is_note_on(m([0x93, 60, 0]))
    assert ports.is_note_off(m([0x93, 60, 0])) and ports.is_note_off(m([0x83, 60, 64]))
    assert ports.note_on(3, 60, 1).bytes() == [0x93, 60, 1] and ports.note_off(9, 36).bytes() == [0x89, 36, 0]
    assert ports.realtime(ports.CLOCK).bytes() == [0xF8] and ports.realtime(ports.START).bytes() == [0xFA]
    assert ports.program_change(15, 3).bytes() == [0xCF, 3]
    assert ports.control_change(0, 1, 200).bytes() == [0xB0, 1, 200 & 127]


def test_no_working_backend_is_a_port_error(fake_rtmidi):
    fake_rtmidi()
    with pytest.raises(PortError, match=r"no MIDI backend works here \(alsa: .*; jack: .*\); on Linux .*jackd") as e:
        ports.open_output()
    assert isinstance(e.value, ports.SegueError)


def test_no_virtual_ports_says_use_loopmidi(fake_rtmidi):
    fake_rtmidi(construct_ok=True)
    with pytest.raises(PortError, match="no virtual ports"):
        ports.open_input()
    with pytest.raises(PortError, match="no MIDI output port matches 'Segue Out'; available: 'loopMIDI Port 1'"):
        ports.open_output("Segue Out")


def test_backend_choice_from_the_environment(fake_rtmidi, monkeypatch):
    fake_rtmidi()
    monkeypatch.setenv("SEGUE_MIDI_API", "jack")
    assert ports.requested_api() == "UNIX_JACK"
    with pytest.raises(PortError, match=r"\(UNIX_JACK: "):
        ports.open_output()
    monkeypatch.setenv("SEGUE_MIDI_API", "coremidi")
    with pytest.raises(PortError, match="not compiled"):
        ports.open_output()
    monkeypatch.setenv("SEGUE_MIDI_API", "beos")
    with pytest.raises(PortError, match="SEGUE_MIDI_API must be one of"):
        ports.requested_api()
    monkeypatch.delenv("SEGUE_MIDI_API")
    monkeypatch.setenv("MIDO_BACKEND", "mido.backends.rtmidi/UNIX_JACK")
    assert ports.requested_api() == "UNIX_JACK"
