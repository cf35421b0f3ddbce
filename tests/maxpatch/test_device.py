"""The Max for Live device (maxpatch/): patch structure, the built .amxd, the JS modules under Node,
and the device's controller end to end against a real engine (Live and Max cannot run here)."""

from __future__ import annotations

import importlib.util
import json
import os
import random
import re
import socket
import subprocess
import sys
import time
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


# Advance widths of Arial (metric-identical to Helvetica), in 1/1000 em: ASCII and the few other
# characters the device shows. Anything else counts as a full em (wider than any real glyph).
_WIDTHS = dict(zip(
    " !\"#$%&'()*+,-./0123456789:;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`abcdefghijklmnopqrstuvwxyz{|}~",
    (278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, *(556,) * 10, 278, 278, 584,
     584, 584, 556, 1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722,
     667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556,
     222, 222, 500, 222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584)))
_WIDTHS.update({"\u00b7": 278, "\u2014": 1000, "\u2026": 1000, "\u2192": 1000})
# Classes Max draws no name for: a comment must label each in the presentation.
NEEDS_LABEL = {"live.numbox", "live.menu", "live.button", "live.tab", "umenu", "textedit"}
# The attributes (@name in an object's text, saved_object_attributes) each class of the patch takes.
ATTRIBUTES = {
    "v8": {"embed", "autowatch", "parameter_enable"},
    "qmetro": {"active", "interval", "quantize", "autostart", "autostarttime", "transport"},
    "udpreceive": {"defer", "quiet", "outputformat"},
    "pattr": {"parameter_enable", "parameter_mappable", "autorestore", "bindto", "default_active", "default_interp",
              "default_priority", "initial", "invisible", "thru", "type"},
}
TEXT_PAD = 4  # a comment's inner margin, both sides together


def text_width(text: str, size: float) -> float:
    """Width in pixels of ``text`` in Arial at ``size`` points (Max draws at 72 points an inch)."""
    return sum(_WIDTHS.get(c, 1000) for c in text) * size / 1000


def _rect(b: dict) -> tuple[float, float, float, float]:
    return tuple(b["presentation_rect"])


def _labelled(b: dict, comments: list[dict]) -> bool:
    """A comment right beside the control (left or right, on its row) or just above it."""
    x, y, w, h = _rect(b)
    for c in comments:
        cx, cy, cw, ch = _rect(c)
        same_row = abs((cy + ch / 2) - (y + h / 2)) <= 4
        if same_row and (-2 <= x - (cx + cw) <= 8 or -2 <= cx - (x + w) <= 8):
            return True
        if cx < x + w and x < cx + cw and -2 <= y - (cy + ch) <= 6:
            return True
    return False


def status_boxes(patch: dict) -> list[dict]:
    """The comments a device's status lines go to: those named status* (fed by its [v8])."""
    return [e["box"] for e in patch["patcher"]["boxes"]
            if e["box"]["maxclass"] == "comment" and str(e["box"].get("varname", "")).startswith("status")]


# Objects that hand a message on later (another thread, a delay): none may sit in a MIDI Tool's apply pass.
LATER = {"deferlow", "defer", "pipe", "delay", "del", "qlim", "speedlim", "thresh", "timer", "qmetro", "metro"}


def apply_cycle_problems(patch: dict) -> list[str]:
    """A MIDI Tool answers [live.miditool.in] in the same pass: its notes dictionary reaches the
    [v8] and the [v8]'s answer reaches [live.miditool.out] with no object between that hands it on
    later (Live refuses a late one: "Received a Note dictionary asynchronously", docs/device.md)."""
    p = patch["patcher"]
    boxes = {e["box"]["id"]: e["box"] for e in p["boxes"]}
    word = {i: str(b.get("text", "")).split()[0] if b.get("text") and b["maxclass"] == "newobj" else b["maxclass"]
            for i, b in boxes.items()}
    tool_in = [i for i, w in word.items() if w == "live.miditool.in"]
    if not tool_in:
        return []
    out = {}
    for e in p["lines"]:
        (src, o), (dst, _) = e["patchline"]["source"], e["patchline"]["destination"]
        out.setdefault((src, o), []).append(dst)

    def reaches(start: list[str], goal: str) -> list[list[str]]:
        """Paths of object words from ``start`` to the first box whose word is ``goal``."""
        paths, stack = [], [(s, [word[s]]) for s in start]
        while stack:
            box, path = stack.pop()
            if word[box] == goal:
                paths.append(path)
                continue
            if len(path) > 8:
                continue
            for (src, _), dsts in out.items():
                if src == box:
                    stack += [(d, path + [word[d]]) for d in dsts]
        return paths

    v8 = [i for i, w in word.items() if w == "v8"]
    problems = []
    for start, goal in ((out.get((tool_in[0], 0), []), "v8"),
                        (out.get((v8[0], 0), []) if v8 else [], "live.miditool.out")):
        paths = reaches(start, goal)
        if not paths:
            problems.append(f"no path to [{goal}] in the apply pass")
        for path in paths:
            late = [w for w in path if w in LATER]
            if late:
                problems.append(f"[{late[0]}] on the apply pass to [{goal}]: Live refuses a late answer")
    return problems


