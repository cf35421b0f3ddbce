"""The OSC bridge: exact bytes on the wire, every request checked against the address table, note
lists chunked within the payload budget, and docs/osc.md generated from the table."""

from __future__ import annotations

import math
import struct
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
from pythonosc.osc_message_builder import OscMessageBuilder

from segue.bridge import addresses, osc
from segue.bridge.addresses import BY_PATH, KNOBS, MAX_CHUNK_BYTES, REQUESTS, TABLE, Arg
from segue.bridge.osc import AddressError, ParseError, Request, check, message, note_chunks, parse_packet
from segue.models.notes import Note

ROOT = Path(__file__).resolve().parents[2]


# --- golden bytes -------------------------------------------------------------------------------
def test_golden_ping():
    assert message("/segue/ping", 1) == b"/segue/ping\x00,i\x00\x00\x00\x00\x00\x01"


def test_golden_int_and_float():
    assert message("/segue/knob/set/morph", 7, 0.5) == (
        b"/segue/knob/set/morph\x00\x00\x00" b",if\x00" b"\x00\x00\x00\x07" b"\x3f\x00\x00\x00")


def test_golden_strings_are_padded():
    assert message("/segue/hello", 1, "ab", 9000) == (
        b"/segue/hello\x00\x00\x00\x00" b",isi\x00\x00\x00\x00" b"\x00\x00\x00\x01" b"ab\x00\x00"
        b"\x00\x00\x23\x28")
    # a string of exactly 4 bytes still needs its NUL: 8 bytes
    assert message("/segue/error", -1, "abcd", "")[-12:] == b"abcd\x00\x00\x00\x00" b"\x00\x00\x00\x00"


def test_golden_no_args():
    assert message("/segue/x") == b"/segue/x\x00\x00\x00\x00,\x00\x00\x00"


def test_parse_packet_round_trip_and_bundles():
    assert parse_packet(message("/segue/ping", 3)) == [("/segue/ping", [3])]
    b = OscBundleBuilder(IMMEDIATELY)
    for k in range(3):
        m = OscMessageBuilder("/segue/ping")
        m.add_arg(k)
        b.add_content(m.build())
    assert parse_packet(b.build().dgram) == [("/segue/ping", [0]), ("/segue/ping", [1]), ("/segue/ping", [2])]


@pytest.mark.parametrize("data", [b"", b"\x00" * 8, b"/segue/ping\x00,i\x00\x00\x00", b"garbage!", b"/x\x00"])
def test_parse_packet_rejects_junk(data):
    with pytest.raises(ParseError):
        parse_packet(data)


# --- check() against the table --------------------------------------------------------------------
def example(arg: Arg):
    """A valid value for an argument: inside its range, of its type."""
    if arg.type == "s":
        return "minor" if arg.name == "value" else ("notes" if arg.name == "kind" else "A")
    lo = arg.lo if arg.lo is not None else 0
    hi = arg.hi if arg.hi is not None else lo + 10
    mid = lo + (hi - lo) / 2
    return int(mid) if arg.type == "i" else float(mid)


def valid_params(entry) -> list:
    params = [example(x) for x in entry.fixed]
    if entry.repeating:
        params += [60, 0.0, 0.5, 100]
    return params


def wrong_types(arg: Arg) -> list:
    return {"i": ["x", 1.5, True, None, b"blob"], "f": ["x", False, None], "s": [1, 2.5, True, None]}[arg.type]


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_check_accepts_valid_examples(path):
    entry = REQUESTS[path]
    params = valid_params(entry)
    request = check(path, params)
    assert isinstance(request, Request)
    assert request.address == path and request.rid == params[0]
    assert request.args == params[1 : len(entry.fixed)]
    if entry.repeating:
        assert request.notes == [Note(60, 0.0, 0.5, 100)]
    else:
        assert request.notes == []


def numeric_args(entry) -> list:
    """(index, Arg) of each fixed numeric argument of ``entry``."""
    return [(k, arg) for k, arg in enumerate(entry.fixed) if arg.type != "s"]


