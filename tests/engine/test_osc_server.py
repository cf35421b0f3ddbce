"""The resident engine over real UDP on 127.0.0.1: sessions, models, clip uploads, slots, knobs,
transport and bars, renders, errors, fuzzing, load, restarts and who may talk to it.

Every engine here runs a tiny model (hidden size 8) on the CPU on its own event-loop thread.
"""

from __future__ import annotations

import json
import math
import queue
import random
import re
import struct
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from segue.bridge import osc
from segue.bridge.addresses import ATTRIBUTE_KNOBS, KNOBS, REQUESTS
from segue.bridge.client import Bar, EngineClient
from segue.engine.api import EngineConfig
from segue.engine.core import Engine
from segue.engine.osc_server import OscServer
from segue.models.checkpoint import package_version as engine_version
from segue.models.inference import LatentModel
from segue.models.notes import Note

MELODY = [Note(60 + (k * 5) % 12, k * 0.5, 0.5, 100) for k in range(24)]  # 3 bars of eighths
DRUMS = [Note(36 if k % 2 == 0 else 38, k * 1.0, 0.25, 110) for k in range(8)]


# --- helpers --------------------------------------------------------------------------------------
def next_bar(client: EngineClient, pred: Callable[[Bar], bool] = lambda b: True, timeout: float = 5.0) -> Bar:
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        try:
            if remaining <= 0:
                raise queue.Empty
            bar = client.bar_events.get(timeout=remaining)
        except queue.Empty:
            raise AssertionError(f"no matching bar within {timeout} s; got {sorted(client.bars)}") from None
        if pred(bar):
            return bar


def bars_during(client: EngineClient, seconds: float) -> list[Bar]:
    """Every bar completed in the next ``seconds``."""
    out, deadline = [], time.monotonic() + seconds
    while (remaining := deadline - time.monotonic()) > 0:
        try:
            out.append(client.bar_events.get(timeout=remaining))
        except queue.Empty:
            break
    return out


def drain(q: queue.Queue) -> None:
    while True:
        try:
            q.get_nowait()
        except queue.Empty:
            return


def ok(client: EngineClient, address: str, *args, timeout: float = 10.0) -> list:
    reply, values = client.request(address, *args, timeout=timeout)
    assert reply != "/segue/error", values
    return values


def err(client: EngineClient, address: str, *args, timeout: float = 10.0) -> str:
    reply, values = client.request(address, *args, timeout=timeout)
    assert reply == "/segue/error", (reply, values)
    assert values[1] == address
    return values[2]


def session_of(running, instance: str):
    """The engine's session of ``instance``, read on the engine's loop."""
    return running.call(running.engine.session, instance)


def raw_error(client: EngineClient, data: bytes, timeout: float = 5.0) -> str:
    """Send bytes that are no request; the engine answers /segue/error with rid -1."""
    client.send_raw(data)
    reply, values = client.wait_for(-1, timeout)
    assert reply == "/segue/error"
    return values[2]


@pytest.fixture(scope="module")
def model(tiny_model) -> LatentModel:
    return tiny_model()


@pytest.fixture(scope="module")
def dirs(tmp_path_factory, model, tiny_model) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("engine")
    models = root / "models"
    models.mkdir()
    tiny_model(seed=1).save(models / "mel2.safetensors", licence="test licence: mel2")
    return {"root": root, "state": root / "state", "models": models}


@pytest.fixture(scope="module")
def running(model, dirs, running_engine):
    r = running_engine(model, dirs["state"], dirs["models"])
    yield r
    r.close()


@pytest.fixture
def connect(running):
    """Clients of the module's engine, said goodbye to and closed after the test."""
    made: list[EngineClient] = []

    def make(hello: bool = True, on=None, **kw) -> EngineClient:
        client = EngineClient((on or running).port, **kw)
        made.append(client)
        if hello:
            client.hello()
        return client

    yield make
    for client in made:
        try:
            client.send("/segue/goodbye")
        except OSError:
            pass
        client.close()


@pytest.fixture
def client(connect) -> EngineClient:
    return connect()


def play(client: EngineClient, tempo: float = 400.0, beat: float = 0.0) -> float:
    """Start the transport; the monotonic time just before it was sent."""
    t0 = time.monotonic()
    ok(client, "/segue/transport/set", 1, float(tempo), float(beat), 4, 4)
    return t0


def stop(client: EngineClient) -> None:
    ok(client, "/segue/transport/set", 0, 120.0, 0.0, 4, 4)


# --- sessions -------------------------------------------------------------------------------------
def test_hello_ping_goodbye(connect):
    c = connect(hello=False)
    rid, instance, resumed, version, name, device, licence, token = c.hello()
    assert (instance, resumed, version, name, device, licence) == (
        c.instance, 0, engine_version(), "cat-mel_2bar_small", "cpu", "untrained weights")
    assert isinstance(token, int) and 0 <= token < 2**31
    assert rid >= 1
    rid, engine_time = ok(c, "/segue/ping")
    assert isinstance(engine_time, float) and engine_time > 0
    assert ok(c, "/segue/ping")[1] >= engine_time
    ok(c, "/segue/knob/set/seed", 5)  # something made: the session is worth keeping
    assert c.request("/segue/goodbye")[0] == "/segue/goodbye"
    assert ok(c, "/segue/ping")[1] >= engine_time  # a health check answers without a session
    assert c.hello()[2] == 1  # saved at goodbye: resumed
    assert c.hello()[2] == 1  # a live session: resumed


def test_a_hello_and_goodbye_that_made_nothing_leave_no_file(connect, running, dirs, wait_until):
    """10,000 throwaway hellos must not leave 10,000 session files (nor keep 10,000 sessions)."""
    def sessions() -> set:
        return {p for p in dirs["state"].glob("*.json") if re.fullmatch(r"[0-9a-f]{32}\.json", p.name)}

    def save_passes_from_now(n: int) -> bool:
        start = running.call(lambda: running.engine.save_passes)
        return wait_until(lambda: running.call(lambda: running.engine.save_passes) >= start + n, 10)

    assert wait_until(lambda: not running.call(lambda: dict(running.engine.saver.unsaved)), 5)  # earlier tests'
    assert save_passes_from_now(1)  # and the pass that wrote them is over
    before = sessions()
    for _ in range(20):
        c = connect(hello=False)
        c.hello()
        assert c.request("/segue/goodbye")[0] == "/segue/goodbye"
        assert c.hello()[2] == 0  # nothing was kept
        assert c.request("/segue/goodbye")[0] == "/segue/goodbye"
    assert save_passes_from_now(2)  # a whole save pass after the last goodbye
    assert sessions() == before


def test_requests_before_hello_say_no_session(connect):
    c = connect(hello=False)
    for address, args in [("/segue/model/info", ()), ("/segue/knob/set/morph", (0.5,)),
                          ("/segue/transport/set", (1, 120.0, 0.0, 4, 4))]:
        assert "no session" in err(c, address, *args)
    assert ok(c, "/segue/ping")  # the health check needs no session


def test_sessions_are_per_instance(connect, running):
    a, b = connect(), connect()
    ok(a, "/segue/knob/set/morph", 0.75)
    assert session_of(running, a.instance).knobs.morph == 0.75
    assert session_of(running, b.instance).knobs.morph == 0.0