def lint_problems(patch: dict, statuses: list[str] = (), captions: dict[str, list[str]] | None = None) -> list[str]:
    """What Max or Live would get wrong with the patch, by their documented rules: two-state
    live.text boxes are toggles (mode 0 is a momentary button), int parameters span at most 255
    (Live's native int range), every live.* box is a parameter, object attributes come from each
    class's list (an unknown one prints an error on every load), timing objects that cannot pile up
    ([qmetro], not [metro]), [udpreceive] defers its output and binds no fixed port at load, every
    presentation control Max draws no name for has a label that fits, every status fits its field,
    every text the device's code puts in a box (``captions``: {varname: texts}) names a box of the
    patch and fits it on one line, and a MIDI Tool's apply cycle is synchronous (apply_cycle_problems)."""
    p = patch["patcher"]
    boxes = [e["box"] for e in p["boxes"]]
    problems = apply_cycle_problems(patch)
    for b in boxes:
        cls, v = b["maxclass"], b.get("saved_attribute_attributes", {}).get("valueof", {})
        words = str(b.get("text", "")).split() if cls == "newobj" else []
        name = words[0] if words else cls
        what = f"{b['id']} ({v.get('parameter_longname') or name})"
        if cls.startswith("live.") and v:
            if b.get("parameter_enable") != 1:
                problems.append(f"{what}: no parameter_enable 1")
            if v.get("parameter_type") == 1 and v["parameter_mmax"] - v["parameter_mmin"] > 255:
                problems.append(f"{what}: an int parameter spans more than 255 (make it Float, unit style Int)")
            enum = v.get("parameter_enum") or []
            if cls == "live.text" and len(enum) == 2 and enum != ["off", "on"] and b.get("mode") != 1:
                problems.append(f"{what}: a two-state choice {enum} on a momentary button (mode 1: toggle)")
        attributes = [w[1:] for w in words if w.startswith("@")] + list(b.get("saved_object_attributes", {}))
        for a in attributes:
            if a not in ATTRIBUTES.get(name, ()):
                problems.append(f"{what}: [{name}] has no attribute {a}")
        if name == "metro":
            problems.append(f"{what}: [metro] ticks queue up behind a busy low-priority thread: use [qmetro]")
        if name == "udpreceive":
            if "@defer" not in words or words[words.index("@defer") + 1] != "1":
                problems.append(f"{what}: [udpreceive] without @defer 1 outputs on the scheduler thread")
            if len(words) < 2 or words[1] != "0":
                problems.append(f"{what}: [udpreceive {words[1:2]}] binds a fixed port in every instance at load")
    shown = [b for b in boxes if b.get("presentation")]
    comments = [b for b in shown if b["maxclass"] == "comment"]
    status = status_boxes(patch)
    if not status:
        problems.append("no status comment (varname status*): the device could not say what goes wrong")
    for b in shown:
        if b["maxclass"] in NEEDS_LABEL and not _labelled(b, comments):
            problems.append(f"{b['id']} ({b['maxclass']}): no label beside or above it in the presentation")
    for c in comments:
        width = text_width(str(c.get("text", "")), c.get("fontsize", p.get("default_fontsize", 10)))
        if c not in status and width + TEXT_PAD > _rect(c)[2]:
            problems.append(f"label {c.get('text')!r} ({width:.0f} px) does not fit its {_rect(c)[2]} px")
    for box in status:
        size = box.get("fontsize", p.get("default_fontsize", 10))
        for text in statuses:
            if text_width(text, size) + TEXT_PAD > _rect(box)[2]:
                problems.append(f"status {text!r} ({text_width(text, size):.0f} px) overflows its {_rect(box)[2]} px")
    named = {b.get("varname"): b for b in boxes if b.get("varname")}
    for varname, texts in (captions or {}).items():
        box = named.get(varname)
        if box is None or not box.get("presentation"):
            problems.append(f"the device's code writes to {varname!r}: no such box in the presentation")
            continue
        size = box.get("fontsize", p.get("default_fontsize", 10))
        for text in texts:
            if text_width(text, size) + TEXT_PAD > _rect(box)[2]:
                problems.append(f"caption {text!r} ({text_width(text, size):.0f} px) overflows {varname}'s "
                                f"{_rect(box)[2]} px")
    return problems


def shipped_models() -> list[tuple[str, str]]:
    """(config name, licence) of each model in models/weights/, from its card."""
    out = []
    for card in sorted((ROOT / "models" / "weights").glob("*.md")):
        rows = dict(re.findall(r"^\| (config|licence) \| (.+?) \|$", card.read_text(encoding="utf-8"), re.MULTILINE))
        out.append((re.search(r"`([\w-]+)`", rows["config"]).group(1), rows["licence"]))
    return out


KINDS = {"Segue.maxpat": "device", "SegueTransform.maxpat": "transform", "SegueGenerate.maxpat": "generate"}


def device_statuses(node: str, kind: str = "device") -> list[str]:
    """Every status line a device of this kind can show, for each shipped model."""
    out = []
    for name, licence in shipped_models():
        r = subprocess.run([node, str(MAXPATCH / "test" / "statuses.js"), name, licence, kind], capture_output=True,
                           text=True, timeout=60, cwd=ROOT)
        assert r.returncode == 0, r.stderr
        out += json.loads(r.stdout)
    return out


