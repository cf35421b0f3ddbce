"""The panel adapter over real HTTP and WebSockets (aiohttp's client, no browser): each refusal of
the guard, uploads and their limits, the ops a page sends, bars streamed, downloads, the table
served as JSON. The browser tests are in test_browser.py."""

from __future__ import annotations

import asyncio
import io
import json
from urllib.parse import urlsplit

import aiohttp
import pretty_midi
import pytest

from segue.bridge.addresses import ATTRIBUTE_KNOBS, KNOBS
from segue.engine.panel import vocabulary
from segue.models.loading import example_clips


@pytest.fixture(scope="module")
def rig(tiny_model, running_panel, tmp_path_factory):
    with running_panel(tiny_model(), state_dir=tmp_path_factory.mktemp("state")) as service:
        yield service, service.service.panel


def base(panel) -> str:
    return f"http://127.0.0.1:{panel.port}"


def origin(panel) -> str:
    return base(panel)


async def _get(url, **kw):
    async with aiohttp.ClientSession() as http, http.get(url, **kw) as r:
        return r.status, await r.text()


def get(url, **kw):
    return asyncio.run(_get(url, **kw))


class Page:
    """A page's WebSocket: ops in, replies and pushes out."""

    def __init__(self, http, ws):
        self.http, self.ws, self.rid, self.pushes, self.conn = http, ws, 0, [], None

    async def next(self, timeout=10.0) -> dict:
        msg = await self.ws.receive(timeout=timeout)
        assert msg.type == aiohttp.WSMsgType.TEXT, msg
        data = json.loads(msg.data)
        if data["type"] == "hello":
            self.conn = data["conn"]
        return data

    async def op(self, op, timeout=30.0, **fields) -> dict:
        self.rid += 1
        await self.ws.send_str(json.dumps({"id": self.rid, "op": op, **fields}))
        while True:
            m = await self.next(timeout)
            if m["type"] == "reply" and m["id"] == self.rid:
                return m
            self.pushes.append(m)

    async def until(self, pred, timeout=20.0) -> dict:
        for m in self.pushes:
            if pred(m):
                self.pushes.remove(m)
                return m
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            m = await self.next(max(0.01, deadline - loop.time()))
            if pred(m):
                return m


def with_page(panel, body, headers=None):
    """Open a page's WebSocket (the panel's own Origin), run ``await body(page)``."""
    async def main():
        async with aiohttp.ClientSession() as http:
            async with http.ws_connect(f"{base(panel)}/ws?token={panel.token}",
                                       headers=headers or {"Origin": origin(panel)}) as ws:
                page = Page(http, ws)
                hello = await page.next()
                assert hello["type"] == "hello" and hello["vocabulary"] == json.loads(json.dumps(vocabulary()))
                return await body(page)

    return asyncio.run(main())


async def new_session(page, service) -> tuple[dict, object]:
    """Attach the page to a new panel session: the reply, and the engine's session."""
    r = await page.op("attach", instance="")
    return r, service.engine.session(r["instance"])


# --- the guard -------------------------------------------------------------------------------------------
def test_the_page_needs_its_token(rig):
    service, panel = rig
    status, text = get(f"{base(panel)}/")
    assert status == 403 and "token" in text
    status, _ = get(f"{base(panel)}/?token=wrong")
    assert status == 403
    status, text = get(f"{base(panel)}/?token={panel.token}")
    assert status == 200 and f'content="{panel.token}"' in text
    status, _ = get(f"{base(panel)}/api/vocabulary")
    assert status == 403
    status, _ = get(f"{base(panel)}/api/vocabulary", headers={"X-Segue-Token": panel.token})
    assert status == 200


def test_a_rebound_dns_name_gets_nothing(rig):
    service, panel = rig
    status, text = get(f"{base(panel)}/?token={panel.token}", headers={"Host": f"evil.example:{panel.port}"})
    assert status == 403 and "Host" in text
    status, _ = get(f"{base(panel)}/static/panel.js", headers={"Host": f"evil.example:{panel.port}"})
    assert status == 403
    assert panel.refused.get("host", 0) >= 2


