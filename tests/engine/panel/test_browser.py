"""The panel in a real browser: headless Debian Chromium driven by Selenium through the system
chromedriver (nothing is downloaded). Skipped without chromium and chromedriver on a laptop, a
failure in CI (SEGUE_REQUIRE_TOOLS=1).

(1) drop two and then four MIDI files; (2) drag the puck; (3) the live roll shows bars streamed
from the real engine, and the corners reproduce their clips; (4) download a .mid and read it back;
(5) under JACK, attach to the MIDI ports' session and hear a pad move on Segue Out; (6) kill and
restart the engine, and the page recovers; (7) another origin and a missing token are refused.

(8) what the session's model cannot do is greyed out with the reason, and a weak knob is marked;
(9) groove a dropped clip into a new clip and download it; (10) chords typed, read from a clip, and
the chord of the bar playing (tiny GrooVAE and chord models: conftest.py).

SEGUE_PANEL_SCREENSHOT=path keeps the screenshot of (3) there (docs/panel.png is one);
SEGUE_PANEL_TOOLS_SCREENSHOT=path the one of (10) (docs/panel-tools.png).
"""

from __future__ import annotations

import base64
import bisect
import collections
import dataclasses
import http.server
import io
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pretty_midi
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from segue.engine import generate
from segue.engine.session import FromClip
from segue.engine.store import SessionStore
from segue.models.inference import LatentModel
from segue.models.loading import example_clips, shipped_model_path

CORNERS = {"A": (0.0, 0.0), "B": (1.0, 0.0), "C": (0.0, 1.0), "D": (1.0, 1.0)}
DROP = """
const [slot, b64, name] = arguments;
const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const dt = new DataTransfer();
dt.items.add(new File([bytes], name, { type: "audio/midi" }));
const el = document.querySelector(`[data-slot="${slot}"]`);
for (const kind of ["dragenter", "dragover", "drop"])
  el.dispatchEvent(new DragEvent(kind, { dataTransfer: dt, bubbles: true, cancelable: true }));
"""


def melody_file(pitches, step=0.5) -> bytes:
    """A one-track .mid of ``pitches`` one every ``step`` beats, at 120 BPM."""
    pm = pretty_midi.PrettyMIDI(initial_tempo=120.0)
    inst = pretty_midi.Instrument(0, name="melody")
    inst.notes = [pretty_midi.Note(96, p, k * step / 2, (k + 1) * step / 2) for k, p in enumerate(pitches)]
    pm.instruments.append(inst)
    out = io.BytesIO()
    pm.write(out)
    return out.getvalue()


def clip_files() -> dict[str, tuple[str, bytes]]:
    a, b = example_clips()
    return {"A": (a.name, a.read_bytes()), "B": (b.name, b.read_bytes()),
            "C": ("arpeggio.mid", melody_file([60, 64, 67, 72, 67, 64] * 2 + [60, 62, 64, 65])),
            "D": ("scale.mid", melody_file([72, 71, 69, 67, 65, 64, 62, 60] * 2))}


@pytest.fixture(scope="module")
def model(tiny_model):
    """The shipped model when there is one (the reconstructions then mean something), else a tiny one."""
    path = shipped_model_path()
    return LatentModel.load(path, "cpu") if path else tiny_model()


def open_panel(model, running_panel, chromium, tmp_path_factory, prefix: str = "", **config):
    """Yields (service, driver, downloads): the panel of an engine running ``model`` (``config`` to its
    EngineConfig) open in a fresh browser, with fresh folders for its state and downloads (named
    ``prefix`` + "state", ``prefix`` + "downloads")."""
    downloads = tmp_path_factory.mktemp(f"{prefix}downloads")
    with running_panel(model, state_dir=tmp_path_factory.mktemp(f"{prefix}state"), **config) as service:
        driver = chromium(downloads)
        try:
            driver.get(service.service.panel.url)
            yield service, driver, downloads
        finally:
            driver.quit()


@pytest.fixture(scope="module")
def rig(model, running_panel, chromium, tmp_path_factory):
    yield from open_panel(model, running_panel, chromium, tmp_path_factory)


def js(driver, script, *args):
    return driver.execute_script(script, *args)


def page_state(driver) -> dict:
    return js(driver, "return window.seguePanel.state") or {}


def session_of(service, driver):
    instance = js(driver, "return window.seguePanel.instance")
    return service.engine.session(instance)