def device_captions(node: str) -> dict[str, list[str]]:
    """Every text the streaming device puts in a box of its patch (statuses.js captions), for each
    shipped model chosen as ``default`` or by its name, and the kinds of models it may meet (GrooVAE
    humanize and tap, chords, extra controls, weak knobs): the reasons in the engine's own words
    (engine/api.py unavailable, knobs_without_vector)."""
    from segue.bridge.addresses import ATTRIBUTE_KNOBS
    from segue.engine.api import ModelInfo, knobs_without_vector, unavailable

    infos = []
    for name, licence in shipped_models():
        for choice in ("default", name):
            infos.append(ModelInfo(name, "melody", 2, 256, True, "cpu", licence, choice))
    infos += [ModelInfo("groovae_2bar_humanize", "groove", 2, 256, True, "cpu", "", "groovae_2bar_humanize",
                        ("groove", "velocity", "timing")),
              ModelInfo("groovae_2bar_tap", "groove", 2, 256, True, "cpu", "", "tap2drum_4bar",
                        ("drumify", "velocity", "timing")),
              ModelInfo("mel_chords", "melody", 2, 512, True, "cpu", "", "mel_chords", ("chords", "key")),
              ModelInfo("mel_rhythm_2bar", "melody_rhythm", 2, 256, True, "cpu", "", "mel_rhythm_2bar",
                        ("extra_controls",)),
              ModelInfo("cat-mel_2bar_small", "melody", 2, 256, True, "cpu", "", "calibrated-cat-mel_2bar_small", (),
                        ATTRIBUTE_KNOBS)]
    models = [{"name": m.name, "choice": m.choice, "capabilities": ",".join(m.capabilities),
               "weak": ",".join(m.weak_knobs),
               "unavailable": {**unavailable(m), **knobs_without_vector(m, {} if m.kind == "groove" else
                                                                         dict.fromkeys(ATTRIBUTE_KNOBS))}}
              for m in infos]
    r = subprocess.run([node, str(MAXPATCH / "test" / "statuses.js"), "captions", json.dumps(models)],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    return json.loads(r.stdout)


def test_there_is_a_patch_for_every_device():
    assert [s.name for s in SOURCES] == ["Segue.maxpat", "SegueGenerate.maxpat", "SegueTransform.maxpat"]
    assert sorted(d.source for d in build.DEVICES) == [s.name for s in SOURCES]


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
            "Octave", "Range Low", "Range High", "Mode", "Steps", "Bars", "Capture", "Write", "XY Pad", "X", "Y",
            "C Track", "C Scene", "C Selected", "D Track", "D Scene", "D Selected", "Clip Track", "Clip Scene",
            "Clip Selected", "Groove Amount", "Groove Temperature", "Groove Clip", "Drumify Clip",
            "Chords From Clip"} <= names
    texts = [b.get("text", "") for b in boxes]
    for needed in ("live.thisdevice", "udpsend 127.0.0.1 9797", "midiin", "midiout", "deferlow",
                   "udpreceive 0 @defer 1", "qmetro 5 @active 1", "when", "prepend clock"):
        assert needed in texts, needed
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
    # the song position from Max's Live-synced transport: [qmetro] -> [when] (ticks, right outlet) -> [v8]
    when, clock = by_text["when"], by_text["prepend clock"]
    assert {(by_text["qmetro 5 @active 1"], 0, when, 0), (when, 1, clock, 0), (clock, 0, v8, 0)} <= lines
    # replies from [udpreceive]; the port probe to our own reply port through a second [udpsend]
    receive = by_text["udpreceive 0 @defer 1"]
    assert (receive, 0, v8, 0) in lines and (v8, 3, receive, 0) in lines
    probe = next(b for b in boxes if str(b.get("text", "")).startswith("udpsend 127.0.0.1 98"))
    assert (v8, 7, probe["id"], 0) in lines
    # the Model menu is filled by the device's code and answers into it
    menu = next(b for b in boxes if b.get("varname") == "model")
    assert menu["maxclass"] == "umenu" and (v8, 6, menu["id"], 0) in lines
    assert (menu["id"], by_text["prepend model"]) in wires and (by_text["prepend model"], v8) in wires
    assert (by_text["midiformat"], by_text["midiout"]) in wires
    # what the model can do: [v8] shows it on boxes by their scripting names through [thispatcher]; the
    # tools' clip picker, Amount, Temp, Groove, Drumify and From clip reach [v8]; the Chords field's Return too
    assert (v8, 11, by_text["thispatcher"], 0) in lines
    for varname, words in (("tool_track", "pick tool track"), ("tool_scene", "pick tool scene"),
                           ("tool_selected", "pick tool selected"), ("tool_amount", "tool amount"),
                           ("tool_temp", "tool temperature"), ("groove_clip", "groove"), ("drumify_clip", "drumify"),
                           ("chords_clip", "chordsclip")):
        box = next(b for b in boxes if b.get("varname") == varname)["id"]
        assert {(box, 0, by_text[f"prepend {words}"], 0), (by_text[f"prepend {words}"], 0, v8, 0)} <= lines, varname
    field = next(b for b in boxes if b.get("varname") == "chords")
    assert field["maxclass"] == "textedit" and (field["keymode"], field["lines"]) == (1, 1)
    assert (field["id"], 0, v8, 0) in lines, "Return in the Chords field sends `text ...` to [v8]"
    # the XY pad: its [pictslider] (0..127, 0 at the top) and the X/Y dials both reach [v8] and follow it
    pad = next(b for b in boxes if b.get("varname") == "xy_pad")
    assert pad["maxclass"] == "pictslider" and (pad["topvalue"], pad["bottomvalue"], pad["rightvalue"]) == (0, 127, 127)
    assert {(pad["id"], 0, by_text["prepend padx"], 0), (pad["id"], 1, by_text["prepend pady"], 0),
            (by_text["prepend padx"], 0, v8, 0), (by_text["prepend pady"], 0, v8, 0), (v8, 8, pad["id"], 0)} <= lines
    for axis, out in (("x", 9), ("y", 10)):
        dial = next(b for b in boxes if b.get("varname") == f"xy_{axis}")["id"]
        assert {(dial, 0, by_text[f"prepend xy {axis}"], 0), (by_text[f"prepend xy {axis}"], 0, v8, 0),
                (v8, out, dial, 0)} <= lines
    assert (next(b for b in boxes if b.get("varname") == "pad")["id"], by_text["prepend pad"]) in wires
    assert (by_text["live.thisdevice"], by_text["v8 segue.js @embed 1"]) in wires
    morph = next(b for b in boxes if b.get("varname") == "morph")["saved_attribute_attributes"]["valueof"]
    assert (morph["parameter_mmin"], morph["parameter_mmax"]) == (0.0, 1.0)
    seed = next(b for b in boxes if b.get("varname") == "seed")["saved_attribute_attributes"]["valueof"]
    assert (seed["parameter_type"], seed["parameter_unitstyle"], seed["parameter_mmax"]) == (0, 0, 9999.0)
    # everything a user touches is in the presentation, inside the device's 169 px height
    for b in boxes:
        if b.get("presentation"):
            x, y, w, h = b["presentation_rect"]
            assert y + h <= 169 and x + w <= patch["patcher"]["devicewidth"], b["id"]
        if b["maxclass"].startswith("live.") and b["maxclass"] != "live.thisdevice":
            assert b.get("presentation") == 1


