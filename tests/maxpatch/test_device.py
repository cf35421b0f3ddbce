"""The Max for Live device (maxpatch/): patch structure, the built .amxd, the JS modules under Node,
and the device's controller end to end against a real engine (Live and Max cannot run here)."""

from __future__ import annotations

import importlib.util
import json
import os
import re
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAXPATCH = ROOT / "maxpatch"
SOURCES = sorted(MAXPATCH.glob("*.maxpat"))
FILE_WORDS = re.compile(r"[\w.-]+\.(?:js|maxpat|amxd|json|png|jpg|svg|txt|mid|wav|aif|aiff|dll|mxo|mxe64)$",
                        re.IGNORECASE)
SCRIPT_OBJECTS = {"js", "v8", "jsui", "v8ui", "node.script"}
RANGES = {0: float, 1: int}  # parameter_type: 0 float, 1 int, 2 enum, 3 blob


def _build_module():
    spec = importlib.util.spec_from_file_location("segue_maxpatch_build", MAXPATCH / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _build_module()


def structure_problems(patch: dict, search: list[Path] | None) -> list[str]:
    """Every structural problem of a patcher: ids, lines, referenced files (looked up in ``search``;
    None = no file may be referenced at all), live.* parameters."""
    p = patch["patcher"]
    boxes = [entry["box"] for entry in p["boxes"]]
    problems = []
    ids = Counter(b["id"] for b in boxes)
    problems += [f"duplicate id {i}" for i, n in ids.items() if n > 1]
    by_id = {b["id"]: b for b in boxes}
    for entry in p["lines"]:
        line = entry["patchline"]
        (src, out), (dst, inl) = line["source"], line["destination"]
        if src not in by_id or dst not in by_id:
            problems.append(f"line {src}->{dst} joins a missing box")
            continue
        if not 0 <= out < by_id[src]["numoutlets"]:
            problems.append(f"line from {src} outlet {out}: it has {by_id[src]['numoutlets']}")
        if not 0 <= inl < by_id[dst]["numinlets"]:
            problems.append(f"line to {dst} inlet {inl}: it has {by_id[dst]['numinlets']}")
    for b in boxes:
        if b.get("outlettype") is not None and len(b["outlettype"]) != b["numoutlets"]:
            problems.append(f"{b['id']}: outlettype does not match numoutlets")
        words = str(b.get("text", "")).split() if b["maxclass"] == "newobj" else []
        names = [w for w in words if FILE_WORDS.search(w)]
        for key in ("filename", "file", "pic", "jsfilename"):
            value = b.get(key) or b.get("saved_object_attributes", {}).get(key)
            if value and value != "none":
                names.append(str(value))
        for name in names:
            if search is None:
                problems.append(f"{b['id']} refers to the file {name}")
            elif not any((d / name).is_file() for d in search):
                problems.append(f"{b['id']} refers to {name}, which does not exist")
        if words[:1] and words[0] in SCRIPT_OBJECTS and search is None and not b.get("textfile", {}).get("text"):
            problems.append(f"{b['id']}: [{words[0]}] without embedded code")
        if b["maxclass"].startswith("live.") and b["maxclass"] not in ("live.comment", "live.line"):
            v = b.get("saved_attribute_attributes", {}).get("valueof")
            if not v:
                problems.append(f"{b['id']} ({b['maxclass']}) has no parameter attributes")
                continue
            if not v.get("parameter_longname") or not v.get("parameter_shortname"):
                problems.append(f"{b['id']} has no parameter name")
            ptype = v.get("parameter_type")
            if ptype == 2:
                enum = v.get("parameter_enum") or []
                if len(enum) < 2:
                    problems.append(f"{v.get('parameter_longname')}: an enum needs two or more items")
                lo, hi = 0, len(enum) - 1
            elif ptype in RANGES:
                lo, hi = v.get("parameter_mmin"), v.get("parameter_mmax")
                if lo is None or hi is None or not lo < hi:
                    problems.append(f"{v.get('parameter_longname')}: no valid range ({lo}, {hi})")
                    continue
            else:
                problems.append(f"{v.get('parameter_longname')}: parameter_type {ptype} is not a control type")
                continue
            initial = v.get("parameter_initial")
            if v.get("parameter_initial_enable") != 1 or not initial:
                problems.append(f"{v['parameter_longname']}: no default")
            elif not lo <= initial[0] <= hi:
                problems.append(f"{v['parameter_longname']}: default {initial[0]} outside {lo}..{hi}")
            if p.get("parameters", {}).get(b["id"], [None])[0] != v["parameter_longname"]:
                problems.append(f"{v['parameter_longname']} is missing from the patcher's parameters")
    return problems


def test_there_is_a_device_patch():
    assert [s.name for s in SOURCES] == ["Segue.maxpat"]


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_maxpat_structure(source):
    patch = json.loads(source.read_text(encoding="utf-8"))
    assert structure_problems(patch, [MAXPATCH, MAXPATCH / "js"]) == []


def test_device_patch_has_every_control():
    patch = json.loads((MAXPATCH / "Segue.maxpat").read_text(encoding="utf-8"))
    boxes = [e["box"] for e in patch["patcher"]["boxes"]]
    names = {b["saved_attribute_attributes"]["valueof"]["parameter_longname"] for b in boxes
             if b["maxclass"].startswith("live.")}
    assert {"A Track", "A Scene", "A Selected", "B Track", "B Scene", "B Selected", "Morph", "Density", "Diatonic",
            "Interval", "Sync 16th", "Sync 8th", "Temperature", "Seed", "Root", "Scale", "Velocity", "Groove",
            "Octave", "Range Low", "Range High", "Mode", "Steps", "Bars", "Capture", "Write"} <= names
    texts = [b.get("text", "") for b in boxes]
    for needed in ("live.thisdevice", "udpsend 127.0.0.1 9797", "midiin", "midiout", "deferlow"):
        assert needed in texts, needed
    assert any(t.startswith("udpreceive ") for t in texts)
    assert any(t.startswith("v8 segue.js") for t in texts)
    by_text = {b.get("text"): b["id"] for b in boxes}
    wires = {(e["patchline"]["source"][0], e["patchline"]["destination"][0]) for e in patch["patcher"]["lines"]}
    assert (by_text["midiin"], by_text["midiout"]) in wires, "incoming MIDI passes through"
    # notes go through [pipe] (fired on Max's scheduler at their time) and [pack] to [midiformat]
    v8, pipe, pack = by_text["v8 segue.js @embed 1"], by_text["pipe 0 0 0"], by_text["pack 0 0"]
    lines = {(e["patchline"]["source"][0], e["patchline"]["source"][1], e["patchline"]["destination"][0],
              e["patchline"]["destination"][1]) for e in patch["patcher"]["lines"]}
    assert {(v8, 1, pipe, 0), (pipe, 0, pack, 0), (pipe, 1, pack, 1), (pack, 0, by_text["midiformat"], 0)} <= lines
    assert (v8, by_text["midiformat"]) not in wires, "no untimed path around the scheduler"
    # the Model menu is filled by the device's code and answers into it
    menu = next(b for b in boxes if b.get("varname") == "model")
    assert menu["maxclass"] == "umenu" and (v8, 6, menu["id"], 0) in lines
    assert (menu["id"], by_text["prepend model"]) in wires and (by_text["prepend model"], v8) in wires
    assert (by_text["midiformat"], by_text["midiout"]) in wires
    assert (by_text["live.thisdevice"], by_text["v8 segue.js @embed 1"]) in wires
    morph = next(b for b in boxes if b.get("varname") == "morph")["saved_attribute_attributes"]["valueof"]
    assert (morph["parameter_mmin"], morph["parameter_mmax"]) == (0.0, 1.0)
    # everything a user touches is in the presentation, inside the device's 169 px height
    for b in boxes:
        if b["maxclass"].startswith("live.") and b["maxclass"] != "live.thisdevice":
            x, y, w, h = b["presentation_rect"]
            assert b.get("presentation") == 1 and y + h <= 169 and x + w <= patch["patcher"]["devicewidth"]


def test_built_amxd_chunks_and_self_containment(tmp_path):
    target = build.build(tmp_path)
    data = target.read_bytes()
    chunks = build.read_amxd(data)
    assert [tag for tag, _ in chunks] == ["ampf", "meta", "ptch"]
    assert chunks[0][1] == b"mmmm"
    assert len(chunks[1][1]) == 4
    ptch = chunks[2][1]
    assert ptch.endswith(b"\n\x00")
    patch = json.loads(ptch[:-1].decode("utf-8"))
    p = patch["patcher"]
    assert p["minimum_live_version"] == "12.2"
    assert p["project"]["amxdtype"] == int.from_bytes(b"mmmm", "little") == 1835887981
    assert p["dependency_cache"] == []
    assert structure_problems(patch, search=None) == []  # no outside file at all
    scripts = [e["box"] for e in p["boxes"] if e["box"].get("textfile")]
    assert len(scripts) == 1
    v8 = scripts[0]
    # the shape Max 9 saves an embedded [v8] in: the box names no file, the code sits in textfile
    assert v8["text"] == "v8 @embed 1" and v8["maxclass"] == "newobj" and v8["filename"] == "none"
    assert {k: v for k, v in v8["textfile"].items() if k != "text"} == {
        "filename": "none", "flags": 0, "embed": 1, "autowatch": 1}
    assert "filename" not in v8["saved_object_attributes"]
    code = v8["textfile"]["text"]
    for module in ("notes", "messages", "schedule", "live", "device"):
        assert f'__segue_modules["./{module}"]' in code
    v8["textfile"]["text"] = ""
    assert "segue.js" not in json.dumps(patch), "outside its embedded code the device names no script file"
    # the same build twice gives the same bytes (diffable, reproducible)
    assert build.build(tmp_path / "again").read_bytes() == data


def _node_tests():
    return sorted(str(p) for p in (MAXPATCH / "test").glob("*.test.js"))


def test_node_unit_tests(require_tool):
    node = require_tool("node")
    env = {**os.environ, "PYTHON": sys.executable}
    r = subprocess.run([node, "--test", *_node_tests()], capture_output=True, text=True, timeout=300, env=env,
                       cwd=ROOT)
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
    assert "# fail 0" in r.stdout


def test_end_to_end_two_devices_against_the_real_engine(require_tool, running_engine, tiny_model):
    node = require_tool("node")

    with running_engine(tiny_model()) as engine:
        port = engine.address[1]
        r = subprocess.run([node, str(MAXPATCH / "test" / "e2e_engine.js"), str(port)], capture_output=True,
                           text=True, timeout=150, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    out = json.loads(r.stdout.strip().splitlines()[-1])
    # two devices at once: separate instances, reply ports and sessions
    assert out["states"] == ["connected", "connected"]
    assert len(set(out["instances"])) == 2 and len(set(out["ports"])) == 2
    assert all(s.startswith("connected · cat-mel_2bar_small") and " ms" in s for s in out["status"])
    assert out["errors"] == [[], []]
    # bars streamed and played; the morph change produced newer versions
    bars = out["bars"][0]
    assert len({b["bar"] for b in bars}) >= 3
    assert max(b["version"] for b in bars) > min(b["version"] for b in bars)
    for notes_out in out["notes_out"]:
        assert notes_out, "the device played notes"
        ons = Counter(p for p, v, _ in notes_out if v > 0)
        offs = Counter(p for p, v, _ in notes_out if v == 0)
        # (a stop may end a note twice: once from the cleared scheduler's queue, once at once)
        assert all(offs[p] >= n for p, n in ons.items()), "every note-on got its note-off (stop included)"
    # the sources are untouched, and every write went to an empty slot below them
    assert out["sources_untouched"]
    assert all(not re.search(r"clip_slots [01]\b", path) for _, path in out["writes"])
    for track, steps in ((0, 3), (1, 2)):
        clips = out["clips"][track]
        assert clips[0]["name"] == "Tune A" and clips[1]["name"] == "Tune B"
        rendered = [c for c in clips if c and c["name"].startswith("Segue A→B")]
        assert [c["name"] for c in rendered] == [f"Segue A→B {k}/{steps}" for k in range(1, steps + 1)]
        for c in rendered:
            assert c["length"] == 8  # the tiny model's 2-bar window, in beats
            assert c["notes"], c["name"]
            for pitch, start, duration, velocity in c["notes"]:
                assert 0 <= pitch <= 127 and 0 <= start < 8 and duration > 0 and 1 <= velocity <= 127
    captured = [c for c in out["clips"][0] if c and c["name"].startswith("Segue capture")]
    assert len(captured) == 1 and captured[0]["notes"] and captured[0]["length"] == 8
    assert not any(c and c["name"].startswith("Segue capture") for c in out["clips"][1])


def test_end_to_end_engine_restart_reconnects_and_uploads_again(require_tool, running_engine, tiny_model):
    node = require_tool("node")
    model = tiny_model()
    with running_engine(model) as engine:
        port = engine.address[1]
        proc = subprocess.Popen([node, str(MAXPATCH / "test" / "e2e_restart.js"), str(port)], stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT)
        try:
            first = proc.stdout.readline()
            assert json.loads(first) == {"ready": True}, first + proc.stderr.read()
        except BaseException:
            proc.kill()
            raise
    with running_engine(model, port=port):  # a fresh engine: no sessions, no clips
        out, err = proc.communicate("restarted\n", timeout=90)
    assert proc.returncode == 0, out[-3000:] + err[-2000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["state"] == "connected" and result["instance_kept"]
    assert "reconnected" in result["events"]
    assert result["clips"][:4] == ["A", "B", "Segue A→B 1/2", "Segue A→B 2/2"]


def test_panel_picture_renders_from_the_presentation_layout(tmp_path):
    spec = importlib.util.spec_from_file_location("segue_maxpatch_panel", MAXPATCH / "panel.py")
    panel = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(panel)
    patch = json.loads((MAXPATCH / "Segue.maxpat").read_text(encoding="utf-8"))
    image = panel.render(patch, scale=1)
    assert image.size == (int(patch["patcher"]["devicewidth"]), 169)
    assert len(image.getcolors(maxcolors=1 << 20)) > 4  # something was drawn
    assert (ROOT / "docs" / "device-panel.png").is_file()


def test_note_timing_simulation(require_tool):
    """bench/bench_device_timing.js runs the device's code with late ticks (seeded, no wall clock):
    with the lookahead no note fires late; without it many do."""
    node = require_tool("node")
    r = subprocess.run([node, str(ROOT / "bench" / "bench_device_timing.js"), "--seconds", "20"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = [line.split("|") for line in r.stdout.splitlines() if line.startswith("| lookahead") or
            line.startswith("| no lookahead")]
    (ahead, plain) = [(int(row[2].split()[0]), int(row[2].split("(")[1].split()[0]), int(row[6])) for row in rows]
    assert ahead[0] == plain[0] > 100 and ahead[1] == plain[1] == 0  # every note played once
    assert ahead[2] == 0 < plain[2]