# --- models ---------------------------------------------------------------------------------------
def test_model_info(client):
    assert ok(client, "/segue/model/info")[1:] == ["cat-mel_2bar_small", "melody", 2, 8, 0, "cpu",
                                                   "untrained weights", "default", "", ""]  # no capabilities, none weak


def test_model_info_names_the_weak_knobs_last(client, dirs, tiny_model):
    """/segue/model/info's last field: the attribute knobs the checkpoint's calibration marks weak,
    comma-separated (a calibration row for a name that is no knob is left out)."""
    calibration = {"note_density": {"weak": False}, "average_interval": {"weak": True},
                   "syncopation_8th": {"weak": True}, "not_a_knob": {"weak": True}}
    tiny_model(seed=5).save(dirs["models"] / "calibrated.safetensors", training={"knobs": calibration})
    ok(client, "/segue/model/choose", "calibrated")
    info = ok(client, "/segue/model/info")
    assert len(info) == 11 and info[10] == "average_interval,syncopation_8th"
    ok(client, "/segue/model/choose", "default")
    assert ok(client, "/segue/model/info")[10] == ""


def test_model_unavailable_gives_each_action_the_model_cannot_do_with_its_reason(client, connect, model):
    """The panel's words (engine/api.py unavailable), over OSC: pairs of action and reason; an
    attribute knob the model has no vector for is one too."""
    reply = ok(client, "/segue/model/unavailable")
    reasons = dict(zip(reply[1::2], reply[2::2]))
    assert set(reasons) == {"groove", "drumify", "chords", *(k for k in ATTRIBUTE_KNOBS if k not in model.attributes)}
    assert reasons["groove"] == ("Groove needs a GrooVAE humanize model (segue models pull groovae_2bar_humanize); "
                                 "default (cat-mel_2bar_small) is a melody model")
    assert reasons["drumify"].startswith("Drumify needs a GrooVAE tap model")
    assert reasons["chords"].endswith("a progression already set is kept for one")
    assert "no session" in err(connect(hello=False), "/segue/model/unavailable")


def test_model_list(client):
    names = ok(client, "/segue/model/list")[1:]
    assert names[0] == "default" and "mel2" in names


def test_model_choose(client, dirs, running, tiny_model):
    assert "unknown model" in err(client, "/segue/model/choose", "no-such-model")
    tiny_model(seed=3).save(dirs["models"] / "second.safetensors", licence="test licence: second")
    assert "second" in ok(client, "/segue/model/list")[1:]
    client.upload("m", MELODY, 12.0)
    ok(client, "/segue/slot/encode", "A", "m")
    before = session_of(running, client.instance).slots["A"].mu.clone()
    assert ok(client, "/segue/model/choose", "second")[1:] == ["second"]
    info = ok(client, "/segue/model/info")
    assert info[7:] == ["test licence: second", "second", "", ""]
    s = session_of(running, client.instance)
    assert s.model == "second"
    assert not (s.slots["A"].mu == before).all()  # re-encoded with the new model
    client.send("/segue/bar/request", 3)
    assert next_bar(client, lambda b: b.bar == 3).complete
    assert ok(client, "/segue/model/choose", "default")[1:] == ["default"]
    assert ok(client, "/segue/model/info")[7] == "untrained weights"


def test_model_choose_representation_mismatch(client, dirs, tiny_model):
    tiny_model(seed=0, config="cat-drums_2bar_small").save(dirs["models"] / "drums-tiny.safetensors")
    client.upload("m", MELODY, 12.0)
    ok(client, "/segue/slot/encode", "A", "m")
    message = err(client, "/segue/model/choose", "drums-tiny")
    assert "melodic clip" in message and "drums model" in message
    assert ok(client, "/segue/model/info")[2] == "melody"  # unchanged


def test_model_names_never_leave_the_folder(client, dirs, tiny_model):
    outside = dirs["root"] / "outside.safetensors"
    tiny_model(seed=4).save(outside)
    (dirs["models"] / "bad name.safetensors").write_bytes(outside.read_bytes())
    names = ok(client, "/segue/model/list")[1:]
    assert "bad name" not in names and "outside" not in names
    for name in ["../outside", "..", str(outside.with_suffix("")), "models/../../outside", "./mel2",
                 "mel2/../../outside", ".mel2", "mel2\\..\\..\\outside", "bad name",
                 "~/outside", "x" * 100]:
        assert "unknown model" in err(client, "/segue/model/choose", name), name
    assert ok(client, "/segue/model/info")[7] == "untrained weights"


# --- clips ----------------------------------------------------------------------------------------
def flat(notes: list[Note]) -> list:
    return [v for n in notes for v in (n.pitch, float(n.start), float(n.duration), n.velocity)]


def test_clip_upload_out_of_order_missing_and_duplicate_chunks(client, running):
    notes = MELODY[:6]
    assert ok(client, "/segue/clip/begin", "c", 6, 8.0)[1:] == ["c", -1]
    assert ok(client, "/segue/clip/notes", "c", 2, *flat(notes[4:]))[1:] == ["c", 2]
    assert ok(client, "/segue/clip/notes", "c", 0, *flat(notes[:2]))[1:] == ["c", 0]
    message = err(client, "/segue/clip/end", "c", 3)
    assert "missing chunks [1]" in message
    assert ok(client, "/segue/clip/notes", "c", 1, *flat(notes[2:4]))[1:] == ["c", 1]
    assert "arrived twice" in err(client, "/segue/clip/notes", "c", 0, *flat(notes[:2]))
    assert ok(client, "/segue/clip/end", "c", 3)[1:] == ["c", -2]
    clip = session_of(running, client.instance).clips["c"]
    assert clip.notes == sorted(notes, key=lambda n: (n.start, n.pitch)) and clip.length == 8.0
    assert "no upload" in err(client, "/segue/clip/notes", "c", 0)  # finished: closed


def test_clip_note_count_mismatch_then_fixed(client):
    ok(client, "/segue/clip/begin", "m", 5, 4.0)
    ok(client, "/segue/clip/notes", "m", 0, *flat(MELODY[:4]))
    message = err(client, "/segue/clip/end", "m", 1)
    assert "4 notes arrived" in message and "announced 5" in message
    ok(client, "/segue/clip/notes", "m", 1, *flat(MELODY[4:5]))  # the upload stays open
    assert ok(client, "/segue/clip/end", "m", 2)[1:] == ["m", -2]


def test_clip_upload_errors(client):
    assert "no upload" in err(client, "/segue/clip/notes", "never", 0, *flat(MELODY[:1]))
    assert "no upload" in err(client, "/segue/clip/end", "never", 1)
    ok(client, "/segue/clip/begin", "u", 2, 4.0)
    for seq in range(3):
        ok(client, "/segue/clip/notes", "u", seq, *flat(MELODY[seq : seq + 1]))
    assert "unexpected [2]" in err(client, "/segue/clip/end", "u", 2)
    assert "kind must be notes or drums" in err(client, "/segue/clip/begin", "k", 1, 4.0, "piano")
    assert "note 0: velocity" in err(client, "/segue/clip/notes", "u", 9, 60, 0.0, 0.5, 0)


def test_clip_upload_in_many_small_chunks(connect, running):
    c = connect(chunk_bytes=256)
    notes = [Note(48 + k % 24, k * 0.25, 0.25, 1 + k % 127) for k in range(64)]
    c.upload("long", notes, 16.0)
    assert session_of(running, c.instance).clips["long"].notes == notes
    assert ok(c, "/segue/slot/encode", "A", "long")[1:] == ["A", 2, 4, 0]