@pytest.mark.parametrize("source", SOURCES, ids=lambda s: s.name)
def test_patch_lint(require_tool, source):
    """#2, #7, #8, #9, #13: each device's patch against the documented rules of Max and Live
    (lint_problems), with every status line it can show for each shipped model."""
    patch = json.loads(source.read_text(encoding="utf-8"))
    statuses = device_statuses(require_tool("node"), KINDS[source.name])
    assert any("Apache-2.0" in s for s in statuses), "the licence is shown where there is room"
    captions = device_captions(require_tool("node")) if source.name == "Segue.maxpat" else None
    if captions is not None:  # what the model can do is shown: the reasons, the capabilities, weak knobs
        assert any("grooves nothing" in t for t in captions["groove_why_0"]), captions["groove_why_0"]
        assert "Model can: groove, velocity, timing" in captions["caps"]
        assert "\u2248 weak" in captions["weak_average_interval"]
    assert lint_problems(patch, statuses, captions) == []


def _broken(patch: dict, varname: str | None = None, box_id: str | None = None) -> tuple[dict, dict]:
    patch = json.loads(json.dumps(patch))
    for e in patch["patcher"]["boxes"]:
        if e["box"].get("varname") == varname or e["box"]["id"] == box_id:
            return patch, e["box"]
    raise KeyError(varname or box_id)


@pytest.mark.parametrize("defect, expected", [
    ("momentary picker", "two-state choice"), ("int seed", "spans more than 255"),
    ("no parameter_enable", "no parameter_enable"), ("parameter_mode", "has no attribute parameter_mode"),
    ("no label", "no label"), ("label too wide", "does not fit"), ("long status", "overflows"),
    ("metro", "use [qmetro]"), ("udpreceive", "without @defer 1"), ("fixed port", "binds a fixed port"),
])
def test_patch_lint_catches_what_the_review_found(defect, expected):
    """Each defect of the review, put back into the patch, is reported by the lint."""
    patch = json.loads((MAXPATCH / "Segue.maxpat").read_text(encoding="utf-8"))
    statuses = []
    if defect == "momentary picker":
        patch, b = _broken(patch, "a_selected")
        b["mode"] = 0
    elif defect == "int seed":
        patch, b = _broken(patch, "seed")
        b["saved_attribute_attributes"]["valueof"].update(parameter_type=1, parameter_mmin=0, parameter_mmax=9999)
    elif defect == "no parameter_enable":
        patch, b = _broken(patch, "morph")
        del b["parameter_enable"]
    elif defect == "parameter_mode":
        patch, b = _broken(patch, "instance")
        b["text"] += " @parameter_mode 3"
    elif defect == "no label":
        patch, b = _broken(patch, "steps")
        x, y, w, h = b["presentation_rect"]
        b["presentation_rect"] = [x + 20, y, w, h]  # away from its label
    elif defect == "label too wide":
        label = next(e["box"] for e in patch["patcher"]["boxes"] if e["box"].get("text") == "Velocity")
        label["text"] = "Velocity (fixed)"
    elif defect == "long status":
        statuses = ["connected · cat-mel_2bar_small (Apache-2.0; trained only on music21's public-domain folk "
                    "collections (no Essen): output is free for commercial use) · CPU · 1 ms — clip B ready (2 bars)"]
    else:
        texts = {"metro": "metro 5 @active 1", "udpreceive": "udpreceive 0", "fixed port": "udpreceive 9800 @defer 1"}
        old = {"metro": "qmetro 5 @active 1"}.get(defect, "udpreceive 0 @defer 1")
        b = next(e["box"] for e in patch["patcher"]["boxes"] if e["box"].get("text") == old)
        b["text"] = texts[defect]
    found = lint_problems(patch, statuses)
    assert any(expected in problem for problem in found), found


