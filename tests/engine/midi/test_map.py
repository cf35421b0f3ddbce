"""The MIDI control map: defaults, map files, their errors, controller values, the docs."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from segue.engine.midi import DEFAULT_CC, DEFAULT_PROGRAM, RESET_KNOBS, MidiMap, cc_value
from segue.models.errors import InputError

ROOT = Path(__file__).resolve().parents[3]


def test_map_file_changes_the_defaults(tmp_path):
    path = tmp_path / "map.json"
    path.write_text(json.dumps({"cc": {"7": {"knob": "morph"}, "1": None, "20": {"knob": "temperature"}},
                                "program": {"9": {"action": "preset", "knobs": {"morph": 0.5}}},
                                "out_channel": 10, "in_channel": 2, "capture_bars": 4}))
    m = MidiMap.load(path)
    assert m.cc[7] == {"knob": "morph"} and 1 not in m.cc and m.cc[20] == {"knob": "temperature"}
    assert m.cc[21] == DEFAULT_CC[21] and m.program[0] == DEFAULT_PROGRAM[0]
    assert (m.out_channel, m.in_channel, m.capture_bars) == (10, 2, 4)
    assert MidiMap.from_json({"replace": True, "cc": {"7": {"knob": "morph"}}}).cc == {7: {"knob": "morph"}}
    assert MidiMap.from_json(json.loads(json.dumps(m.to_json())), "round trip").to_json() == m.to_json()


@pytest.mark.parametrize("data, complaint", [
    ([], "a JSON object"),
    ({"ccs": {}}, "unknown keys ccs"),
    ({"cc": {"x": {"knob": "morph"}}}, "keys are numbers"),
    ({"cc": {"128": {"knob": "morph"}}}, "not in 0..127"),
    ({"cc": {"1": {"knob": "scale"}}}, "takes names"),
    ({"cc": {"1": {"knob": "scale", "values": ["major", "klingon"]}}}, "scale must be"),
    ({"cc": {"1": {"action": "explode"}}}, "an \"action\" among"),
    ({"program": {"1": {"action": "arm"}}}, "needs \"slot\""),
    ({"program": {"1": {"action": "arm", "slot": "A", "bars": 0}}}, "bars must be"),
    ({"program": {"1": {"action": "preset", "knobs": {"morph": 2.0}}}}, "must be in 0..1"),
    ({"out_channel": 0}, "channel 1..16"),
    ({"in_channel": 17}, "channel 1..16 or null"),
    ({"capture_bars": 100}, "capture_bars"),
])
def test_map_errors_say_what_is_wrong(data, complaint):
    with pytest.raises(InputError, match=complaint.replace("(", r"\(").replace(")", r"\)")):
        MidiMap.from_json(data)


def test_map_file_that_cannot_be_read(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        MidiMap.load(tmp_path / "missing.json")
    (tmp_path / "bad.json").write_text("{")
    with pytest.raises(InputError, match="not JSON"):
        MidiMap.load(tmp_path / "bad.json")


def test_controller_values_to_knob_values():
    assert [cc_value({"knob": "morph"}, v) for v in (0, 127)] == [0.0, 1.0]
    assert [cc_value({"knob": "note_density"}, v) for v in (0, 64, 127)] == [-3.0, 0.0, 3.0]  # centred
    assert [cc_value({"knob": "octave"}, v) for v in (0, 64, 127)] == [-4, 0, 4]
    assert [cc_value({"knob": "scale_root"}, v) for v in (0, 127)] == [-1, 11]
    assert [cc_value({"knob": "temperature", "lo": 0, "hi": 2}, v) for v in (0, 127)] == [0.0, 2.0]
    assert [cc_value({"knob": "velocity"}, v) for v in (0, 100, 127)] == [0, 100, 127]
    scales = DEFAULT_CC[85]
    assert cc_value(scales, 0) == "major" and cc_value(scales, 127) == scales["values"][-1]


def test_the_default_map_is_documented():
    doc = (ROOT / "docs" / "midi.md").read_text()
    for number, entry in DEFAULT_CC.items():
        assert f"| {number} | " in doc and (entry.get("knob") or entry["action"]) in doc, number
    for number, entry in DEFAULT_PROGRAM.items():
        assert f"| {number} | " in doc and entry["action"] in doc, number


def test_the_reset_preset_is_every_knob_default_but_seed_and_scale():
    from segue.bridge.addresses import KNOBS

    assert RESET_KNOBS == {k: a.default for k, a in KNOBS.items() if k not in ("seed", "scale")}
    assert RESET_KNOBS["range_high"] == 127 and RESET_KNOBS["scale_root"] == -1
    assert DEFAULT_PROGRAM[8] == {"action": "preset", "knobs": RESET_KNOBS}