# --- slots ----------------------------------------------------------------------------------------
def test_slot_encode_sample_variation(client, running):
    client.upload("m", MELODY, 12.0)
    assert ok(client, "/segue/slot/encode", "A", "m")[1:] == ["A", 2, 3, 1]
    assert ok(client, "/segue/slot/sample", "B", 4)[1:] == ["B", 2, 4, 0]
    assert ok(client, "/segue/slot/sample", "one", 1)[1:] == ["one", 1, 1, 1]
    assert ok(client, "/segue/slot/variation", "C", "A", 0.5)[1:] == ["C", 2, 3, 1]
    s = session_of(running, client.instance)
    assert not (s.slots["C"].mu == s.slots["A"].mu).all()
    ok(client, "/segue/slot/variation", "same", "A", 0.0)
    assert (session_of(running, client.instance).slots["same"].mu == s.slots["A"].mu).all()
    assert "no clip 'nope'" in err(client, "/segue/slot/encode", "A", "nope")
    assert "empty" in err(client, "/segue/slot/variation", "D", "nope", 0.5)
    assert ok(client, "/segue/morph/slots", "A", "C")[1:] == ["A", "C"]


def test_slot_names_may_hold_colons(client):
    ok(client, "/segue/slot/sample", "my:slot", 2)
    assert ok(client, "/segue/slot/variation", "var:of:it", "my:slot", 0.25)[1:] == ["var:of:it", 1, 2, 0]
    assert "empty" in err(client, "/segue/slot/variation", "x", "no:such", 0.25)


def test_drum_clip_into_melody_model_says_why(client):
    client.upload("beat", DRUMS, 8.0, kind="drums")
    message = err(client, "/segue/slot/encode", "A", "beat")
    assert "drum clip" in message and "melody model" in message


def test_empty_clip_says_why(client):
    client.upload("nothing", [], 4.0)
    assert "no melody notes" in err(client, "/segue/slot/encode", "A", "nothing")


# --- knobs ----------------------------------------------------------------------------------------
def knob_values(name: str) -> list:
    arg = KNOBS[name]
    if arg.type == "s":
        return ["minor", "Major", "chromatic"]
    cast = int if arg.type == "i" else float
    return [cast(arg.lo), cast(arg.hi), cast((arg.lo + arg.hi) / 2)]


@pytest.mark.parametrize("name", sorted(KNOBS))
def test_every_knob(client, name):
    address = f"/segue/knob/set/{name}"
    client.upload("m", MELODY, 12.0)
    ok(client, "/segue/slot/encode", "A", "m")
    ok(client, "/segue/knob/set/groove", 0.5)
    last = -1
    for k, value in enumerate(knob_values(name)):
        rid, echoed, version = ok(client, address, value)
        assert echoed == value and version > last
        last = version
        client.send("/segue/bar/request", k)
        bar = next_bar(client, lambda b, k=k, v=version: b.bar == k and b.version >= v)  # not a primed one
        assert bar.version == version
        assert all(0 <= n.pitch <= 127 and 1 <= n.velocity <= 127 and n.duration > 0 for n in bar.notes)
    arg = KNOBS[name]
    if arg.type == "s":
        assert "scale must be one of" in err(client, address, "no-such-scale")
        assert "must be a string" in err(client, address, 3)
    else:
        assert "must be in" in err(client, address, (int if arg.type == "i" else float)(arg.hi + 1))
        assert "must be" in err(client, address, "loud")
    if arg.type == "f":
        assert "finite" in err(client, address, math.nan)


def test_knob_shapes_the_bars(connect):
    c = connect()
    ok(c, "/segue/knob/set/range_low", 60)
    ok(c, "/segue/knob/set/range_high", 71)
    version = ok(c, "/segue/knob/set/velocity", 77)[2]
    for bar in range(4):
        c.send("/segue/bar/request", bar)
        got = next_bar(c, lambda b, bar=bar: b.bar == bar and b.version >= version)
        assert all(60 <= n.pitch <= 71 and n.velocity == 77 for n in got.notes)


# --- transport and bars ---------------------------------------------------------------------------
def test_fast_tempo_streams_bars_ahead_of_the_playhead(client):
    seconds_per_bar = 240.0 / 400.0
    t0 = play(client, 400.0)
    got = bars_during(client, 2.0)
    stop(client)
    firsts: list[Bar] = []
    for b in got:
        if all(f.bar != b.bar for f in firsts):
            firsts.append(b)
    indices = [b.bar for b in firsts]
    assert len(indices) >= 4, indices
    assert indices == sorted(indices) and indices == list(range(indices[0], indices[0] + len(indices)))
    assert indices[0] == 0
    for b in firsts[1:]:  # every bar is there before it starts
        assert b.received_at < t0 + b.bar * seconds_per_bar, (b.bar, b.received_at - t0)
    for b in got:
        assert all(0 <= n.start < 4.0 for n in b.notes)


def test_knob_change_replaces_bars_not_yet_played(client):
    play(client, 20.0, beat=1.0)  # 12 s a bar: bar 0 is playing, bars 1 and 2 are coming
    first = {next_bar(client, lambda b: b.bar in (0, 1, 2)).bar for _ in range(3)}
    assert first == {0, 1, 2}
    old = {bar: entry.version for bar, entry in client.latest_bars().items()}
    rid, value, version = ok(client, "/segue/knob/set/morph", 0.5)
    assert version > max(old.values())
    renewed = {next_bar(client, lambda b: b.version == version).bar for _ in range(2)}
    assert renewed == {1, 2}
    latest = client.latest_bars()
    assert latest[1].version == latest[2].version == version and latest[1].morph == 0.5
    assert latest[0].version == old[0]  # it had started: not replaced
    assert (0, version) not in client.bars
    stop(client)


def test_knob_burst_while_the_worker_is_busy_sends_only_the_newest_version(client, running):
    """Bars never sent yet, queued at three versions while the worker is held: only the newest is
    generated and sent (the older jobs are skipped, not run and thrown away)."""
    next_bar(client, lambda b: b.bar == 1)  # the bars made ready while stopped (version 0)
    bars_during(client, 0.2)
    primed = set(client.bars)
    release = threading.Event()
    blocker = running.engine.worker.submit(float("-inf"), release.wait, 10)
    try:
        play(client, 20.0, beat=1.0)  # bars 0, 1, 2 are queued, the worker is held
        versions = [ok(client, "/segue/knob/set/morph", value)[2] for value in (0.2, 0.4, 0.6)]
    finally:
        release.set()
    blocker.result(timeout=5)
    newest = versions[-1]
    got = {next_bar(client, lambda b: b.bar in (1, 2) and b.version > 0).bar for _ in range(2)}
    assert got == {1, 2}
    bars_during(client, 0.3)  # anything else on its way
    sent = sorted(key for key in client.bars if key[0] in (0, 1, 2) and key not in primed)
    # bar 0 (playing since beat 1) went out while stopped: kept, as any bar that has begun
    assert sent == [(1, newest), (2, newest)]
    stop(client)


def test_loop_keeps_to_its_bars(client):
    ok(client, "/segue/transport/loop", 0.0, 8.0)
    play(client, 400.0)
    got = bars_during(client, 1.8)  # three bars' time: the loop came round
    stop(client)
    assert sorted(b.bar for b in got) == [0, 1]  # each once: looped bars are not sent again