def test_patch_lint_catches_a_caption_that_overflows_or_names_no_box():
    """A text the device's code writes wider than its box, or to a box the patch does not have."""
    patch = json.loads((MAXPATCH / "Segue.maxpat").read_text(encoding="utf-8"))
    assert lint_problems(patch, [], {"groove_why_0": ["fits"], "weak_note_density": ["\u2248 weak"]}) == []
    found = lint_problems(patch, [], {"weak_note_density": ["\u2248 weak: moves loosely"], "groove_why": ["x"]})
    assert any("overflows weak_note_density" in x for x in found) and any("'groove_why': no such box" in x
                                                                          for x in found), found


def test_patch_lint_catches_a_late_answer_in_a_midi_tool():
    """A [deferlow] between [v8] and [live.miditool.out] (an answer sent later) is reported."""
    patch = json.loads((MAXPATCH / "SegueTransform.maxpat").read_text(encoding="utf-8"))
    assert apply_cycle_problems(patch) == []
    p = patch["patcher"]
    ids = {e["box"].get("text"): e["box"]["id"] for e in p["boxes"]}
    v8, tool_out = ids["v8 segue_tool.js transform @embed 1"], ids["live.miditool.out"]
    p["boxes"].append({"box": {"id": "obj-late", "maxclass": "newobj", "text": "deferlow", "numinlets": 1,
                               "numoutlets": 1, "outlettype": [""], "patching_rect": [0, 0, 60, 22]}})
    p["lines"] = [e for e in p["lines"] if e["patchline"]["destination"][0] != tool_out]
    p["lines"] += [{"patchline": {"source": [v8, 0], "destination": ["obj-late", 0]}},
                   {"patchline": {"source": ["obj-late", 0], "destination": [tool_out, 0]}}]
    assert any("[deferlow] on the apply pass to [live.miditool.out]" in x for x in lint_problems(patch)), \
        lint_problems(patch)


@pytest.mark.parametrize("device", build.DEVICES, ids=lambda d: d.built)
def test_built_amxd_chunks_and_self_containment(tmp_path, device):
    target = build.build(tmp_path)[device.source]
    assert target.name == device.built
    data = target.read_bytes()
    chunks = build.read_amxd(data)
    assert [tag for tag, _ in chunks] == ["ampf", "meta", "ptch"]
    assert chunks[0][1] == device.type
    assert len(chunks[1][1]) == 4
    ptch = chunks[2][1]
    assert ptch.endswith(b"\n\x00")
    patch = json.loads(ptch[:-1].decode("utf-8"))
    p = patch["patcher"]
    assert p["minimum_live_version"] == "12.2"
    # the type tag read big-endian: b"mmmm" 1835887981; a Transformation saved by Max carries 1851880564 (natt)
    assert p["project"]["amxdtype"] == int.from_bytes(device.type, "big")
    assert {b"mmmm": 1835887981, b"natt": 1851880564, b"nagg": 1851877223}[device.type] == p["project"]["amxdtype"]
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
    modules = ("notes", "messages", "schedule", "live", "link", "device") if device.kind is None else \
        ("notes", "messages", "live", "link", "tool")
    for module in modules:
        assert f'__segue_modules["./{module}"]' in code
    if device.kind:
        assert f'var __segue_kind = "{device.kind}";' in code and '__segue_modules["./schedule"]' not in code
    v8["textfile"]["text"] = ""
    assert device.main not in json.dumps(patch), "outside its embedded code the device names no script file"
    # the same build twice gives the same bytes (diffable, reproducible)
    assert build.build(tmp_path / "again")[device.source].read_bytes() == data


