"""The MIDI session: Segue In and Segue Out following a DAW's MIDI clock (docs/midi.md).

- :mod:`.map`: the control map (CCs and program changes), checked against the address table;
- :mod:`.capture`: notes played in over N bars -> a clip (pure);
- :mod:`.player`: streamed bars -> note-ons and note-offs up to a beat (pure; the twin of the
  device's ``schedule.js``);
- :mod:`.session`: the ports, the clock follower and the thread that sends on time.
"""

from segue.engine.midi.map import DEFAULT_CC, DEFAULT_PROGRAM, RESET_KNOBS, MidiMap, cc_value
from segue.engine.midi.session import MidiSession, MidiSettings, open_midi_session

__all__ = ["DEFAULT_CC", "DEFAULT_PROGRAM", "RESET_KNOBS", "MidiMap", "MidiSession", "MidiSettings", "cc_value",
           "open_midi_session"]