def params_with(entry, k: int, arg, value) -> list:
    """Valid parameters for ``entry`` with argument ``k`` set to ``value`` as the argument's type."""
    params = valid_params(entry)
    params[k] = int(value) if arg.type == "i" else float(value)
    return params


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_check_accepts_range_ends(path):
    entry = REQUESTS[path]
    for k, arg in numeric_args(entry):
        for end in (arg.lo, arg.hi):
            if end is not None:
                check(path, params_with(entry, k, arg, end))


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_check_rejects_wrong_types(path):
    entry = REQUESTS[path]
    for k, arg in enumerate(entry.fixed):
        for bad in wrong_types(arg):
            params = valid_params(entry)
            params[k] = bad
            with pytest.raises(AddressError) as err:
                check(path, params)
            assert arg.name in str(err.value)
            assert err.value.address == path
            # the rid is echoed whenever it could be read
            assert err.value.rid == (params[0] if k else -1)


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_check_rejects_too_few_and_too_many(path):
    entry = REQUESTS[path]
    params = valid_params(entry)
    required = [x for x in entry.fixed if not x.optional]
    with pytest.raises(AddressError, match="arguments"):
        check(path, params[: len(required) - 1])
    with pytest.raises(AddressError):
        check(path, [])
    if entry.repeating:
        with pytest.raises(AddressError, match="groups of 4"):
            check(path, params + [1])
    else:
        with pytest.raises(AddressError, match="arguments"):
            check(path, params + [1])
    optional = [x for x in entry.fixed if x.optional]
    if optional:  # the optional arguments may be left out
        check(path, params[: len(required)])


@pytest.mark.parametrize("path", sorted(REQUESTS))
def test_check_rejects_out_of_range_nan_and_inf(path):
    entry = REQUESTS[path]
    for k, arg in numeric_args(entry):
        bads = []
        if arg.lo is not None:
            bads.append(arg.lo - 1)
        if arg.hi is not None:
            bads.append(arg.hi + 1)
        if arg.type == "f":
            bads += [math.nan, math.inf, -math.inf]
        for bad in bads:
            with pytest.raises(AddressError) as err:
                check(path, params_with(entry, k, arg, bad))
            assert arg.name in str(err.value)


def test_every_knob_has_an_address():
    for name, arg in KNOBS.items():
        entry = BY_PATH[f"/segue/knob/set/{name}"]
        assert entry.kind == "request" and entry.args[1] is arg


@pytest.mark.parametrize("address", ["/segue/nope", "/ping", "segue/ping", "", "/segue/bar/begin", "/segue/error"])
def test_check_rejects_unknown_addresses_and_pushes(address):
    with pytest.raises(AddressError, match="unknown address") as err:
        check(address, [4])
    assert err.value.rid == 4


def test_unknown_address_hint():
    with pytest.raises(AddressError, match="start with /segue/"):
        check("/ping", [1])


def test_pushes_and_requests_partition_the_table():
    assert set(REQUESTS) | {e.path for e in TABLE if e.kind == "push"} == set(BY_PATH)
    assert len(BY_PATH) == len(TABLE)  # no address twice
    for e in TABLE:
        if e.kind == "request":
            assert e.args[0] is addresses.RID


# --- note groups ----------------------------------------------------------------------------------
def test_note_groups_become_notes():
    r = check("/segue/clip/notes", [9, "c", 0, 60, 0.0, 0.5, 100, 62, 1.25, 0.25, 1])
    assert r.args == ["c", 0]
    assert r.notes == [Note(60, 0.0, 0.5, 100), Note(62, 1.25, 0.25, 1)]


def test_empty_note_chunk_is_fine():
    assert check("/segue/clip/notes", [9, "c", 3]).notes == []


