"""`segue serve`'s flags turned into the engine's settings, checked before anything starts."""

import pytest

from segue.engine.cli import build_parser, serve
from segue.models.errors import InputError


def test_cli_checks_midi_options(tmp_path):
    parse = build_parser().parse_args
    assert serve.midi_from_args(parse(["serve"])) is None
    s = serve.midi_from_args(parse(["serve", "--midi-in", "loopMIDI Port", "--midi-meter", "7/8",
                                    "--clock-offset-ms", "-12.5"]))
    assert (s.input, s.output, s.meter, s.offset_ms) == ("loopMIDI Port", None, (7, 8), -12.5)
    with pytest.raises(InputError, match="--midi-meter"):
        serve.midi_from_args(parse(["serve", "--midi", "--midi-meter", "four"]))
    bad = tmp_path / "map.json"
    bad.write_text('{"cc": {"7": {"knob": "volume"}}}')
    with pytest.raises(InputError, match="no knob 'volume'"):
        serve.midi_from_args(parse(["serve", "--midi", "--midi-map", str(bad)]))


def test_the_panel_listens_beside_osc_unless_told_otherwise():
    parse = build_parser().parse_args
    assert serve.panel_from_args(parse(["serve"])).port == 9798  # the OSC port + 1
    assert serve.panel_from_args(parse(["serve", "--port", "9000"])).port == 9001
    assert serve.panel_from_args(parse(["serve", "--port", "0"])).port == 0  # any free port, as OSC's
    assert serve.panel_from_args(parse(["serve", "--panel-port", "8123"])).port == 8123
    assert serve.panel_from_args(parse(["serve", "--no-panel"])) is None
    assert parse(["serve", "--open"]).open
    with pytest.raises(InputError, match="--panel-port"):
        serve.panel_from_args(parse(["serve", "--panel-port", "70000"]))