@pytest.mark.parametrize("source", ["SegueTransform.maxpat", "SegueGenerate.maxpat"])
def test_midi_tool_patches_are_wired_for_the_apply_cycle(source):
    """[live.miditool.in]'s notes reach [v8] inlet 0 and its context inlet 1; [v8] answers into
    [live.miditool.out]; a result's pass goes [v8] -> [deferlow] -> [t b reapplying] -> [live.miditool.in]
    (the v8 told first); the link to the engine as the streaming device has it; every control a parameter."""
    patch = json.loads((MAXPATCH / source).read_text(encoding="utf-8"))
    p = patch["patcher"]
    boxes = [e["box"] for e in p["boxes"]]
    by_text = {b.get("text"): b["id"] for b in boxes if b.get("text")}
    lines = {(e["patchline"]["source"][0], e["patchline"]["source"][1], e["patchline"]["destination"][0],
              e["patchline"]["destination"][1]) for e in p["lines"]}
    kind = KINDS[source]
    v8 = by_text[f"v8 segue_tool.js {kind} @embed 1"]
    tin, tout = by_text["live.miditool.in"], by_text["live.miditool.out"]
    again = by_text["t b reapplying"]
    assert {(tin, 0, v8, 0), (tin, 1, v8, 1), (v8, 0, tout, 0), (v8, 4, by_text["deferlow"], 0),
            (by_text["deferlow"], 0, again, 0), (again, 1, v8, 0), (again, 0, tin, 0)} <= lines
    assert {(v8, 1, by_text["udpsend 127.0.0.1 9797"], 0), (v8, 2, by_text["udpreceive 0 @defer 1"], 0),
            (by_text["udpreceive 0 @defer 1"], 0, v8, 0), (v8, 3, by_text["udpsend 127.0.0.1 9800"], 0),
            (by_text["live.thisdevice"], 0, v8, 0), (v8, 5, by_text["pattr instance @parameter_enable 1"], 0)} <= lines
    status = [b["id"] for b in boxes if str(b.get("varname", "")).startswith("status")]
    assert {(v8, 6 + k, status[k], 0) for k in range(3)} <= lines
    names = {b["saved_attribute_attributes"]["valueof"]["parameter_longname"] for b in boxes
             if b["maxclass"].startswith("live.")}
    wanted = {"transform": {"Mode", "Density", "Diatonic", "Interval", "Sync 16th", "Sync 8th", "Amount", "Temperature",
                            "Seed", "Target Track", "Target Scene"},
              "generate": {"Mode", "Bars", "Temperature", "Seed", "A Track", "A Scene", "B Track", "B Scene", "Step",
                           "Steps"}}[kind]
    assert names == wanted
    modes = next(b for b in boxes if b.get("varname") == "mode")["saved_attribute_attributes"]["valueof"]
    assert modes["parameter_enum"] == {"transform": ["Shift", "Morph", "Vary"], "generate": ["Sample", "Between"]}[kind]
    for b in boxes:
        if b.get("presentation"):
            x, y, w, h = b["presentation_rect"]
            assert y + h <= p["openrect"][3] and x + w <= p["devicewidth"], b["id"]


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
        r = subprocess.run([node, str(MAXPATCH / "test" / "e2e_engine.js"), str(port), str(_reply_ports())],
                           capture_output=True, text=True, timeout=150, cwd=ROOT)
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