def wait_slots(driver, wait_until, names) -> dict:
    def ready():
        slots = page_state(driver).get("slots", {})
        return all(n in slots and not slots[n].get("pending") and slots[n].get("f1") is not None for n in names)

    assert wait_until(ready, 60), page_state(driver).get("slots")
    return page_state(driver)["slots"]


def drop(driver, slot, name, data) -> None:
    js(driver, DROP, slot, base64.b64encode(data).decode(), name)


def browser_problems(driver) -> list[str]:
    """Errors of the page's scripts (a refused upload's HTTP status is a message the page shows)."""
    return [e["message"] for e in driver.get_log("browser")
            if e["level"] == "SEVERE" and "Failed to load resource" not in e["message"]]


def whole_page(driver, shot: Path, keep: str) -> None:
    """A picture of the whole page (the tools under the live roll too), kept at $``keep`` if set."""
    size = driver.get_window_size()
    tall = js(driver, "return document.documentElement.scrollHeight - window.innerHeight") + size["height"]
    driver.set_window_size(size["width"], max(size["height"], tall))
    try:
        driver.save_screenshot(str(shot))
    finally:
        driver.set_window_size(size["width"], size["height"])
    if os.environ.get(keep):
        shutil.copy(shot, os.environ[keep])


# --- (1) ------------------------------------------------------------------------------------------------
def test_1_drop_two_then_four_midi_files(rig, wait_until):
    service, driver, _ = rig
    assert wait_until(lambda: js(driver, "return window.seguePanel.connected"), 30)
    files = clip_files()
    for slot in "AB":
        drop(driver, slot, *files[slot])
    slots = wait_slots(driver, wait_until, "AB")
    s = session_of(service, driver)
    assert set(s.slots) >= {"A", "B"} and isinstance(s.slots["A"].source, FromClip)
    for slot in "CD":
        drop(driver, slot, *files[slot])
    slots = wait_slots(driver, wait_until, "ABCD")
    for slot in "ABCD":
        el = driver.find_element(By.CSS_SELECTOR, f'[data-slot="{slot}"]')
        assert re.fullmatch(r"F1 \d\.\d\d", el.find_element(By.CLASS_NAME, "f1").text), slot
        assert el.find_element(By.CLASS_NAME, "slot-title").text == files[slot][0]
        assert len(slots[slot]["notes"]) == len(s.clips[f"panel-{slot}"].notes)
        # the slot's piano roll is drawn: some pixels are the note colour
        painted = js(driver, """const c = arguments[0].querySelector("canvas");
            const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0;
            for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 150 && d[i + 2] < 120) n++;
            return n;""", el)
        assert painted > 20, slot
    # a bad file gets a clear message in its slot, and nothing breaks
    drop(driver, "D", "broken.mid", b"MThd" + bytes(64))
    assert wait_until(lambda: "cannot read MIDI file broken.mid" in driver.find_element(
        By.CSS_SELECTOR, '[data-slot="D"] .slot-error').text, 20)
    assert isinstance(s.slots["D"].source, FromClip)