def test_other_origins_are_refused_on_websockets_and_posts(rig):
    service, panel = rig

    async def main():
        async with aiohttp.ClientSession() as http:
            for evil in ("http://evil.example", "http://127.0.0.1:1", "null"):
                with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                    await http.ws_connect(f"{base(panel)}/ws?token={panel.token}", headers={"Origin": evil})
                assert e.value.status == 403
            with pytest.raises(aiohttp.WSServerHandshakeError) as e:
                await http.ws_connect(f"{base(panel)}/ws", headers={"Origin": origin(panel)})  # no token
            assert e.value.status == 403
            async with http.post(f"{base(panel)}/api/upload?slot=A", data=b"MThd",
                                 headers={"Origin": "http://evil.example", "X-Segue-Token": panel.token}) as r:
                assert r.status == 403

    asyncio.run(main())
    assert panel.refused.get("origin", 0) >= 4 and panel.refused.get("token", 0) >= 1


def test_static_files_only_from_the_package(rig):
    service, panel = rig
    assert get(f"{base(panel)}/static/pad.js")[0] == 200
    for path in ("/static/../server.py", "/static/%2e%2e/server.py", "/static/..%2fserver.py"):
        status, text = get(f"{base(panel)}{path}")
        assert status in (403, 404) and "PanelServer" not in text, path


def test_the_page_is_framed_by_no_one_and_runs_only_its_own_scripts(rig):
    service, panel = rig

    async def main():
        async with aiohttp.ClientSession() as http, http.get(f"{base(panel)}/?token={panel.token}") as r:
            return r.headers

    headers = asyncio.run(main())
    assert headers["X-Frame-Options"] == "DENY" and "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["Referrer-Policy"] == "no-referrer"


# --- the vocabulary ----------------------------------------------------------------------------------------
def test_the_knobs_come_from_the_address_table(rig):
    service, panel = rig
    status, text = get(f"{base(panel)}/api/vocabulary", headers={"X-Segue-Token": panel.token})
    v = json.loads(text)
    assert list(v["knobs"]) == list(KNOBS)
    for name, arg in KNOBS.items():
        spec = v["knobs"][name]
        assert spec["type"] == arg.type and spec["default"] == arg.default
        if arg.type == "s":
            assert spec["choices"] == list(arg.choices)
        else:
            assert (spec["lo"], spec["hi"]) == (arg.lo, arg.hi)
    assert v["slots"] == ["A", "B", "C", "D"] and v["examples"] == [p.name for p in example_clips()]


# --- uploads -----------------------------------------------------------------------------------------------
def _midi(tracks) -> bytes:
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    for k, notes in enumerate(tracks):
        inst = pretty_midi.Instrument(program=k)
        inst.notes = [pretty_midi.Note(100, p, s / 2, (s + 0.5) / 2) for p, s in notes]
        pm.instruments.append(inst)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def test_uploads_fill_slots_ask_for_a_track_and_refuse_bad_files(rig):
    service, panel = rig

    async def body(page):
        await page.op("attach", instance="")

        async def post(data, **query):
            q = {"conn": page.conn, **query}
            async with page.http.post(f"{base(panel)}/api/upload", params=q, data=io.BytesIO(data),
                                      headers={"X-Segue-Token": panel.token, "Origin": origin(panel)}) as r:
                return r.status, await r.json()

        melody = [(60 + k % 5, k * 0.5) for k in range(16)]
        status, r = await post(_midi([melody]), slot="A", name="one.mid")
        assert status == 200 and r["ok"] and r["bars"] == 2 and r["notes"] == 16
        status, r = await post(_midi([melody, [(72, 0.0)]]), slot="B", name="two.mid")
        assert not r["ok"] and [t["index"] for t in r["choose"]] == [0, 1]
        status, r = await post(_midi([melody, [(72, 0.0)]]), slot="B", name="two.mid", track="1")
        assert r["ok"] and r["notes"] == 1
        status, r = await post(b"not midi at all", slot="C")
        assert status == 400 and "not a MIDI file" in r["error"]
        status, r = await post(b"MThd" + bytes(5000), slot="C")
        assert status == 400 and "cannot read MIDI file" in r["error"]
        status, r = await post(b"MThd" + bytes(panel.settings.max_upload + 10), slot="C")
        assert status == 413 and "too big" in r["error"]
        status, r = await post(_midi([melody]), slot="E")
        assert status == 400 and "slot must be one of A, B, C, D" in r["error"]
        state = await page.until(lambda m: m["type"] == "state" and {"A", "B"} <= set(m["slots"])
                                 and not any(v.get("pending") for v in m["slots"].values()))
        a = state["slots"]["A"]
        assert a["source"] == {"kind": "clip", "clip": "panel-A"} and len(a["notes"]) == 16
        assert 0.0 <= a["f1"] <= 1.0 and a["recon"] is not None

    with_page(panel, body)