@pytest.mark.parametrize("group, words", [
    ([128, 0.0, 0.5, 100], "note 1: pitch"),
    ([-1, 0.0, 0.5, 100], "note 1: pitch"),
    ([60, -0.5, 0.5, 100], "note 1: start"),
    ([60, 0.0, 0.0, 100], "note 1: duration must be > 0"),
    ([60, 0.0, math.nan, 100], "note 1: duration"),
    ([60, math.inf, 0.5, 100], "note 1: start"),
    ([60, 0.0, 0.5, 0], "note 1: velocity"),
    ([60, 0.0, 0.5, 128], "note 1: velocity"),
    ([60.5, 0.0, 0.5, 100], "note 1: pitch must be an int"),
    (["60", 0.0, 0.5, 100], "note 1: pitch"),
    ([60, "0", 0.5, 100], "note 1: start"),
])
def test_bad_note_values(group, words):
    with pytest.raises(AddressError, match=words):
        check("/segue/clip/notes", [9, "c", 0, 60, 0.0, 0.5, 100, *group])


def test_whole_number_floats_count_as_ints():
    """Max may type a whole number as a float: an int argument takes 2.0 as 2, never 2.5."""
    r = check("/segue/hello", [7.0, "inst", 9800.0, 1400.0])
    assert r.rid == 7 and r.args == ["inst", 9800, 1400] and all(type(v) is int for v in r.args[1:])
    r = check("/segue/clip/notes", [1, "c", 0.0, 60.0, 0.0, 0.5, 100.0])
    assert r.args == ["c", 0] and r.notes == [Note(60, 0.0, 0.5, 100)] and type(r.notes[0].pitch) is int
    with pytest.raises(AddressError, match="reply_port must be an int"):
        check("/segue/hello", [7, "inst", 9800.5])
    with pytest.raises(AddressError, match="must be a finite number|must be an int"):
        check("/segue/hello", [7, "inst", math.nan])
    assert "whole value" in addresses.markdown()


def test_notes_in_incomplete_groups():
    for extra in range(1, 4):
        with pytest.raises(AddressError, match="groups of 4"):
            check("/segue/clip/notes", [9, "c", 0, 60, 0.0, 0.5, 100, *[60, 0.0, 0.5][:extra]])


# --- note_chunks ----------------------------------------------------------------------------------
def parse_notes(flat: list) -> list[Note]:
    assert len(flat) % 4 == 0
    return [Note(flat[k], flat[k + 1], flat[k + 2], flat[k + 3]) for k in range(0, len(flat), 4)]


def f32(x: float) -> float:
    return struct.unpack(">f", struct.pack(">f", x))[0]


notes_strategy = st.lists(
    st.builds(Note, st.integers(0, 127), st.integers(0, 4096 * 64).map(lambda k: k / 64),
              st.integers(1, 4096).map(lambda k: k / 32), st.integers(1, 127)),
    max_size=400)

heads = st.sampled_from([("/segue/bar/notes", (3, 7)), ("/segue/render/notes", (12, 0)),
                         ("/segue/bar/notes", (1_000_000, 2**31 - 1)),
                         ("/segue/clip/notes", (5, "a clip with a long name " * 3)),
                         ("/segue/clip/notes", (5, "ünïcødé clip — 音楽" * 4))])  # more bytes than characters


@settings(max_examples=60)
@given(notes=notes_strategy, budget=st.integers(256, MAX_CHUNK_BYTES), head=heads)
def test_note_chunks_fit_budget_and_round_trip(notes, budget, head):
    address, fixed = head
    chunks = list(note_chunks(address, fixed, notes, budget))
    assert chunks, "always at least one chunk"
    got: list[Note] = []
    for seq, chunk in enumerate(chunks):
        assert len(chunk) <= budget
        [(addr, args)] = parse_packet(chunk)
        assert addr == address
        assert tuple(args[: len(fixed)]) == fixed
        assert args[len(fixed)] == seq
        got += parse_notes(args[len(fixed) + 1 :])
    assert got == [Note(n.pitch, f32(n.start), f32(n.duration), n.velocity) for n in notes]
    if len(chunks) > 1:  # chunks are full, not needlessly many
        assert all(len(parse_packet(c)[0][1]) == len(parse_packet(chunks[0])[0][1]) for c in chunks[:-1])