def test_loop_off(client):
    ok(client, "/segue/transport/loop", 8.0, 8.0)
    play(client, 400.0)
    assert next_bar(client, lambda b: b.bar == 3, timeout=5.0)
    stop(client)


def test_seek(client):
    play(client, 400.0)
    next_bar(client, lambda b: b.bar == 1)
    ok(client, "/segue/transport/seek", 400.0)
    for bar in (100, 101, 102):
        next_bar(client, lambda b, bar=bar: b.bar == bar)
    ok(client, "/segue/transport/seek", 0.0)
    assert next_bar(client, lambda b: b.bar == 0).bar == 0  # sent before, generated afresh after the seek
    stop(client)


def test_bar_request(connect):
    c = connect()
    c.send("/segue/bar/request", 7)
    bar = next_bar(c, lambda b: b.bar == 7)
    assert bar.complete and all(0 <= n.start < 4.0 for n in bar.notes)
    c.send("/segue/bar/request", 7)  # asked again: sent again
    again = next_bar(c, lambda b: b.bar == 7)
    assert again is not bar and again.notes == bar.notes
    # a client that asks for small payloads gets the same bar in more chunks
    small = connect(chunk_bytes=256)
    small.send("/segue/bar/request", 7)
    same = next_bar(small, lambda b: b.bar == 7)
    assert same.notes == bar.notes
    want = len(list(osc.note_chunks("/segue/bar/notes", (7, same.version), same.notes, 256)))
    assert same.expected_chunks == want
    assert len(bar.notes) <= 10 or same.expected_chunks > bar.expected_chunks


def test_render(client):
    ok(client, "/segue/slot/sample", "A", 2)
    ok(client, "/segue/knob/set/seed", 5)
    ok(client, "/segue/slot/sample", "B", 2)
    rid = client.send("/segue/render", 3)
    reply, (rid_, steps, bars) = client.wait_for(rid, timeout=20)
    assert (reply, rid_, steps, bars) == ("/segue/render/begin", rid, 3, 2)
    address, values = client.wait_for(rid, timeout=20)
    assert address == "/segue/render/end" and values[0] == rid  # then each step's chunk count
    assert values[1:] == [client.render_chunks[rid][step] for step in range(3)] and all(values[1:])
    assert sorted(client.render[rid]) == [0, 1, 2]
    for notes in client.render[rid].values():
        assert all(0 <= n.start < bars * 4.0 for n in notes)
    assert "steps" in err(client, "/segue/render", 1)


def test_pushes_match_the_address_table(running):
    """Every bar, render and error push a client receives has the arguments the table lists."""
    import socket

    from segue.bridge.addresses import BY_PATH

    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        sock.bind(("127.0.0.1", 0))
        sock.settimeout(5.0)
        port = sock.getsockname()[1]
        target = ("127.0.0.1", running.port)
        sock.sendto(osc.message("/segue/hello", 1, "raw-pushes", port, 256), target)
        [(_, hello)] = osc.parse_packet(sock.recv(65535))
        for data in (osc.message("/segue/hello/confirm", 7, hello[7]),
                     osc.message("/segue/slot/sample", 2, "A", 2), osc.message("/segue/bar/request", 3, 5),
                     osc.message("/segue/render", 4, 2), osc.message("/segue/knob/set/morph", 5, 9.0), b"junk"):
            sock.sendto(data, target)
        seen: dict[str, int] = {}
        while not (seen.get("/segue/render/end") and seen.get("/segue/bar/end") and seen.get("/segue/error") == 2):
            [(address, params)] = osc.parse_packet(sock.recv(65535))
            seen[address] = seen.get(address, 0) + 1
            entry = BY_PATH.get(address)
            if entry is None or entry.kind != "push":
                continue
            fixed, group = entry.fixed, entry.repeating
            assert len(params) == len(fixed) or (group and (len(params) - len(fixed)) % len(group) == 0), params
            for arg, value in zip(fixed, params):
                assert arg.check(value, address) is None, (address, arg.name, value)
            rest = params[len(fixed):]
            for k, value in enumerate(rest):
                assert group[k % len(group)].check(value, address) is None, (address, k, value)
        sock.sendto(osc.message("/segue/goodbye", 6), target)
        assert osc.parse_packet(sock.recv(65535)) == [("/segue/goodbye", [6])]
    finally:
        sock.close()
    for address in ("/segue/bar/begin", "/segue/bar/notes", "/segue/bar/end", "/segue/render/begin",
                    "/segue/render/notes", "/segue/render/end", "/segue/error"):
        assert seen.get(address), (address, seen)
    assert seen["/segue/error"] == 2  # the knob out of range, and the junk


# --- errors ---------------------------------------------------------------------------------------
NAN, INF = math.nan, math.inf


@pytest.mark.parametrize("address, args, words", [
    ("/segue/nope", (), "unknown address"),
    ("/ping", (), "start with /segue/"),
    ("/segue/bar/begin", (1, 1, 1, 1, 0.0, 0.0, 0, 0.0, 0.0, 0.0, 0.0, 0.0), "unknown address"),
    ("/segue/ping", ("extra",), "arguments"),
    ("/segue/slot/sample", ("A",), "arguments"),
    ("/segue/knob/set/morph", ("half",), "must be a float"),
    ("/segue/knob/set/seed", (1.5,), "must be an int"),
    ("/segue/knob/set/morph", (1.5,), "0..1"),
    ("/segue/knob/set/morph", (NAN,), "finite"),
    ("/segue/knob/set/temperature", (INF,), "finite"),
    ("/segue/knob/set/temperature", (-INF,), "finite"),
    ("/segue/slot/sample", ("A", 0), "bars must be in 1..64"),
    ("/segue/transport/set", (1, 500.0, 0.0, 4, 4), "tempo must be in 20..400"),
    ("/segue/transport/set", (1, NAN, 0.0, 4, 4), "finite"),
    ("/segue/transport/set", (1, 120.0, 0.0, 3, 4), "3/4"),
    ("/segue/transport/set", (1, 120.0, 0.0, 6, 8), "6/8"),
    ("/segue/transport/seek", (-1.0,), "beat must be in"),
    ("/segue/clip/notes", ("c", 0, 60, 0.0), "groups of 4"),
    ("/segue/render", (65,), "steps"),
])
def test_bad_requests_answer_an_error(client, address, args, words):
    assert words in err(client, address, *args)
    assert ok(client, "/segue/ping")


def test_meter_error_silences_the_session(client, running):
    play(client, 120.0)
    assert "4/4" in err(client, "/segue/transport/set", 1, 120.0, 0.0, 3, 4)
    assert not session_of(running, client.instance).transport.playing


@pytest.mark.parametrize("data", [
    osc.message("/segue/ping", 5)[:-2],  # truncated
    osc.message("/segue/knob/set/morph", 5, 0.5)[:13],
    b"",
    b"\x00\x01\x02\x03 garbage \xff\xfe",
    b"/segue/ping",  # no padding, no type tags
    b"\xff" + random.Random(1).randbytes(59_999),  # oversized junk
    b"#bundle\x00",  # a bundle without its timetag
])
def test_malformed_packets_answer_an_error(client, data):
    assert "malformed OSC packet" in raw_error(client, data)
    assert ok(client, "/segue/ping")


def test_oversized_message_is_answered(client):
    message = err(client, "/segue/knob/set/scale", "x" * 60_000)
    assert "scale must be one of" in message and len(message) <= 1000
    assert ok(client, "/segue/ping")