# --- ops ---------------------------------------------------------------------------------------------------
def test_ops_knobs_pad_slots_and_transport(rig, wait_until):
    service, panel = rig
    engine = service.engine

    async def body(page):
        r, s = await new_session(page, service)
        instance = r["instance"]
        assert instance.startswith("panel-") and r["kind"] == "panel"
        assert (await page.op("example", slot="A", name="a.mid"))["ok"]
        assert (await page.op("sample", slot="C", bars=2))["ok"]
        assert (await page.op("vary", slot="A"))["ok"]
        assert s.slots["A"].source.slot == "A~" and "A~" in s.slots  # a variation around the clip, kept
        assert (await page.op("vary", slot="A"))["ok"]  # again: another variation of the same clip
        r = await page.op("knob", name="temperature", value=0.5)
        assert r["ok"] and s.knobs.temperature == 0.5
        r = await page.op("knob", name="temperature", value=9.0)
        assert not r["ok"] and "must be in 0..4" in r["error"]
        r = await page.op("xy", x=0.25, y=0.75)
        assert r["ok"] and (s.knobs.xy_x, s.knobs.xy_y) == (0.25, 0.75) and s.xy_slots == ("A", "B", "C", "D")
        assert not (await page.op("xy", x=2, y=0))["ok"]
        r = await page.op("transport", playing=True, tempo=180.0)
        assert r["ok"] and s.transport.playing and s.transport.tempo == 180.0
        bar = await page.until(lambda m: m["type"] == "bar" and m["xy"] == [0.25, 0.75], timeout=20)
        assert bar["version"] >= 0
        transport = await page.until(lambda m: m["type"] == "transport")
        assert transport["playing"] and transport["tempo"] == 180.0
        assert (await page.op("clear", slot="C"))["ok"] and "C" not in s.slots
        assert (await page.op("pad", on=False))["ok"] and s.xy_slots == ("", "", "", "")
        assert (await page.op("transport", playing=False))["ok"] and not s.transport.playing
        card = await page.op("card")
        assert card["ok"] and card["config"] == "cat-mel_2bar_small"
        assert not (await page.op("model", name="no-such-model"))["ok"]
        assert not (await page.op("nonsense"))["ok"]
        sessions = (await page.op("sessions"))["sessions"]
        assert {"instance": instance, "kind": "panel"} in sessions
        return instance

    instance = with_page(panel, body)
    assert wait_until(lambda: engine.session(instance) is None, 5)  # the page left: its session closed


def test_a_page_attaches_to_an_open_session_and_hears_its_bars(rig, recording_listener, wait_until):
    service, panel = rig
    engine = service.engine
    other = recording_listener(keep_open=True)
    s, _ = service.call(engine.attach, "midi:Segue In", other)

    async def body(page):
        sessions = (await page.op("sessions"))["sessions"]
        assert {"instance": "midi:Segue In", "kind": "midi"} in sessions
        r = await page.op("attach", instance="midi:Segue In")
        assert r["kind"] == "midi" and r["resumed"]
        await page.op("xy", x=1.0, y=0.0)
        bar = await page.until(lambda m: m["type"] == "bar" and m["xy"] == [1.0, 0.0])
        return bar

    bar = with_page(panel, body)
    assert wait_until(lambda: any(b.bar == bar["bar"] and b.version == bar["version"] for b in other.bars), 5)
    assert engine.session("midi:Segue In") is s  # the panel left; the MIDI session stays
    service.call(engine.detach, "midi:Segue In", other)