def test_note_chunks_empty_and_exact_sizes():
    [only] = note_chunks("/segue/bar/notes", (0, 1), [], 1400)
    assert parse_packet(only) == [("/segue/bar/notes", [0, 1, 0])]
    notes = [Note(60, k / 4, 0.25, 100) for k in range(1000)]
    for budget in (256, 512, 1400, MAX_CHUNK_BYTES):
        chunks = list(note_chunks("/segue/bar/notes", (0, 1), notes, budget))
        assert max(len(c) for c in chunks) <= budget
        # the budget is used: one more note in a chunk would not fit
        assert max(len(c) for c in chunks) + 20 > budget - 4


@pytest.mark.parametrize("name", ["plain", "ünïcødé clip — 音楽" * 4, "é" * 60], ids=["ascii", "mixed", "accents"])
def test_note_chunks_count_string_bytes_not_characters(name):
    notes = [Note(60, k / 4, 0.25, 100) for k in range(1000)]
    for budget in range(256, 1500, 19):
        chunks = list(note_chunks("/segue/clip/notes", (5, name), notes, budget))
        assert max(len(c) for c in chunks) <= budget, budget


def test_chunked_bars_checked_as_requests_where_shapes_agree():
    """A clip/notes chunk built by note_chunks passes check() unchanged (the client uploads this way)."""
    notes = [Note(60 + k % 12, k / 2, 0.5, 90) for k in range(100)]
    seen = []
    for chunk in note_chunks("/segue/clip/notes", (7, "clip"), notes, 512):
        [(address, params)] = parse_packet(chunk)
        seen += check(address, params).notes
    assert seen == notes


def test_device_and_engine_cut_a_clip_at_the_same_notes(require_tool):
    """The device's noteGroups (messages.js, under Node) and the engine's note_groups split a
    300-note clip at the same indices, for several heads and budgets."""
    import json
    import subprocess

    from segue.bridge.osc import note_groups

    node = require_tool("node")
    notes = [Note(40 + k % 40, k * 0.25, 0.2, 90) for k in range(300)]
    cases = [("/segue/clip/notes", [2147483647, "clip-A"], 1400), ("/segue/clip/notes", [5, "ünïcode clip"], 512),
             ("/segue/bar/notes", [12, 3], 1400), ("/segue/render/notes", [1, 0], 8192),
             ("/segue/clip/notes", [1, "x" * 40], 300)]
    script = ("const m = require(process.argv[1]); const cases = JSON.parse(process.argv[2]);"
              "const list = Array.from({length: 300}, (_, k) => k);"
              "console.log(JSON.stringify(cases.map(c => m.noteGroups(c[0], c[1], list, c[2]).map(g => g.length))));")
    out = subprocess.run([node, "-e", script, str(ROOT / "maxpatch" / "js" / "messages.js"), json.dumps(cases)],
                         capture_output=True, text=True, timeout=60, check=True)
    js = json.loads(out.stdout)
    py = [[len(g) for g in note_groups(address, tuple(head), notes, budget)] for address, head, budget in cases]
    assert js == py
    assert len({tuple(sizes) for sizes in py}) > 1  # the cases do cut differently


def test_plain_host_reads_a_mapped_ipv4_peer_as_ipv4():
    assert osc.plain_host("::ffff:127.0.0.1") == "127.0.0.1"
    assert osc.plain_host("::1") == "::1" and osc.plain_host("10.0.0.2") == "10.0.0.2"
    assert osc.plain_host("::ffff:abcd") == "::ffff:abcd"  # not a dotted address: left as it is


def test_python_oscs_own_log_lines_are_kept_out_once():
    import logging

    root = logging.getLogger()
    before = list(root.filters)
    try:
        osc.quiet_python_osc()
        osc.quiet_python_osc()
        ours = [f for f in root.filters if isinstance(f, osc.NotFromPythonOsc)]
        assert len(ours) == 1

        def record(path):
            return logging.LogRecord("x", logging.WARNING, path, 1, "m", None, None)

        assert not ours[0].filter(record("/site-packages/pythonosc/parsing/osc_types.py"))
        assert ours[0].filter(record("segue/engine/osc_server.py"))
    finally:
        root.filters[:] = before