# --- (2) ------------------------------------------------------------------------------------------------
def test_2_drag_the_puck(rig, wait_until):
    service, driver, _ = rig
    s = session_of(service, driver)
    pad = driver.find_element(By.ID, "pad")
    w, h = pad.size["width"], pad.size["height"]
    chain = ActionChains(driver)
    chain.move_to_element_with_offset(pad, -w // 2 + 10, -h // 2 + 10).click_and_hold()
    for k in range(1, 9):  # a drag in steps, as a hand moves
        dx, dy = k * (w * 0.6 - 10) // 8, k * (h * 0.3 - 10) // 8
        chain.move_to_element_with_offset(pad, -w // 2 + 10 + dx, -h // 2 + 10 + dy)
    chain.release().perform()
    x, y = js(driver, "return [window.seguePanel.pad.x, window.seguePanel.pad.y]")
    assert abs(x - 0.6) < 0.03 and abs(y - 0.3) < 0.03, (x, y)
    assert wait_until(lambda: (s.knobs.xy_x, s.knobs.xy_y) == (x, y), 10)
    assert s.xy_slots == ("A", "B", "C", "D")
    pad.send_keys(Keys.ARROW_RIGHT, Keys.ARROW_DOWN, Keys.ARROW_DOWN)
    assert wait_until(lambda: abs(s.knobs.xy_x - (x + 0.05)) < 1e-6 and abs(s.knobs.xy_y - (y + 0.1)) < 1e-6, 10)
    # dropped near a corner, the puck lands on it exactly
    chain = ActionChains(driver)
    chain.move_to_element_with_offset(pad, w // 2 - 4, h // 2 - 4).click_and_hold().release().perform()
    assert wait_until(lambda: (s.knobs.xy_x, s.knobs.xy_y) == (1.0, 1.0), 10)


# --- (3) ------------------------------------------------------------------------------------------------
def expected_bar(service, s, corner: str, bar: int) -> list[tuple]:
    """The bar as the end of an A->B morph with ``corner``'s slot at the A end plays it."""
    def make():
        base = generate.snapshot_of(s)
        morph_end = dataclasses.replace(base, corners=None, mu_a=s.slots[corner].mu, mu_b=None, morph=0.0)
        sources = getattr(base, "sources", ())  # the clips the blend's ends play, where the engine has them
        if sources:
            k = "ABCD".index(corner)
            morph_end = dataclasses.replace(morph_end, sources=(sources[k], sources[k]))
        return morph_end

    snap = service.call(make)
    notes = generate.bar_notes(service.engine.model_of(s), snap, bar, {})
    return [(n.pitch, round(n.start, 3), n.velocity) for n in notes]


def midi_file(path: Path):
    """The downloaded file once Chromium has written all of it (it renames a whole download into
    place, so a file that parses is complete); None before."""
    try:
        return pretty_midi.PrettyMIDI(str(path)) if path.is_file() else None
    except (OSError, ValueError, EOFError, IndexError):
        return None


def page_bars(driver, xy) -> dict[int, list[tuple]]:
    bars = js(driver, """const out = {}; for (const [b, e] of window.seguePanel.bars)
        if (e.xy && e.xy[0] === arguments[0] && e.xy[1] === arguments[1]) out[b] = e.notes; return out;""", *xy)
    return {int(b): [(n[0], round(n[1], 3), n[3]) for n in notes] for b, notes in bars.items()}


def test_3_the_live_roll_shows_streamed_bars_and_the_corners_reproduce_their_clips(rig, wait_until, tmp_path):
    service, driver, _ = rig
    s = session_of(service, driver)
    js(driver, 'document.getElementById("tempo").value = 240')
    driver.find_element(By.ID, "play").click()
    assert wait_until(lambda: s.transport.playing, 10)
    for corner, xy in CORNERS.items():
        js(driver, "window.seguePanel.pad.set(arguments[0], arguments[1], true)", *xy)
        assert wait_until(lambda xy=xy: page_bars(driver, xy), 30), corner
        got = page_bars(driver, xy)
        for bar, notes in got.items():
            assert notes == expected_bar(service, s, corner, bar), (corner, bar)
    # the bars are drawn as they stream: versions, the playhead, notes
    assert wait_until(lambda: js(driver, "return window.seguePanel.drawn.version") >= js(
        driver, "return window.seguePanel.received.version") >= 0, 10)
    before = js(driver, "return window.seguePanel.received.version")
    js(driver, "window.seguePanel.pad.set(0.35, 0.3, true)")
    # the picture: the pad's new bars streamed and drawn
    assert wait_until(lambda: js(driver, "return window.seguePanel.drawn.version") > before, 10)
    whole_page(driver, tmp_path / "panel.png", "SEGUE_PANEL_SCREENSHOT")
    health = driver.find_element(By.ID, "health").text
    assert "engine latency" in health and "late bars" in health
    driver.find_element(By.ID, "stop").click()
    assert wait_until(lambda: not s.transport.playing, 10)
    assert browser_problems(driver) == []


# --- (4) ------------------------------------------------------------------------------------------------
def test_4_download_a_mid_and_read_it_back(rig, wait_until):
    service, driver, downloads = rig
    s = session_of(service, driver)
    driver.find_element(By.ID, "rewind").click()
    assert wait_until(lambda: s.transport.beat == 0.0 and not s.transport.playing, 10)
    js(driver, "window.seguePanel.pad.set(0, 0, true)")  # corner A: bars 0 and 1 are the clip's, streamed
    assert wait_until(lambda: {0, 1} <= set(page_bars(driver, (0.0, 0.0))), 30), (
        js(driver, "return JSON.stringify([...window.seguePanel.bars].map(([b, e]) => [b, e.version, e.xy]))"),
        s.transport, s.version, s.sent, js(driver, "return window.seguePanel.problems"))
    streamed = page_bars(driver, (0.0, 0.0))
    select = driver.find_element(By.ID, "download-bars")
    select.find_element(By.CSS_SELECTOR, 'option[value="4"]').click()
    driver.find_element(By.ID, "download").click()
    path = downloads / "segue-4-bars-from-0.mid"
    assert wait_until(lambda: midi_file(path) is not None, 30), list(downloads.iterdir())
    pm = midi_file(path)
    (inst,) = pm.instruments
    beats = [(n.pitch, round(pm.time_to_tick(n.start) / pm.resolution, 3), n.velocity) for n in inst.notes]
    for bar in (0, 1):
        heard = sorted((p, round(b - 4 * bar, 3), v) for p, b, v in beats if 4 * bar <= b < 4 * bar + 4)
        assert heard == sorted(streamed[bar]), bar
    assert max(b for _, b, _ in beats) < 16
    assert round(pm.get_tempo_changes()[1][0]) == round(s.transport.tempo)
    # the whole A->B morph
    js(driver, 'document.getElementById("morph-steps").value = 4')
    driver.find_element(By.ID, "download-morph").click()
    morph = downloads / "segue-morph-4-steps.mid"
    assert wait_until(lambda: midi_file(morph) is not None, 60)
    assert midi_file(morph).instruments[0].notes


# --- (7) ------------------------------------------------------------------------------------------------
EVIL = """<!doctype html><meta charset="utf-8"><title>another site</title><script>
window.results = {};
const panel = "PANEL";
const ws = new WebSocket(`ws://${panel}/ws?token=TOKEN`);
ws.onopen = () => { window.results.ws = "open"; };
ws.onclose = (e) => { window.results.ws = window.results.ws || `closed ${e.code}`; };
fetch(`http://${panel}/api/upload?slot=A`, { method: "POST", body: "MThd",
  headers: { "X-Segue-Token": "TOKEN" } }).then((r) => { window.results.post = `status ${r.status}`; },
  (e) => { window.results.post = `refused: ${e.name}`; });
fetch(`http://${panel}/api/vocabulary?token=TOKEN`, { mode: "no-cors" }).then(
  (r) => { window.results.read = `opaque ${r.type}`; }, (e) => { window.results.read = `refused: ${e.name}`; });
</script>"""


def test_7_another_origin_and_a_missing_token_are_refused(rig, wait_until, tmp_path):
    service, driver, _ = rig
    panel = service.service.panel
    before = dict(panel.refused)
    base = f"http://127.0.0.1:{panel.port}"
    (tmp_path / "evil.html").write_text(EVIL.replace("PANEL", f"127.0.0.1:{panel.port}").replace("TOKEN", panel.token))

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *a, **kw):
            super().__init__(*a, directory=str(tmp_path), **kw)

        def log_message(self, *a):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Quiet)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    driver.switch_to.new_window("tab")  # another tab of the same browser: the panel's page stays as it is
    try:
        driver.get(f"{base}/")  # no token
        body = driver.find_element(By.TAG_NAME, "body").text
        assert "needs its token" in body
        driver.get(f"http://127.0.0.1:{other.server_address[1]}/evil.html")
        assert wait_until(lambda: len(js(driver, "return window.results") or {}) == 3, 20)
        results = js(driver, "return window.results")
        assert results["ws"].startswith("closed") and results["post"].startswith("refused")
        assert panel.refused.get("origin", 0) >= before.get("origin", 0) + 2  # the WebSocket and the preflight
        assert panel.refused.get("token", 0) >= before.get("token", 0) + 1
    finally:
        other.shutdown()
        other.server_close()
        driver.close()
        driver.switch_to.window(driver.window_handles[0])


# --- (6) ------------------------------------------------------------------------------------------------
def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_engine(checkpoint: Path, state: Path, port: int, panel_port: int) -> tuple[subprocess.Popen, str]:
    exe = Path(sys.executable).with_name("segue")
    proc = subprocess.Popen([str(exe), "serve", "--model", str(checkpoint), "--port", str(port), "--panel-port",
                             str(panel_port), "--state-dir", str(state), "--models-dir", str(state / "models")],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    match = re.search(r" panel (http://127\.0\.0\.1:\d+/\?token=\S+)$", line.strip())
    assert match, line
    return proc, match.group(1)


def test_6_the_page_recovers_when_the_engine_is_killed_and_restarted(chromium, tiny_model, tmp_path, wait_until):
    checkpoint = tiny_model().save(tmp_path / "tiny.safetensors", licence="CC0")
    state = tmp_path / "state"
    port, panel_port = free_port(), free_port()
    proc, url = start_engine(checkpoint, state, port, panel_port)
    driver = chromium()
    try:
        driver.get(url)
        assert wait_until(lambda: js(driver, "return window.seguePanel.connected"), 30)
        js(driver, """const e = document.querySelector('[data-slot="A"] .example'); e.value = "a.mid";
                      e.dispatchEvent(new Event("change"));""")
        assert wait_until(lambda: "A" in page_state(driver).get("slots", {}), 30)
        instance = js(driver, "return window.seguePanel.instance")
        saved = SessionStore(state).path(instance).name
        assert wait_until(lambda: any('"A"' in f.read_text() for f in state.rglob(saved)), 10)  # saved, with A
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        proc.stdout.close()
        status = driver.find_element(By.ID, "status")
        assert wait_until(lambda: "went away" in status.text, 20), status.text
        proc, again = start_engine(checkpoint, state, port, panel_port)
        assert again == url  # the token is kept in the state folder: the open page's still works
        assert wait_until(lambda: status.text == "connected", 30), status.text
        assert js(driver, "return window.seguePanel.instance") == instance
        assert wait_until(lambda: "A" in page_state(driver).get("slots", {}), 30)  # restored with its slot
        js(driver, "window.seguePanel.pad.set(0.5, 0.5, true)")
        assert wait_until(lambda: page_state(driver).get("knobs", {}).get("xy_x") == 0.5, 10)
    finally:
        driver.quit()
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)
        proc.stdout.close()


# --- (5) ------------------------------------------------------------------------------------------------
@pytest.fixture
def jack(jack_server, tmp_path):
    with jack_server(tmp_path):
        yield


def test_5_a_pad_move_in_the_page_is_heard_on_segue_out_under_jack(jack, model, running_panel, chromium, tmp_path,
                                                                  recording_listener, wait_until):
    from segue.bridge import ports
    from segue.bridge.clock import PPQN
    from segue.engine.midi import MidiSettings

    bpm = 120.0
    with running_panel(model, state_dir=tmp_path / "state", midi=MidiSettings(instance="midi:panel-jack")) as service:
        host = service.service.midi
        assert host is not None and "jack" in host.inp.api.lower()
        to_segue = ports.open_output("Segue In", virtual="to segue", client="panel-daw")
        from_segue = ports.open_input("Segue Out", virtual="from segue", client="panel-daw")
        received: list[tuple] = []
        from_segue.set_callback(lambda m, t: received.append((m, t)))
        generated: dict[int, dict[int, tuple]] = {}

        class Record(recording_listener):
            def bar(self, _s, bar):
                generated.setdefault(bar.bar, {})[bar.version] = (bar.xy, [n.pitch for n in bar.notes])

        service.call(service.engine.attach, "midi:panel-jack", Record())
        driver = chromium()
        try:
            driver.get(service.service.panel.url)
            assert wait_until(lambda: js(driver, "return window.seguePanel.connected"), 30)
            # the page lists the MIDI ports' session and attaches to it
            driver.find_element(By.ID, "sessions").click()
            assert wait_until(lambda: "midi:panel-jack" in driver.find_element(By.ID, "sessions").text, 10)
            driver.find_element(By.CSS_SELECTOR, '#sessions option[value="midi:panel-jack"]').click()
            assert wait_until(lambda: js(driver, "return window.seguePanel.instance") == "midi:panel-jack", 10)
            assert js(driver, 'return document.getElementById("drive").value') == "follow"
            files = clip_files()
            for slot in ("A", "D"):
                drop(driver, slot, *files[slot])
            wait_slots(driver, wait_until, "AD")
            js(driver, "window.seguePanel.pad.set(0, 0, true)")
            assert wait_until(lambda: (host.session.knobs.xy_x, host.session.knobs.xy_y) == (0.0, 0.0)
                              and any(v[0] == (0.0, 0.0) for b in generated.values() for v in b.values()), 20)
            to_segue.send(ports.song_position(0))
            assert wait_until(lambda: {0, 1} <= set(host.queue.bars), 20)
            # the DAW plays 6 bars of clock; the producer moves the puck to D during bar 1
            pulses: list[float] = []

            def play():
                period = 60.0 / (bpm * PPQN)
                to_segue.send(ports.realtime(ports.START))
                t = time.monotonic() + 0.05
                for _ in range(PPQN * 4 * 6):
                    while (left := t - time.monotonic()) > 0:
                        time.sleep(left - 0.0005) if left > 0.001 else None
                    to_segue.send(ports.realtime(ports.CLOCK))
                    pulses.append(time.monotonic())
                    t += period
                to_segue.send(ports.realtime(ports.STOP))

            daw = threading.Thread(target=play)
            daw.start()
            assert wait_until(lambda: len(pulses) > PPQN * 4 * 1.3, 10)
            moved_at = time.monotonic()
            js(driver, "window.seguePanel.pad.set(1, 1, true)")
            daw.join(30)

            def all_notes_ended() -> bool:  # the Stop is read and its note-offs have come through
                sounding: collections.Counter = collections.Counter()
                for m, _t in list(received):
                    if ports.is_note_on(m):
                        sounding[m.note] += 1
                    elif ports.is_note_off(m):
                        sounding[m.note] -= 1
                return not host.follower.playing and not +sounding

            assert wait_until(all_notes_ended, 10), received[-8:]
        finally:
            driver.quit()
            to_segue.close()
            from_segue.close()

    def bar_of(t: float) -> int:
        k = min(max(bisect.bisect_right(pulses, t) - 1, 0), len(pulses) - 1)
        return int((k / PPQN + 1 / 16) // 4)

    heard: dict[int, list[int]] = {}
    for m, t in received:
        if ports.is_note_on(m):
            heard.setdefault(bar_of(t), []).append(m.note)
    move_bar = bar_of(moved_at)

    def versions(bar, xy):
        return [sorted(p) for v, (pos, p) in generated.get(bar, {}).items() if pos == xy]

    assert heard, "nothing played on Segue Out"
    for bar in range(0, move_bar):
        assert sorted(heard.get(bar, [])) in versions(bar, (0.0, 0.0)), (bar, heard, generated)
    after = [b for b in range(move_bar + 2, 6) if b in heard]
    assert after, (move_bar, heard)
    for bar in after:  # from the bar after the move on, corner D is heard
        assert sorted(heard[bar]) in versions(bar, (1.0, 1.0)), (bar, heard[bar], generated.get(bar))
    assert any(versions(b, (1.0, 1.0)) != versions(b, (0.0, 0.0)) for b in after)


# --- (8)-(10): what the model can do (models from conftest.py: grooveh, groovet, chordmel, calibrated) ----
DROP_ON = DROP.replace('const [slot, b64, name] = arguments;', 'const [selector, b64, name] = arguments;').replace(
    'document.querySelector(`[data-slot="${slot}"]`)', "document.querySelector(selector)")
WEAK = "moves its attribute only loosely on this model; see the model card"


@pytest.fixture(scope="module")
def tools_rig(tiny_model, tool_models, running_panel, chromium, tmp_path_factory):
    yield from open_panel(tiny_model(), running_panel, chromium, tmp_path_factory, "tool-", models_dir=tool_models)


def choose_model(driver, wait_until, name: str) -> None:
    driver.find_element(By.CSS_SELECTOR, f'#models option[value="{name}"]').click()
    assert wait_until(lambda: page_state(driver).get("model", {}).get("choice") == name, 30), page_state(driver)


def el(driver, css):
    return driver.find_element(By.CSS_SELECTOR, css)


def greyed(driver, css) -> str | None:
    """The reason ``css`` is greyed out (its tooltip), or None when it can be used."""
    e = el(driver, css)
    return e.get_attribute("title") if not e.is_enabled() else None


def painted(driver, canvas) -> int:
    """Pixels of the note colour (amber) on a canvas."""
    return js(driver, """const c = arguments[0];
        const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data; let n = 0;
        for (let i = 0; i < d.length; i += 4) if (d[i] > 200 && d[i + 1] > 150 && d[i + 2] < 120) n++;
        return n;""", canvas)


def test_8_what_the_model_cannot_do_is_greyed_out_with_the_reason(tools_rig, wait_until):
    service, driver, _ = tools_rig
    assert wait_until(lambda: js(driver, "return window.seguePanel.connected") and page_state(driver), 30)
    # the tiny melody model: no Groove, no Drumify, no chords, each saying why
    assert wait_until(lambda: greyed(driver, "#groove"), 10)
    assert "Groove needs a GrooVAE humanize model" in greyed(driver, "#groove")
    assert "default (cat-mel_2bar_small) is a melody model" in greyed(driver, "#groove")
    assert "Drumify needs a GrooVAE tap model" in greyed(driver, "#drumify")
    for css in ("#chords-text", "#chords-set", "#chords-from-clip"):
        assert "takes no chords" in greyed(driver, css), css
    assert "takes no chords" in el(driver, "#chords-why").text
    assert "Groove and Drumify need a GrooVAE model" in el(driver, "#groove-why").text
    assert el(driver, "#caps").text == "morphs and samples"
    assert greyed(driver, '[data-slot="A"] .sample') is None
    # switching model in the menu updates it: a GrooVAE humanize model grooves, has no attribute vectors
    choose_model(driver, wait_until, "grooveh")
    assert wait_until(lambda: greyed(driver, "#groove") is None, 10)
    assert "is a GrooVAE humanize model" in greyed(driver, "#drumify")
    assert el(driver, "#caps").text.split() == ["groove", "velocity", "timing"]
    assert el(driver, '#caps .cap').get_attribute("title").startswith("grooves a drum clip")
    density = el(driver, 'input[data-knob="note_density"]')
    assert not density.is_enabled()
    assert "has no attribute vector for note_density" in el(driver, ".knob.off").get_attribute("title")
    choose_model(driver, wait_until, "groovet")
    assert wait_until(lambda: greyed(driver, "#drumify") is None and greyed(driver, "#groove"), 10)
    assert "is a GrooVAE tap model" in greyed(driver, "#groove")
    # a calibrated model: its weak knob carries a mark that says so, the others none
    choose_model(driver, wait_until, "calibrated")
    assert wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, ".weak-mark"), 10)
    (mark,) = driver.find_elements(By.CSS_SELECTOR, ".weak-mark")
    knob = mark.find_element(By.XPATH, "./ancestor::label[contains(@class, 'knob')]")
    assert knob.find_element(By.TAG_NAME, "input").get_attribute("data-knob") == "average_interval"
    assert mark.text == "≈ weak" and WEAK in mark.get_attribute("title") and WEAK in knob.get_attribute("title")
    assert density.is_enabled() and greyed(driver, "#groove") and greyed(driver, "#chords-set")
    choose_model(driver, wait_until, "chordmel")
    assert wait_until(lambda: greyed(driver, "#chords-set") is None, 10)
    assert not driver.find_elements(By.CSS_SELECTOR, ".weak-mark") and el(driver, "#chords-why").text == ""
    assert browser_problems(driver) == []