def test_errors_in_requests_are_answered_and_the_page_goes_on(rig):
    service, panel = rig

    async def body(page):
        r = await page.op("knob", name="morph", value=0.5)
        assert not r["ok"] and "attach" in r["error"]
        await page.ws.send_str("not json")
        m = await page.until(lambda m: m["type"] == "reply")
        assert not m["ok"]
        await page.op("attach", instance="x" * 2000)
        assert (await page.op("attach", instance=""))["ok"]
        assert (await page.op("knob", name="no_such_knob", value=1))["error"].startswith("no knob")

    with_page(panel, body)


# --- downloads ---------------------------------------------------------------------------------------------
def test_downloads_are_the_current_bars_and_the_morph(rig):
    service, panel = rig

    async def body(page):
        await page.op("attach", instance="")
        await page.op("example", slot="A", name="a.mid")
        await page.op("example", slot="B", name="b.mid")
        got = {}
        for query, name in (({"bars": "4"}, "bars"), ({"morph": "3"}, "morph"), ({"bars": "3"}, "bad")):
            async with page.http.get(f"{base(panel)}/api/download", params={"conn": page.conn, **query},
                                     headers={"X-Segue-Token": panel.token}) as r:
                got[name] = (r.status, r.headers.get("Content-Disposition"), await r.read())
        return got

    got = with_page(panel, body)
    status, disposition, data = got["bars"]
    assert status == 200 and "segue-4-bars-from-0.mid" in disposition
    pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
    assert pm.instruments and max(n.end for n in pm.instruments[0].notes) <= 4 * 4 * 0.5 + 1e-6 + 4
    status, disposition, data = got["morph"]
    assert status == 200 and "segue-morph-3-steps.mid" in disposition
    assert pretty_midi.PrettyMIDI(io.BytesIO(data)).instruments
    assert got["bad"][0] == 400


def test_the_ready_url_names_the_panel(rig):
    service, panel = rig
    parts = urlsplit(panel.url)
    assert (parts.scheme, parts.hostname, parts.port) == ("http", "127.0.0.1", panel.port)
    assert parts.query == f"token={panel.token}"


# --- what the model can do: groove, drumify, chords, weak knobs (models from conftest.py) ----------------
@pytest.fixture(scope="module")
def tools(tiny_model, tool_models, running_panel, tmp_path_factory):
    with running_panel(tiny_model(), state_dir=tmp_path_factory.mktemp("state"), models_dir=tool_models) as service:
        yield service, service.service.panel


async def post(page, panel, data: bytes, **query) -> tuple[int, dict]:
    async with page.http.post(f"{base(panel)}/api/upload", params={"conn": page.conn, **query},
                              data=io.BytesIO(data), headers={"X-Segue-Token": panel.token,
                                                              "Origin": origin(panel)}) as r:
        return r.status, await r.json()


async def fetch(page, panel, **query) -> tuple[int, str | None, bytes]:
    async with page.http.get(f"{base(panel)}/api/download", params={"conn": page.conn, **query},
                             headers={"X-Segue-Token": panel.token}) as r:
        return r.status, r.headers.get("Content-Disposition"), await r.read()


def on_grid(notes) -> bool:
    return all(abs(n[1] * 4 - round(n[1] * 4)) < 1e-3 for n in notes)


async def model_state(page, name: str) -> dict:
    assert (await page.op("model", name=name))["ok"]
    return await page.until(lambda m: m["type"] == "state" and m["model"]["choice"] == name)


