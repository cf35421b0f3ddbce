"""The MIDI Tools (Segue Transform, Segue Generate) end to end: tool.js under Node on real UDP
sockets against a real engine with a tiny model, in a fake apply cycle (maxpatch/test/e2e_tools.js).
For every mode: the notes outside the range untouched, Live's scale kept while Scale Mode is on, the
range's length kept; Shift with amount 0 gives back the input notes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from segue.engine.shaping import in_scale

from .test_device import _free_udp_port, _reply_ports

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "maxpatch" / "test" / "e2e_tools.js"
ROOTS = {"Major": "major", "Dorian": "dorian"}


@pytest.fixture(scope="module")
def out(require_tool, running_engine, tiny_model):
    node = require_tool("node")
    with running_engine(tiny_model()) as engine:
        r = subprocess.run([node, str(SCRIPT), str(engine.address[1]), str(_reply_ports()), str(_free_udp_port())],
                           capture_output=True, text=True, timeout=200, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def ids(notes):
    return {n["note_id"]: n for n in notes}


def in_range(case, notes):
    lo, hi = case["range"]
    return [n for n in notes if lo - 1e-9 <= n["start_time"] < hi - 1e-9]


def outside(case, notes):
    lo, hi = case["range"]
    return [n for n in notes if not lo - 1e-9 <= n["start_time"] < hi - 1e-9]


def written(case):
    """The notes the result wrote (new ids)."""
    before = ids(case["before"])
    return [n for n in case["after"] if n["note_id"] not in before]


MODES = ["shift", "morph_clip", "morph_slot", "vary", "sample", "between", "unaligned"]


@pytest.mark.parametrize("mode", MODES)
def test_every_mode_writes_its_range_and_leaves_the_rest(out, mode):
    case = out["cases"][mode]
    assert case["errors"] == [], "every pass answered in the pass (Live's status bar stays quiet)"
    assert case["immediate"] == case["before"], "the first pass writes the notes as they were (working…)"
    assert case["requests"] == 1
    new = written(case)
    assert new, case["lines"]
    # notes outside the range untouched: the same notes, ids, times, velocities and all
    assert outside(case, case["after"]) == outside(case, case["before"])
    # the length is kept: every new note inside the range
    lo, hi = case["range"]
    assert all(lo - 1e-9 <= n["start_time"] and n["start_time"] + n["duration"] <= hi + 1e-9 for n in new), new
    # the range's own notes are the result now (the input left the clip)
    assert all(n["note_id"] not in ids(case["before"]) for n in in_range(case, case["after"]))
    # Live's scale while Scale Mode is on
    scale = case["scale"]
    assert scale["mode"] == 1
    assert all(in_scale(n["pitch"], scale["root"], ROOTS[scale["name"]]) for n in new), [n["pitch"] for n in new]
    assert case["lines"][0].startswith("connected · cat-mel_2bar_small")
    assert case["lines"][1].startswith("done: ")


def test_shift_with_amount_zero_gives_back_the_input_notes(out):
    case = out["cases"]["shift_zero"]
    assert case["after"] == case["before"] and case["immediate"] == case["before"]
    assert case["requests"] == 0 and case["lines"][1] == "amount 0: the notes as they were"


def test_the_requests_carry_the_settings_and_the_scale(out):
    c = out["cases"]
    assert c["shift"]["request"][:4] == ["/segue/tool/shift", c["shift"]["request"][1], "tool-in", 1]
    assert c["shift"]["request"][-5:] == [4, "major", 0.25, 4, 4]
    assert c["morph_clip"]["request"][3:6] == ["", "tool-target", 0.5]
    assert c["morph_slot"]["request"][3:5] == [out["device"], "A"]
    assert c["sample"]["request"][-5:] == [2, "dorian", 0.25, 4, 4]
    assert c["between"]["request"][2:] == [8, "", "tool-a", "", "tool-b", 2, 4, 2, "dorian", 0.25, 4, 4]


def test_morph_to_the_end_is_the_slots_clip_itself(out):
    case = out["cases"]["morph_slot"]
    tune_a = [60, 62, 64, 65, 67, 65, 64, 62]  # the streaming device's clip A, looped over the 8 beats
    snapped = [n["pitch"] for n in sorted(written(case), key=lambda n: n["start_time"])]
    assert [in_scale(p, 4, "major") for p in snapped] == [True] * 8
    assert [abs(p - q) <= 1 for p, q in zip(snapped, tune_a)] == [True] * 8 and len(snapped) == 8


def test_an_odd_meter_says_the_engines_words_and_leaves_the_notes(out):
    case = out["cases"]["meter"]
    assert case["after"] == case["before"] and case["errors"] == []
    assert "the clip is in 3/4; Segue needs 4/4" in " ".join(case["lines"][1:])


def test_a_range_off_the_bar_lines_is_read_as_whole_bars_and_cut_back(out):
    case = out["cases"]["unaligned"]
    assert "read as 2 bars from its first beat" in " ".join(case["lines"][1:])
    assert all(n["start_time"] + n["duration"] <= 9.5 + 1e-9 for n in written(case))


def test_the_engine_not_running_is_said_in_the_tool_and_the_notes_stay(out):
    case = out["cases"]["down"]
    assert case["after"] == case["before"] and case["immediate"] == case["before"] and case["errors"] == []
    assert case["lines"][0] == "engine not running: start it (segue serve)"
    assert " ".join(case["lines"][1:]).startswith("engine not running: notes left as they were")


def test_a_knob_drag_asks_the_engine_for_the_newest_only(out):
    drag = out["cases"]["drag"]
    assert drag["errors"] == [] and drag["passes"] >= 41
    # one request in flight, only the newest waiting: every request after the first went when an answer came
    assert drag["maxOutstanding"] == 1, drag
    assert drag["requests"] == drag["answers"] == drag["flights"], drag
    # twenty passes with no answer between them: one request, the other nineteen values never asked for
    assert drag["burstFlights"] == 1 and drag["requests"] <= 1 + 20 + 1, drag
    assert drag["last"][7] == 2.0, "the last request is the drag's last value (syncopation_16th 40/20)"
    assert drag["lines"][1].startswith("done: ")


def test_every_device_and_tool_has_its_own_id_and_port(out):
    assert len(set(out["instances"])) == 4 and len(set(out["ports"])) == 4