def _reply_ports(count: int = 100) -> int:
    """A first reply port with ``count`` free ports after it (other test runs may hold 9800 up)."""
    for _ in range(50):
        base = random.randrange(20000, 40000, 100)
        socks = []
        try:
            for port in (base, base + count // 2, base + count - 1):
                sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise RuntimeError("no free range of reply ports")


def _free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scenario(node: str, name: str, engine_port: int, timeout: float = 120) -> dict:
    r = subprocess.run([node, str(MAXPATCH / "test" / "e2e_scenarios.js"), name, str(engine_port),
                        str(_reply_ports())], capture_output=True, text=True, timeout=timeout, cwd=ROOT)
    assert r.returncode == 0, r.stdout[-4000:] + r.stderr[-2000:]
    return json.loads(r.stdout.strip().splitlines()[-1])


def test_end_to_end_engine_restart_reconnects_and_uploads_again(require_tool, running_engine, tiny_model, tmp_path):
    """The restarted engine (same state folder) answers the device's keep-alive with "no session" on
    its reply port: it says hello again at once instead of waiting for its loss timeout."""
    node = require_tool("node")
    model = tiny_model()
    with running_engine(model, state_dir=tmp_path) as engine:
        port = engine.address[1]
        proc = subprocess.Popen([node, str(MAXPATCH / "test" / "e2e_restart.js"), str(port), str(_reply_ports())],
                                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                cwd=ROOT)
        try:
            first = proc.stdout.readline()
            assert json.loads(first) == {"ready": True}, first + proc.stderr.read()
        except BaseException:
            proc.kill()
            raise
    with running_engine(model, state_dir=tmp_path, port=port):  # a fresh engine: no sessions, no clips
        out, err = proc.communicate("restarted\n", timeout=90)
    assert proc.returncode == 0, out[-3000:] + err[-2000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert result["state"] == "connected" and result["instance_kept"]
    assert "reconnected" in result["events"] and "lost" not in result["events"]
    assert result["reconnectedMs"] < 3500, "within the keep-alive, not after the loss timeout"
    assert result["clips"][:4] == ["A", "B", "Segue A→B 1/2", "Segue A→B 2/2"]


def test_end_to_end_two_devices_restored_from_one_store(require_tool, running_engine, tiny_model):
    """#1: a duplicated device (one store, one Max) takes a new id at once; a copy in another Max
    (another Live with the set open) is refused by the engine, waits, then takes a new id. Nobody
    loses its session, nobody says hello twice."""
    node = require_tool("node")
    with running_engine(tiny_model()) as engine:
        out = _scenario(node, "duplicates", engine.address[1])
    one, two, three = out["devices"]
    assert one["instance"] == "segue-0123456789ab", "the first keeps its id"
    assert len({one["instance"], two["instance"], three["instance"]}) == 3
    assert out["copy_saved"] == two["instance"] and out["elsewhere_saved"] == three["instance"]
    assert [d["state"] for d in out["devices"]] == ["connected"] * 3
    assert [d["hellos"] for d in out["devices"]] == [1, 1, 1] and [d["lost"] for d in out["devices"]] == [0, 0, 0]
    assert (one["in_use"], two["in_use"], three["in_use"]) == (0, 0, 4)
    assert "duplicate" in two["events"]


def test_end_to_end_play_from_stopped_plays_the_downbeat(require_tool, running_engine, tiny_model):
    """#4: stopped at bar 1, the engine primes bars 0 and 1; at Play the device plays bar 0 from its
    first tick: the note on beat 1 is heard, on time, and every other note of the bar too."""
    node = require_tool("node")
    with running_engine(tiny_model()) as engine:
        out = _scenario(node, "play", engine.address[1])
    assert out["played_version"] == out["version"], "the primed bar is the one played"
    ms = out["ms_per_beat"]
    bar0 = [(p, start) for p, start in out["bar0"]]
    assert bar0 and bar0[0][1] == 0, f"the engine's bar 0 has a note on beat 1: {bar0}"
    heard = out["ons_ms"]
    for pitch, start in bar0:
        near = [t for p, t in heard if p == pitch and abs(t - start * ms) <= 30]
        assert near, f"note {pitch} at beat {start} of bar 1 was not heard on time: {heard[:20]}"
    first = min(t for p, t in heard)
    assert first <= 30, f"the downbeat sounded {first:.0f} ms after Play"


def test_end_to_end_three_devices_and_an_engine_started_late(require_tool, running_engine, tiny_model):
    """#6: three devices up, the engine down for 30 s, then started: all connect within 2 s of it,
    none moved its reply port, none marked one bad."""
    node = require_tool("node")
    engine_port = _free_udp_port()
    proc = subprocess.Popen([node, str(MAXPATCH / "test" / "e2e_scenarios.js"), "late", str(engine_port),
                             str(_reply_ports())], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, cwd=ROOT)
    try:
        first = proc.stdout.readline()
        assert json.loads(first) == {"ready": True}, first + proc.stderr.read()
        time.sleep(30)
        with running_engine(tiny_model(), port=engine_port):
            out, err = proc.communicate("up\n", timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, out[-3000:] + err[-2000:]
    result = json.loads(out.strip().splitlines()[-1])
    assert all(ms < 2000 for ms in result["connected_ms"]), result["connected_ms"]
    assert result["bad"] == {} and result["listens"] == [0, 0, 0]
    assert len(set(result["ports"])) == 3


def test_end_to_end_the_xy_pad(require_tool, running_engine, tiny_model):
    """The XY pad: C and D are read only while it is on; on, the engine gets the four corners and the
    puck, and on corner D the bars are clip D itself; off, four empty names and the morph knob's A."""
    node = require_tool("node")
    with running_engine(tiny_model()) as engine:
        out = _scenario(node, "pad", engine.address[1])
    assert out["off_encoded"] == ["A", "B"], "C and D are read only while the pad is on"
    slots = [r[2:] for r in out["replies"] if r[0] == "/segue/xy/slots"]
    # at hello the pad's state is said (off: a resumed session's pad is turned off), then on, then off
    assert slots == [["", "", "", ""], ["A", "B", "C", "D"], ["", "", "", ""]]
    assert [r[2:4] for r in out["replies"] if r[0] == "/segue/xy/set"][-1] == [1.0, 1.0]
    assert out["at_d"] == out["corner"], "on corner D: clip D itself"
    assert out["at_a"] == out["clip_a"], "the pad off, morph 0: clip A itself"


def test_end_to_end_groove_drumify_and_chords_per_model(require_tool, running_engine, tiny_model, tool_models):
    """The device against the real engine and tests/conftest.py's tool_models: each model greys out what
    it cannot do, with the engine's reason; Groove (humanize model) and Drumify (tap model) each write a
    new clip into an empty slot of the device's track and leave every source clip as it was; chords typed,
    refused and read from a clip, shown as the engine read them; a calibrated model's weak knob marked."""
    from segue.bridge.addresses import ATTRIBUTE_KNOBS, WEAK_KNOB

    node = require_tool("node")
    with running_engine(tiny_model(), models_dir=tool_models) as engine:
        out = _scenario(node, "tools", engine.address[1], timeout=180)
    m = out["models"]
    grey = {name: {box: attrs.get("active", attrs.get("readonly")) for box, attrs in s["boxes"].items()
                   if "active" in attrs or "readonly" in attrs} for name, s in m.items()}
    # the default (a melody model): Groove, Drumify and chords greyed out, with the engine's reasons
    assert set(m["default"]["unavailable"]) >= {"groove", "drumify", "chords"}
    assert (grey["default"]["groove_clip"], grey["default"]["drumify_clip"], grey["default"]["chords_clip"],
            grey["default"]["chords"]) == (0, 0, 0, 1)
    assert m["default"]["boxes"]["groove_clip"]["annotation"].startswith("Groove needs a GrooVAE humanize model")
    assert m["default"]["boxes"]["caps"]["set"] == "Model can: morphs and samples"
    caption = " ".join(m["default"]["boxes"][f"groove_why_{k}"]["set"] for k in range(3)).strip()
    assert caption == ("default (cat-mel_2bar_small) grooves nothing: Groove and Drumify need a GrooVAE model (segue "
                       "models pull groovae_2bar_humanize, tap2drum_2bar)")
    assert m["default"]["pressed"]["ok"] is False and "Groove needs" in m["default"]["pressed"]["message"]
    # grooveh: Groove open; Drumify, chords and the five attribute dials (no vectors) greyed
    assert m["grooveh"]["capabilities"] == ["groove", "velocity", "timing"]
    assert grey["grooveh"]["groove_clip"] == 1 and grey["grooveh"]["drumify_clip"] == 0
    assert [grey["grooveh"][d] for d in ("density", "diatonic", "interval", "sync_16th", "sync_8th")] == [0] * 5
    assert set(m["grooveh"]["unavailable"]) == {"drumify", "chords", *ATTRIBUTE_KNOBS}
    assert "Drumify needs a GrooVAE tap model" in out["drumify_refused"]
    assert grey["groovet"]["drumify_clip"] == 1 and grey["groovet"]["groove_clip"] == 0
    assert (grey["chordmel"]["chords"], grey["chordmel"]["chords_clip"], grey["chordmel"]["groove_clip"]) == (0, 1, 0)
    assert m["calibrated"]["boxes"]["weak_average_interval"]["set"] == "≈ weak"
    assert m["calibrated"]["boxes"]["weak_note_density"]["set"] == ""
    assert m["calibrated"]["boxes"]["interval"]["annotation"] == f"Interval ≈ weak: {WEAK_KNOB}"
    assert (grey["back"]["groove_clip"], grey["back"]["chords"]) == (0, 1)
    # Groove and Drumify: new clips in the empty slots of the device's track; no source changed
    assert out["after"] == out["before"], "the source clips are untouched"
    drums = out["clips"][0]
    assert drums[0]["name"] == "Beat"
    grooved, drumified = drums[1], drums[2]
    assert grooved["name"] == "Segue grooved Beat" and drumified["name"] == "Segue drumified Taps"
    assert grooved["length"] == 8 and grooved["notes"]
    assert len({n[3] for n in grooved["notes"]}) > 2, "the model's velocities"
    assert any(abs(n[1] * 4 - round(n[1] * 4)) > 0.01 for n in grooved["notes"]), "the model's timing, off the grid"
    assert drumified["notes"] and all(n[0] in range(35, 82) for n in drumified["notes"])
    assert all(c is None for c in drums[3:]) and out["clips"][1][2:] == [None] * 4
    creates = [path for what, path in out["writes"] if what == "create_clip"]
    assert creates == ["live_set tracks 0 clip_slots 1", "live_set tracks 0 clip_slots 2"]
    # chords on the chord model: as read, an error, read off the harmony clip
    typed, refused, read = out["chords"]
    assert (typed["text"], typed["field"], typed["caption"]) == ("C G Am F", "C G Am F", "as read: C G Am F")
    assert "no root" in refused["error"] and refused["caption"].startswith("chord 'Hm'")
    assert (read["text"], read["caption"], read["error"]) == ("Am G", "as read: Am G", None)
    assert out["device"]["lost"] == 0


def test_the_device_says_what_the_panel_says(require_tool):
    """The few words of its own the device shows beside the engine's reasons (device.js SAY) are the
    panel's (engine/panel/static/panel.js), word for word."""
    r = subprocess.run([require_tool("node"), "-e", 'console.log(JSON.stringify(require("./maxpatch/js/device").SAY))'],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    panel = (ROOT / "engine" / "panel" / "static" / "panel.js").read_text(encoding="utf-8")
    for key, words in json.loads(r.stdout).items():
        assert words in panel, (key, words)


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
    """#5: bench/bench_device_timing.js runs the device's code against a stale, jittery, bursty song
    position (seeded, no wall clock). The device's clock and drop rule hold the p99 error near zero
    with Max's transport, and within the budget of LiveAPI reads; trusting each reading does not."""
    node = require_tool("node")
    r = subprocess.run([node, str(ROOT / "bench" / "bench_device_timing.js"), "--seconds", "30", "--json"],
                       capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert r.returncode == 0, r.stderr
    rows = {(row["source"].split()[0], row["how"]): row for row in json.loads(r.stdout)["rows"]}
    device, naive = rows[("Max", "device")], rows[("Max", "trusting each reading")]
    assert device["notes"] > 200 and device["played"] + device["dropped"] >= device["notes"]
    assert device["p99"] < 2 < 50 < naive["p99"]
    assert device["opsPerSecond"] < 1
    polled = rows[("Live", "device")]
    assert polled["p99"] < 15 and polled["opsPerSecond"] < 200