def test_the_state_says_what_the_model_can_do_and_why_not(tools):
    service, panel = tools

    async def body(page):
        await page.op("attach", instance="")
        m = (await page.until(lambda m: m["type"] == "state"))["model"]
        assert m["capabilities"] == [] and m["weak_knobs"] == []
        assert set(m["unavailable"]) == {"groove", "drumify", "chords"}
        assert "Groove needs a GrooVAE humanize model" in m["unavailable"]["groove"]
        assert "default (cat-mel_2bar_small) is a melody model" in m["unavailable"]["groove"]
        assert "kept" in m["unavailable"]["chords"]
        m = (await model_state(page, "grooveh"))["model"]
        assert m["capabilities"] == ["groove", "velocity", "timing"] and set(m["unavailable"]) == {"drumify", "chords"}
        assert "is a GrooVAE humanize model" in m["unavailable"]["drumify"]
        assert m["no_vector"] == list(ATTRIBUTE_KNOBS)  # a fresh GrooVAE has no attribute vectors
        m = (await model_state(page, "groovet"))["model"]
        assert set(m["unavailable"]) == {"groove", "chords"} and "is a GrooVAE tap model" in m["unavailable"]["groove"]
        m = (await model_state(page, "chordmel"))["model"]
        assert m["capabilities"] == ["chords"] and set(m["unavailable"]) == {"groove", "drumify"}
        m = (await model_state(page, "calibrated"))["model"]
        assert m["weak_knobs"] == ["average_interval"] and m["capabilities"] == []

    with_page(panel, body)


def test_groove_and_drumify_make_new_clips_and_leave_the_source_alone(tools, tool_files):
    service, panel = tools

    async def body(page):
        r, s = await new_session(page, service)
        assert r["results"] == []
        r = await page.op("groove", source="tool", amount=1.0)
        assert not r["ok"] and "drop a .mid file on the Groove box first" in r["error"]
        status, up = await post(page, panel, tool_files["beat.mid"], to="tool", name="beat.mid")
        assert status == 200 and up["ok"] and up["to"] == "tool" and up["kind"] == "drums" and up["bars"] == 2
        state = await page.until(lambda m: m["type"] == "state" and m.get("tool"))
        assert state["tool"]["title"] == "beat.mid" and len(state["tool"]["notes"]) == 28
        source = list(s.clips["panel-tool"].notes)
        r = await page.op("groove", source="tool", amount=1.0)
        assert not r["ok"] and "groove needs a GrooVAE humanize model" in r["error"]  # the engine's own word
        await model_state(page, "grooveh")
        r = await page.op("groove", source="tool", amount=1.0, temperature=0.0)
        assert r["ok"] and r["notes"] > 0
        grooved = await page.until(lambda m: m["type"] == "result" and m["id"] == r["result"])
        assert grooved["action"] == "groove" and grooved["title"] == "beat.mid" and grooved["length"] == 8.0
        assert len({n[3] for n in grooved["notes"]}) > 2, "the model's velocities"
        assert not on_grid(grooved["notes"]), "the model's timing"
        assert s.clips["panel-tool"].notes == source and "panel-tool" in s.clips  # never overwritten
        r = await page.op("groove", source="tool", amount=0.0)
        grid = await page.until(lambda m: m["type"] == "result" and m["id"] == r["result"])
        assert on_grid(grid["notes"]) and {n[3] for n in grid["notes"]} == {100}
        for bad, word in (({"amount": 1.5}, "amount"), ({"amount": "x"}, "amount"),
                          ({"temperature": -1}, "temperature")):
            r = await page.op("groove", source="tool", **bad)
            assert not r["ok"] and word in r["error"], (bad, r)
        r = await page.op("groove", source="A")
        assert not r["ok"] and "slot A holds no clip" in r["error"]
        for bad in ("../etc", None, ["A"]):
            r = await page.op("groove", source=bad)
            assert not r["ok"] and "source: tool (the Groove box's clip) or a slot, one of A, B, C, D" in r["error"]
        status, up = await post(page, panel, _midi([[(36, 0.0)], [(38, 1.0)]]), to="tool", name="two.mid")
        assert not up["ok"] and [t["index"] for t in up["choose"]] == [0, 1]  # which track: the page asks
        assert s.clips["panel-tool"].notes == source  # nothing replaced meanwhile
        # a slot's own clip: a drum clip in slot A on the GrooVAE model
        status, up = await post(page, panel, tool_files["beat.mid"], slot="A", name="beat.mid")
        assert up["ok"], up
        r = await page.op("groove", source="A", amount=0.5)
        assert r["ok"]
        assert (await page.until(lambda m: m["type"] == "result" and m["id"] == r["result"]))["source"] == "A"
        # downloaded, the new clip is the result: drums, the model's velocities and timing
        status, disposition, data = await fetch(page, panel, result=str(grooved["id"]))
        assert status == 200 and f'filename="beat-grooved-{grooved["id"]}.mid"' in disposition
        pm = pretty_midi.PrettyMIDI(io.BytesIO(data))
        (inst,) = pm.instruments
        assert inst.is_drum
        back = sorted((n.pitch, pm.time_to_tick(n.start) / pm.resolution, n.velocity) for n in inst.notes)
        want = sorted((p, st, v) for p, st, _, v in grooved["notes"])
        assert [(p, v) for p, _, v in back] == [(p, v) for p, _, v in want]
        assert all(abs(a[1] - b[1]) <= 1.5 / pm.resolution for a, b in zip(back, want))
        status, _, data = await fetch(page, panel, result="999999")
        assert status == 400 and b"no result" in data
        # drumify: any clip's notes are the taps
        await post(page, panel, tool_files["taps.mid"], to="tool", name="taps.mid")
        r = await page.op("drumify", source="tool", amount=0.7, temperature=0.5)
        assert not r["ok"] and "drumify needs a GrooVAE tap model" in r["error"]
        await page.op("clear", slot="A")  # a GrooVAE humanize slot would not re-encode on the tap model
        await model_state(page, "groovet")
        r = await page.op("drumify", source="tool", amount=0.7, temperature=0.5)
        assert r["ok"], r
        drums = await page.until(lambda m: m["type"] == "result" and m["id"] == r["result"])
        assert drums["action"] == "drumify" and drums["notes"] and drums["filename"].startswith("taps-drumified-")
        return s.instance

    instance = with_page(panel, body)

    async def again(page):  # a page that comes back (a reload) finds the session's new clips
        return (await page.op("attach", instance=instance))["results"]

    assert [x["action"] for x in with_page(panel, again)] == ["groove", "groove", "groove", "drumify"]