def test_9_groove_a_dropped_clip_into_a_new_clip_and_download_it(tools_rig, tool_files, wait_until):
    service, driver, downloads = tools_rig
    s = session_of(service, driver)
    choose_model(driver, wait_until, "grooveh")
    js(driver, DROP_ON, "#groove-box", base64.b64encode(tool_files["beat.mid"]).decode(), "beat.mid")
    assert wait_until(lambda: (page_state(driver).get("tool") or {}).get("title") == "beat.mid", 20)
    assert painted(driver, el(driver, "#tool-clip")) > 20
    assert el(driver, "#tool-source").get_attribute("value") == "tool"
    source = list(s.clips["panel-tool"].notes)
    js(driver, """const a = document.getElementById("groove-amount"); a.value = 0.8;
                  a.dispatchEvent(new Event("input"));""")
    assert el(driver, "#groove-amount-value").text == "0.80"
    el(driver, "#groove").click()
    assert wait_until(lambda: driver.find_elements(By.CSS_SELECTOR, "#results [data-result]"), 30), (
        el(driver, "#tool-error").text)
    result = el(driver, "#results [data-result]")
    assert result.find_element(By.CSS_SELECTOR, ".result-head").text.split() == ["grooved", "beat.mid", ".mid"]
    assert result.find_element(By.CSS_SELECTOR, ".result-meta").text.startswith("amount 0.80 · temp 0.00 · ")
    assert painted(driver, result.find_element(By.TAG_NAME, "canvas")) > 20
    rid = int(result.get_attribute("data-result"))
    result.find_element(By.CSS_SELECTOR, "button.get").click()
    path = downloads / f"beat-grooved-{rid}.mid"
    assert wait_until(lambda: midi_file(path) is not None, 30), list(downloads.iterdir())
    pm = midi_file(path)
    (inst,) = pm.instruments
    got = sorted((n.pitch, pm.time_to_tick(n.start) / pm.resolution, n.velocity) for n in inst.notes)
    # the same as the engine grooves that clip (temperature 0: the most likely hits, one seed), to the tick
    notes, length = service.call(service.engine.regroove_clip, s, "panel-tool", 0.8, 0.0, False)
    want = sorted((n.pitch, n.start, n.velocity) for n in notes)
    assert inst.is_drum and [(p, v) for p, _, v in got] == [(p, v) for p, _, v in want]
    assert all(abs(a[1] - b[1]) <= 1.0 / pm.resolution for a, b in zip(got, want)), (got, want)
    assert len({v for _, _, v in got}) > 2 and any(abs(b * 4 - round(b * 4)) > 0.01 for _, b, _ in got)
    assert s.clips["panel-tool"].notes == source  # the source clip is untouched: the result is a new clip
    # Drumify stays greyed out on this model; another Groove adds a clip, the first stays
    assert greyed(driver, "#drumify")
    el(driver, "#groove").click()
    assert wait_until(lambda: len(driver.find_elements(By.CSS_SELECTOR, "#results [data-result]")) == 2, 30)
    assert browser_problems(driver) == []