def test_wrong_type_request_id_answers_rid_minus_one(client):
    client.send_raw(osc.message("/segue/ping", "not-an-id"))
    reply, values = client.wait_for(-1)
    assert reply == "/segue/error" and "rid must be an int" in values[2]


def test_bundles_are_unpacked(client):
    from pythonosc.osc_bundle_builder import IMMEDIATELY, OscBundleBuilder
    from pythonosc.osc_message_builder import OscMessageBuilder

    bundle = OscBundleBuilder(IMMEDIATELY)
    for rid in (9001, 9002):
        m = OscMessageBuilder("/segue/ping")
        m.add_arg(rid)
        bundle.add_content(m.build())
    client.send_raw(bundle.build().dgram)
    assert client.wait_for(9001)[0] == client.wait_for(9002)[0] == "/segue/pong"


def test_engine_answers_after_all_errors(client):
    for data in (b"", b"\xff" * 1000, osc.message("/segue/nope", 1), osc.message("/segue/ping", 1.5)):
        client.send_raw(data)
    assert ok(client, "/segue/ping")
    assert ok(client, "/segue/model/info")


# --- fuzz -----------------------------------------------------------------------------------------
def _padded(data: bytes) -> bytes:
    return data + b"\x00" * (4 - len(data) % 4)


def raw_message(address: str, *args) -> bytes:
    """OSC bytes built by hand (python-osc's builder refuses some of what a fuzzer should send)."""
    tags, body = ",", b""
    for v in args:
        if v is None or isinstance(v, bool):
            tags += {None: "N", True: "T", False: "F"}[v]
        elif isinstance(v, int):
            tags, body = tags + "i", body + struct.pack(">i", v)
        elif isinstance(v, float):
            tags, body = tags + "f", body + struct.pack(">f", v)
        elif isinstance(v, str):
            tags, body = tags + "s", body + _padded(v.encode())
        else:
            tags, body = tags + "b", body + struct.pack(">i", len(v)) + v + b"\x00" * (-len(v) % 4)
    return _padded(address.encode()) + _padded(tags.encode()) + body


fuzz_text = st.text(st.characters(blacklist_categories=("Cs",)), max_size=12)
osc_values = st.one_of(
    st.integers(-5, 70), st.integers(-(2**31), 2**31 - 1), st.floats(width=32), st.floats(-5.0, 70.0, width=32),
    fuzz_text, st.sampled_from(["A", "B", "m", "default", "minor", "drums", "notes"]),
    st.booleans(), st.none(), st.binary(max_size=8))
fuzz_addresses = st.sampled_from(sorted(set(REQUESTS) - {"/segue/hello", "/segue/goodbye"})
                                 + ["/segue/nope", "/segue", "/", "/segue/bar/begin", "/segue/error"])
osc_messages = st.builds(lambda address, args: raw_message(address, *args), fuzz_addresses,
                         st.lists(osc_values, max_size=8))
CAPS = {"bars": 8, "steps": 6}  # keep the work a fuzzed request can ask for small


def arg_values(arg) -> st.SearchStrategy:
    """Values of the argument's type, mostly in its range, sometimes just outside."""
    if arg.type == "s":
        return st.one_of(st.sampled_from(["A", "B", "m", "x:y", "default", "mel2", "minor", "drums", "notes"]),
                         fuzz_text)
    lo = -1000 if arg.lo is None else arg.lo
    hi = min(1000 if arg.hi is None else arg.hi, lo + CAPS.get(arg.name, 70))
    inside = st.integers(int(lo), int(hi)) if arg.type == "i" else st.floats(lo, hi, width=32)
    if arg.name == "rid":
        return inside
    outside = st.just(float(lo) - 1) if arg.type == "f" else st.just(int(lo) - 1)
    return st.one_of(inside, inside, inside, inside, outside)


@st.composite
def requests(draw) -> bytes:
    """Requests the table could take: the right number of arguments of the right types."""
    path = draw(st.sampled_from(sorted(set(REQUESTS) - {"/segue/hello", "/segue/goodbye"})))
    entry = REQUESTS[path]
    args = [draw(arg_values(a)) for a in entry.fixed if not a.optional or draw(st.booleans())]
    if entry.repeating:
        for _ in range(draw(st.integers(0, 6))):
            args += [draw(arg_values(a)) for a in entry.repeating]
    return raw_message(path, *args)


def raw_bundle(elements: list[bytes], lie: int = 0) -> bytes:
    """An OSC bundle (time tag "now") of raw elements; ``lie`` is added to the last element's size."""
    out = b"#bundle\x00" + struct.pack(">II", 0, 1)
    for k, e in enumerate(elements):
        out += struct.pack(">i", len(e) + (lie if k == len(elements) - 1 else 0)) + e
    return out


odd_tags = st.builds(  # type tags the engine does not take (and some it does), over a random body
    lambda address, tags, body: _padded(address.encode()) + _padded(("," + tags).encode()) + body,
    fuzz_addresses, st.text(st.sampled_from("ifsbTFNIhdtcrm[]S X"), max_size=8), st.binary(max_size=24))
bundles = st.recursive(  # nested (deeper than the engine takes, at times), sizes that lie at times
    st.one_of(osc_messages, requests(), odd_tags),
    lambda inner: st.builds(raw_bundle, st.lists(inner, max_size=3), st.sampled_from([0, 0, 0, 4, -4, 1 << 20])),
    max_leaves=10)