def test_chords_are_set_read_from_a_clip_and_kept_for_a_chord_model(tools, tool_files):
    service, panel = tools

    async def body(page):
        _, s = await new_session(page, service)
        r = await page.op("chords", text="C G | Am")
        assert r["ok"] and r["chords"] == "C G | Am"  # a melody model keeps it for a chord model
        state = await page.until(lambda m: m["type"] == "state" and m["chords"]["text"] == "C G | Am")
        assert state["chords"]["bars"] == [["C", "G"], ["Am"]] and "chords" in state["model"]["unavailable"]
        await model_state(page, "chordmel")
        r = await page.op("chords", text="C Hm")
        assert not r["ok"] and "no root" in r["error"]
        r = await page.op("chords", text="C Cdim")
        assert not r["ok"] and "not major or minor" in r["error"]
        assert s.chords == [["C", "G"], ["Am"]]  # a refused progression changes nothing
        assert not (await page.op("chords", text=5))["ok"]
        assert "at most" in (await page.op("chords", text="C " * 3000))["error"]
        status, up = await post(page, panel, tool_files["harmony.mid"], to="tool", name="harmony.mid")
        assert up["ok"]
        r = await page.op("chords_from_clip", source="tool")
        assert r["ok"] and r["chords"] == "Am G"
        await page.until(lambda m: m["type"] == "state" and m["chords"]["bars"] == [["Am"], ["G"]])
        r = await page.op("chords", text="")
        assert r["ok"] and r["chords"] == "" and s.chords == []
        assert not (await page.op("chords_from_clip", source="B"))["ok"]

    with_page(panel, body)