def test_10_chords_typed_read_from_a_clip_and_the_bar_playing(tools_rig, tool_files, wait_until, tmp_path):
    service, driver, _ = tools_rig
    s = session_of(service, driver)
    choose_model(driver, wait_until, "chordmel")
    text = el(driver, "#chords-text")
    assert wait_until(lambda: text.is_enabled(), 10)
    text.clear()
    text.send_keys("C G | Am")
    el(driver, "#chords-set").click()
    assert wait_until(lambda: el(driver, "#chords-read").text == "as read: C G | Am", 10)
    assert s.chords == [["C", "G"], ["Am"]]
    text.clear()
    text.send_keys("C Hm", Keys.ENTER)
    read = el(driver, "#chords-read")
    assert wait_until(lambda: "no root" in read.text and "error" in read.get_attribute("class"), 10), read.text
    assert s.chords == [["C", "G"], ["Am"]]  # refused: nothing changed
    js(driver, DROP_ON, "#groove-box", base64.b64encode(tool_files["harmony.mid"]).decode(), "harmony.mid")
    assert wait_until(lambda: (page_state(driver).get("tool") or {}).get("title") == "harmony.mid", 20)
    el(driver, "#chords-from-clip").click()
    assert wait_until(lambda: read.text == "as read: Am G" and text.get_attribute("value") == "Am G", 10), read.text
    assert s.chords == [["Am"], ["G"]]
    # while it plays, the bar's chord
    js(driver, 'document.getElementById("tempo").value = 240')
    el(driver, "#play").click()
    assert wait_until(lambda: s.transport.playing, 10)
    seen = set()

    def chord_shown():
        m = re.fullmatch(r"bar (\d+): (\S+)", el(driver, "#chord-now").text)
        if m:
            assert m.group(2) == ("Am", "G")[(int(m.group(1)) - 1) % 2], m.group(0)
            seen.add(m.group(2))
        return seen == {"Am", "G"}

    assert wait_until(chord_shown, 20), seen
    whole_page(driver, tmp_path / "tools.png", "SEGUE_PANEL_TOOLS_SCREENSHOT")
    el(driver, "#stop").click()
    assert wait_until(lambda: not s.transport.playing, 10)
    # a model without chords keeps the progression, greyed out, and says so
    choose_model(driver, wait_until, "calibrated")
    assert wait_until(lambda: read.text == "kept (not heard on this model): Am G", 10), read.text
    assert greyed(driver, "#chords-set") and el(driver, "#chord-now").text == "" and s.chords == [["Am"], ["G"]]
    choose_model(driver, wait_until, "chordmel")
    text.clear()
    el(driver, "#chords-set").click()
    assert wait_until(lambda: read.text == "no progression" and s.chords == [], 10)
    assert browser_problems(driver) == []