packets = st.one_of(st.binary(max_size=600), osc_messages, osc_messages.map(lambda m: m[: len(m) // 2]),
                    osc_messages.map(lambda m: m + b"\x00\x00\x00"), requests(), requests(), requests(),
                    odd_tags, bundles, bundles)


@pytest.fixture(scope="module")
def fuzz_engine(model, tmp_path_factory, running_engine):
    root = tmp_path_factory.mktemp("fuzz")
    r = running_engine(model, root / "state", root / "models")
    player = EngineClient(r.port)
    fuzzer = EngineClient(r.port)
    try:
        player.hello()
        fuzzer.hello()
        fuzzer.upload("m", MELODY, 12.0)
        play(player, 400.0)
        yield r, player, fuzzer
    finally:
        player.close()
        fuzzer.close()
        r.close()


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(data=packets)
def test_fuzz_packets(fuzz_engine, data):
    _, _, fuzzer = fuzz_engine
    fuzzer.send_raw(data)


def test_fuzz_leaves_the_engine_serving(fuzz_engine):
    """After the fuzz (the test above), the engine answers and the other client's bars flow."""
    r, player, fuzzer = fuzz_engine
    probe = EngineClient(r.port)
    try:
        probe.hello()
        assert ok(probe, "/segue/ping")  # answered after every fuzz packet was read
        errors = []
        while not fuzzer.replies.empty():
            address, values = fuzzer.replies.get_nowait()
            if address == "/segue/error":
                errors.append(values[2])
        bugs = [e for e in errors if "internal error" in e or "could not be generated" in e]
        assert not bugs, bugs
        since = time.monotonic()
        bar = next_bar(player, lambda b: b.received_at > since, timeout=5.0)
        assert bar.complete
    finally:
        probe.close()


# --- load -----------------------------------------------------------------------------------------
def test_eight_clients_play_at_once(connect):
    clients = [connect() for _ in range(8)]
    hellos = {c.instance for c in clients}
    assert len(hellos) == 8
    for k, c in enumerate(clients):
        ok(c, "/segue/transport/set", 0, 400.0, 4000.0 * k, 4, 4)  # stopped at bar 1000k
        ok(c, "/segue/knob/set/seed", k)
    for k, c in enumerate(clients):  # the bars at each stopped playhead are made ready first
        next_bar(c, lambda b, k=k: b.bar == 1000 * k + 1 and b.version >= 1)
        drain(c.bar_events)
    for k, c in enumerate(clients):
        ok(c, "/segue/transport/set", 1, 400.0, 4000.0 * k, 4, 4)  # client k plays bars 1000k ...
    deadline = time.monotonic() + 3.0
    got: dict[int, list[Bar]] = {k: [] for k in range(8)}
    while time.monotonic() < deadline:
        for k, c in enumerate(clients):
            got[k] += bars_during(c, 0.02)
    for c in clients:
        stop(c)
    for k in range(8):
        indices = sorted({b.bar for b in got[k]})
        assert len(indices) >= 4, (k, indices)
        assert all(1000 * k <= i < 1000 * k + 20 for i in indices), (k, indices)  # none of another's
        assert indices == list(range(indices[0], indices[0] + len(indices)))


# --- restart --------------------------------------------------------------------------------------
def test_session_survives_an_engine_restart(model, tmp_path, running_engine, wait_until):
    state, models = tmp_path / "state", tmp_path / "models"
    instance = "live-set/track 1"
    first = running_engine(model, state, models)
    c = EngineClient(first.port, instance=instance)
    try:
        assert c.hello()[2] == 0
        c.upload("m", MELODY, 12.0)
        ok(c, "/segue/slot/encode", "A", "m")
        ok(c, "/segue/knob/set/seed", 9)
        ok(c, "/segue/slot/sample", "B", 2)
        ok(c, "/segue/knob/set/morph", 0.25)
        ok(c, "/segue/knob/set/scale", "dorian")
        c.send("/segue/bar/request", 0)
        before = next_bar(c, lambda b: b.bar == 0)
    finally:
        c.close()
        first.close()
    assert list(state.iterdir())

    second = running_engine(model, state, models)
    c = EngineClient(second.port, instance=instance)
    try:
        assert c.hello()[2] == 1  # resumed
        assert wait_until(lambda: all(slot.mu is not None for slot in session_of(second, instance).slots.values()))
        s = session_of(second, instance)
        assert set(s.slots) == {"A", "B"} and s.slots["A"].bars == 3 and s.slots["B"].bars == 2
        assert s.knobs.morph == 0.25 and s.knobs.seed == 9 and s.knobs.shape.scale == "dorian"
        assert "m" in s.clips
        play(c, 400.0)
        after = next_bar(c, lambda b: b.bar == 1)
        assert after.version > before.version  # newer than anything the client holds from before
        stop(c)
    finally:
        c.close()
        second.close()


# --- who may talk to the engine -------------------------------------------------------------------
@pytest.fixture
def offline_engine(model):
    """An OSC adapter that is not listening: datagram() is called directly with made-up addresses."""
    engine = Engine(EngineConfig(port=0, allow=("10.0.0.7",)), model)
    server = OscServer(engine, allow=("10.0.0.7",))
    sent: list[tuple[tuple[str, int], bytes]] = []
    server.send_to = lambda target, data: sent.append((target, data))
    yield server, sent
    engine.worker.close()
    engine.models.close()


def test_allowed_hosts(model):
    engine = Engine(EngineConfig(port=0, allow=("10.0.0.7",)), model)
    server = OscServer(engine, allow=("10.0.0.7",))
    try:
        for host in ("127.0.0.1", "127.1.2.3", "::1", "10.0.0.7", "::ffff:127.0.0.1", "::ffff:10.0.0.7"):
            assert server.allowed(host), host
        for host in ("10.0.0.8", "192.168.1.20", "0.0.0.0", "128.0.0.1", "::ffff:10.0.0.8", "fe80::1", "",
                     "localhost.evil", "1127.0.0.1"):
            assert not server.allowed(host), host
    finally:
        engine.worker.close()
        engine.models.close()


def test_packets_from_elsewhere_are_dropped(offline_engine):
    server, sent = offline_engine
    hello = osc.message("/segue/hello", 1, "intruder", 9999)
    server.datagram(hello, ("192.168.1.20", 5000))
    server.datagram(b"garbage", ("192.168.1.20", 5000))
    server.datagram(osc.message("/segue/ping", 2), ("8.8.8.8", 53))
    assert sent == [] and server.engine.sessions == {} and server.by_addr == {}
    server.datagram(hello, ("10.0.0.7", 5000))  # allowed by the config
    assert "intruder" in server.engine.sessions and server.clients["intruder"].address == ("10.0.0.7", 9999)
    assert sent and sent[-1][0] == ("10.0.0.7", 9999)
    assert osc.parse_packet(sent[-1][1])[0][0] == "/segue/hello"
    server.datagram(osc.message("/segue/hello", 1, "local", 7777), ("127.0.0.1", 40000))
    assert sent[-1][0] == ("127.0.0.1", 7777)


def test_instance_ids_never_become_paths(connect, running, dirs, wait_until):
    root = dirs["root"]
    before = {p for p in root.rglob("*") if p.is_file()}
    ids = ["../../etc", "../../etc/passwd", "/etc/passwd", "..", "../models/mel2", "a/../../../b",
           "..\\..\\evil", "x" * 900, "con", "../escape.json"]
    for instance in ids:
        c = connect(hello=False, instance=instance)
        assert c.hello()[1] == instance
        ok(c, "/segue/knob/set/morph", 0.5)
        assert c.request("/segue/goodbye")[0] == "/segue/goodbye"  # saved at the next save pass
        assert c.hello()[2] == 1  # and read back by its id
        assert c.request("/segue/goodbye")[0] == "/segue/goodbye"
    state = dirs["state"]
    files = {running.engine.store.path(i).name for i in ids}
    assert wait_until(lambda: files <= {p.name for p in state.glob("*.json")}, 5)
    after = {p for p in root.rglob("*") if p.is_file()}
    new = after - before
    assert new and all(p.parent == dirs["state"] for p in new), sorted(new)
    assert all(re.fullmatch(r"[0-9a-f]{32}\.json(\.partial)?", p.name) for p in new), sorted(new)
    assert not (root.parent / "escape.json").exists() and not (root / "b").exists()


# --- hostile clients: nothing one client sends starves others, floods the log or grows memory -------
def _nested(inner: bytes, depth: int) -> bytes:
    for _ in range(depth):
        inner = b"#bundle\x00" + b"\x00" * 8 + len(inner).to_bytes(4, "big") + inner
    return inner


def _unknown_tags(count: int) -> bytes:
    data = b"/segue/ping\x00" + b"," + b"x" * count + b"\x00"
    return data + b"\x00" * (-len(data) % 4)


def test_malformed_packets_cost_one_log_line_per_source_and_answer_each(offline_engine, caplog):
    """python-osc would log a line per unknown type tag (1 MB for one 64 KB packet): the engine
    refuses the packet before that, answers it, and logs at most once per 10 s per source."""
    server, sent = offline_engine
    caplog.set_level("DEBUG")
    for _ in range(50):
        server.datagram(_unknown_tags(64_000), ("127.0.0.1", 5000))
    records = [r for r in caplog.records if r.levelno >= 20]
    assert len(records) == 1 and "unsupported OSC type tag 'x'" in records[0].getMessage()
    assert sum(len(r.getMessage()) for r in caplog.records) < 500
    assert len(sent) == 50 and all(osc.parse_packet(d)[0][0] == "/segue/error" for _, d in sent)


def test_deeply_nested_bundles_get_an_error_not_a_traceback(offline_engine, caplog):
    server, sent = offline_engine
    hello = osc.message("/segue/ping", 3)
    server.datagram(_nested(hello, 3), ("127.0.0.1", 5000))
    assert osc.parse_packet(sent[-1][1])[0][0] == "/segue/pong"  # a little nesting is fine
    for _ in range(20):
        server.datagram(_nested(hello, 5000), ("127.0.0.1", 5000))
    errors = [osc.parse_packet(d)[0][1] for _, d in sent[1:]]
    assert len(errors) == 20 and all("nested more than" in e[2] for e in errors)
    assert not [r for r in caplog.records if r.exc_info]


def test_a_flood_of_bar_requests_makes_no_other_clients_bar_late(model, running_engine, monkeypatch):
    """One client asks for bars 100 times a second, each time with a new seed (so nothing is
    cached), on a worker slowed to 15 ms a bar: the four clients playing beside it get every bar
    before it starts, and the flooder is told to wait once its requests pile up."""
    from segue.engine import generate

    real = generate.bar_notes
    monkeypatch.setattr(generate, "bar_notes", lambda *a: (time.sleep(0.015), real(*a))[1])
    with running_engine(model) as r:
        victims = [EngineClient(r.port) for _ in range(4)]
        flooder = EngineClient(r.port)
        try:
            for c in victims + [flooder]:
                c.hello()
            for c in victims:  # stopped: the first bars are made ready before play, as a device waits for
                next_bar(c, lambda b: b.bar == 1)
            starts = []
            for c in victims:
                starts.append(play(c, 180.0))
            refused, t_end = 0, time.monotonic() + 5.0
            k = 0
            while time.monotonic() < t_end:
                k += 1
                flooder.send("/segue/knob/set/seed", k)
                flooder.send("/segue/bar/request", k % 50)
                time.sleep(0.01)
            while True:
                try:
                    address, args = flooder.replies.get_nowait()
                except queue.Empty:
                    break
                refused += address == "/segue/error" and "still being made" in args[2]
            late = []
            for c, t0 in zip(victims, starts):
                got = bars_during(c, 0.2)
                got += [b for b in c.bars.values() if b.complete and b not in got]
                for b in got:
                    if b.received_at > t0 + b.bar * 240.0 / 180.0:
                        late.append((b.bar, b.version, round(b.received_at - t0 - b.bar * 240 / 180, 3)))
            seen = {b.bar for c in victims for b in c.bars.values() if b.complete}
            assert len(seen) >= 4
            assert late == [], late
            assert refused > 0
        finally:
            for c in victims + [flooder]:
                c.close()


def test_upload_and_session_limits_say_so(connect, running, dirs):
    c = connect()
    for k in range(8):
        ok(c, "/segue/clip/begin", f"u{k}", 2, 4.0)
    assert "8 uploads are open" in err(c, "/segue/clip/begin", "u8", 2, 4.0)
    ok(c, "/segue/clip/notes", "u0", 0, 60, 0.0, 0.5, 100, 62, 1.0, 0.5, 100)
    ok(c, "/segue/clip/end", "u0", 1)  # ending one makes room
    ok(c, "/segue/clip/begin", "u8", 2, 4.0)
    assert "notes must be in 0..10000" in err(c, "/segue/clip/begin", "huge", 10_001, 4.0)
    assert "at most 1024 characters" in err(c, "/segue/slot/sample", "s" * 2000, 2)


def test_sessions_per_host_are_bounded(model, running_engine, monkeypatch):
    from segue.engine import osc_server

    monkeypatch.setattr(osc_server, "MAX_SESSIONS_PER_HOST", 3)
    with running_engine(model) as r:
        clients = [EngineClient(r.port) for _ in range(4)]
        try:
            for c in clients[:3]:
                c.hello()
            address, args = clients[3].request("/segue/hello", clients[3].instance, clients[3].reply_port)
            assert address == "/segue/error" and "3 sessions are open from 127.0.0.1" in args[2]
            assert clients[0].request("/segue/goodbye")[0] == "/segue/goodbye"
            assert clients[3].hello()[1] == clients[3].instance  # room again
        finally:
            for c in clients:
                c.close()


def test_a_damaged_session_file_restores_what_it_can_and_says_so(model, running_engine, tmp_path):
    state = tmp_path / "state"
    instance = "live-set/damaged"
    with running_engine(model, state) as r:
        c = EngineClient(r.port, instance=instance)
        try:
            c.hello()
            c.upload("m", MELODY, 12.0)
            ok(c, "/segue/slot/encode", "A", "m")
            ok(c, "/segue/knob/set/seed", 9)
            assert c.request("/segue/goodbye")[0] == "/segue/goodbye"
        finally:
            c.close()
    from segue.engine.store import SessionStore

    path = SessionStore(state).path(instance)
    saved = json.loads(path.read_text())
    saved["knobs"]["morph"] = "loud"
    saved["version"] = 1e30
    path.write_text(json.dumps(saved))
    with running_engine(model, state) as r:
        c = EngineClient(r.port, instance=instance)
        try:
            assert c.hello()[2] == 1  # resumed
            address, args = c.wait_for(-1, 5)
            assert address == "/segue/error" and "damaged" in args[2] and "knob morph" in args[2]
            assert "version" in args[2] and ".bad" in args[2]
            play(c, 400.0)
            bar = next_bar(c)  # it plays
            assert bar.knobs[0] == 9  # the seed survived
        finally:
            c.close()
    assert path.with_suffix(".json.bad").is_file()


def test_a_dual_stack_host_admits_ipv4_clients_and_says_so_in_brackets(model, running_engine, tiny_model):
    """--host :: listens on IPv6 and IPv4; an IPv4 client appears as ::ffff:a.b.c.d and is matched
    by its IPv4 address; the ready line shows [::]:port."""
    import asyncio
    import threading as th

    from segue.engine.serving import serve

    with running_engine(model, host="::", allow=("127.0.0.1",)) as r:
        c = EngineClient(r.port)  # an IPv4 socket on 127.0.0.1
        try:
            assert c.hello()[1] == c.instance
            assert ok(c, "/segue/ping")
        finally:
            c.close()
    lines, stop, loop = [], asyncio.Event(), asyncio.new_event_loop()
    config = EngineConfig(host="::", port=0, allow=("127.0.0.1",), tick_seconds=0.01)
    t = th.Thread(target=loop.run_until_complete, args=(serve(config, model, ready=lines.append, stop=stop),))
    t.start()
    try:
        deadline = time.monotonic() + 10
        while not lines and time.monotonic() < deadline:
            time.sleep(0.01)
        assert re.match(r"segue engine ready: udp://\[::\]:\d+ ", lines[0]), lines
    finally:
        loop.call_soon_threadsafe(stop.set)
        t.join(10)
        loop.close()


# --- the XY pad -------------------------------------------------------------------------------------
def test_xy_pad_over_osc(client, running):
    assert ok(client, "/segue/xy/slots", "A", "B", "C", "D")[1:] == ["A", "B", "C", "D"]
    rid_args = ok(client, "/segue/xy/set", 0.25, 1.0)
    assert rid_args[1:3] == [0.25, 1.0]
    s = session_of(running, client.instance)
    assert (s.knobs.xy_x, s.knobs.xy_y) == (0.25, 1.0) and rid_args[3] == s.version
    assert ok(client, "/segue/knob/set/xy_x", 0.75)[1] == 0.75
    assert "y must be in 0..1" in err(client, "/segue/xy/set", 0.5, 1.5)
    assert "at most 1024" in err(client, "/segue/xy/slots", "A", "B", "C", "d" * 1025)
    assert ok(client, "/segue/xy/slots", "", "", "", "")[1:] == ["", "", "", ""]
    assert session_of(running, client.instance).xy_slots == ("", "", "", "")


# --- nothing unasked to a port that may not be the client's -------------------------------------------
def test_a_session_streams_nothing_until_its_client_shows_it_reads(connect):
    """reply_port may name any port of the sender's host: until the client echoes the token of the
    hello's reply, the engine pushes no bars and renders nothing, so a 28-byte request cannot make it
    send 100 KB to someone else's port."""
    c = connect(hello=False)
    address, args = c.request("/segue/hello", c.instance, c.reply_port)
    token = args[7]
    play(c, 400.0)
    assert bars_during(c, 0.6) == []
    assert "confirm the hello first" in err(c, "/segue/render", 8)
    assert "wrong token" in err(c, "/segue/hello/confirm", (token + 1) % 2**31)
    assert c.request("/segue/hello/confirm", token)[0] == "/segue/hello/confirm"
    assert next_bar(c).complete  # and now the bars come, those held back first
    reply, values = c.request("/segue/render", 2, timeout=10)
    assert reply == "/segue/render/begin"
    end = c.wait_for(values[0], 10)
    assert end[0] == "/segue/render/end" and len(end[1]) == 3 and all(n >= 1 for n in end[1][1:])
    stop(c)



# --- GrooVAE and chord models ---------------------------------------------------------------------
@pytest.fixture(scope="module")
def groove_models(dirs, loud_model):
    from segue.models.configs import CONFIGS

    loud_model(CONFIGS["groovae_2bar_humanize"].scaled(8), hit_bias=1.5).save(dirs["models"] / "grooveh.safetensors")
    loud_model(CONFIGS["groovae_2bar_tap"].scaled(8), hit_bias=1.5).save(dirs["models"] / "groovet.safetensors")
    return "grooveh", "groovet"


def test_groove_and_drumify_a_clip(connect, groove_models, osc_result):
    humanize, tap = groove_models
    c = connect()
    c.upload("beat", DRUMS, 8.0, "drums")
    c.upload("mel", MELODY, 12.0)
    assert "groove needs a GrooVAE humanize model" in err(c, "/segue/clip/groove", "beat", 1.0)
    ok(c, "/segue/model/choose", humanize)
    assert ok(c, "/segue/model/info")[2] == "groove" and ok(c, "/segue/model/info")[9] == "groove,velocity,timing"
    reply = ok(c, "/segue/model/unavailable")
    reasons = dict(zip(reply[1::2], reply[2::2]))
    assert set(reasons) == {"drumify", "chords", *ATTRIBUTE_KNOBS}, "a GrooVAE model has no attribute vectors"
    assert reasons["drumify"].endswith(f"{humanize} (groovae_2bar_humanize) is a GrooVAE humanize model")
    assert reasons["note_density"] == (f"{humanize} has no attribute vector for note_density: the knob does nothing on "
                                       "it")
    begin, notes = osc_result(c, "clip", c.send("/segue/clip/groove", "beat", 1.0))
    assert begin[1:] == ["beat", len(notes), 8.0] and notes
    assert len({n.velocity for n in notes}) > 2, "the model's velocities"
    assert any(abs(n.start * 4 - round(n.start * 4)) > 0.01 for n in notes), "the model's timing"
    _, grid = osc_result(c, "clip", c.send("/segue/clip/groove", "beat", 0.0, 0.0))
    assert all(abs(n.start * 4 - round(n.start * 4)) < 1e-3 for n in grid) and {n.velocity for n in grid} == {110}
    assert "melodic clip" in err(c, "/segue/clip/groove", "mel", 1.0)
    assert "drumify needs a GrooVAE tap model" in err(c, "/segue/clip/drumify", "mel", 1.0)
    assert "no clip 'nope'" in err(c, "/segue/clip/groove", "nope", 1.0)
    ok(c, "/segue/model/choose", tap)
    begin, drums = osc_result(c, "clip", c.send("/segue/clip/drumify", "mel", 0.7, 0.5))
    assert begin[1:] == ["mel", len(drums), 12.0] and drums
    assert "amount" in err(c, "/segue/clip/drumify", "mel", 1.5)


def test_a_groove_model_plays_bars_with_its_own_feel(connect, groove_models):
    c = connect()
    c.upload("beat", DRUMS, 8.0, "drums")
    ok(c, "/segue/model/choose", groove_models[0])
    ok(c, "/segue/slot/encode", "A", "beat")
    version = ok(c, "/segue/knob/set/groove", 0.0)[2]
    play(c, tempo=240.0)
    got: dict[int, Bar] = {}
    while len(got) < 2:
        bar = next_bar(c, lambda b: b.version >= version and b.bar in (0, 1))
        got[bar.bar] = bar
    stop(c)
    notes = [n for b in got.values() for n in b.notes]
    assert notes and len({n.velocity for n in notes}) > 1, "the model's velocities, not a clip's or a default"
    assert any(abs(n.start * 4 - round(n.start * 4)) > 0.01 for n in notes), "the model's timing"


def test_chord_progressions(connect, dirs, loud_model):
    from dataclasses import replace

    from segue.models.configs import CONFIGS

    cfg = replace(CONFIGS["cat-mel_2bar_small"].scaled(8), controls={"chords": "MajorMinorChordEncoder"})
    loud_model(cfg).save(dirs["models"] / "chordmel.safetensors")
    c = connect()
    assert ok(c, "/segue/chords/get")[1] == ""
    assert ok(c, "/segue/chords/set", "C G | Am")[1] == "C G | Am"  # kept for a chord model later
    assert ok(c, "/segue/chords/get")[1] == "C G | Am", "whoever set it, a client reads it back"
    ok(c, "/segue/model/choose", "chordmel")
    assert ok(c, "/segue/model/info")[9] == "chords"
    reply = ok(c, "/segue/model/unavailable")
    assert set(reply[1::2]) == {"groove", "drumify", *ATTRIBUTE_KNOBS}, "chords: yes; a fresh model has no vectors"
    c.upload("mel", MELODY, 12.0)
    ok(c, "/segue/slot/encode", "A", "mel")
    _, text, version = ok(c, "/segue/chords/set", "C G Am F")
    assert text == "C G Am F" and isinstance(version, int)
    assert "no root" in err(c, "/segue/chords/set", "C Hm")
    assert "not major or minor" in err(c, "/segue/chords/set", "C Cdim")  # this model's encoder cannot
    assert ok(c, "/segue/chords/set", "G")[1] == "G"
    harmony = [Note(p, 0, 4, 80) for p in (57, 60, 64)] + [Note(p, 4, 4, 80) for p in (55, 59, 62)]
    c.upload("harmony", harmony, 8.0)
    assert ok(c, "/segue/chords/from_clip", "harmony")[1] == "Am G"
    assert ok(c, "/segue/chords/set", "")[1] == ""
    play(c, tempo=240.0)
    assert next_bar(c).complete
    stop(c)
