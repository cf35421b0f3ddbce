"""`segue serve` as a process: one ready line, OSC on 127.0.0.1, clean shutdown on SIGTERM."""

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from segue.bridge.client import EngineClient
from segue.engine.midi import MidiSettings


@pytest.fixture
def checkpoint(tmp_path, tiny_model):
    return tiny_model().save(tmp_path / "tiny.safetensors", licence="CC0")


def _serve(*args):
    exe = Path(sys.executable).with_name("segue")
    return subprocess.Popen([str(exe), "serve", *map(str, args)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_serve_prints_one_ready_line_answers_and_stops_on_sigterm(checkpoint, tmp_path):
    proc = _serve("--model", checkpoint, "--port", 0, "--state-dir", tmp_path / "state",
                  "--models-dir", tmp_path / "models")
    try:
        line = proc.stdout.readline()
        match = re.match(r"segue engine ready: udp://127\.0\.0\.1:(\d+) model cat-mel_2bar_small "
                         r"\(untrained, licence: CC0\) device cpu", line)
        assert match, line
        client = EngineClient(int(match.group(1)))
        try:
            client.hello()
            assert client.request("/segue/ping")[0] == "/segue/pong"
            assert client.request("/segue/knob/set/morph", 0.25)[0] == "/segue/knob/set/morph"
        finally:
            client.close()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=30) == 0
        assert list((tmp_path / "state").glob("*.json"))  # the session was saved on the way out
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()


def test_lan_host_needs_an_allow_list(checkpoint):
    proc = _serve("--model", checkpoint, "--host", "0.0.0.0")
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--allow" in err


def test_port_in_use_is_a_clear_error(checkpoint, tmp_path):
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as taken:
        taken.bind(("127.0.0.1", 0))
        port = taken.getsockname()[1]
        proc = _serve("--model", checkpoint, "--port", port, "--state-dir", tmp_path / "s")
        out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert f"cannot listen on 127.0.0.1:{port}" in err


@contextlib.contextmanager
def served(model, **kw):
    """serve() on a thread of its own, stopped on leaving: yields the lines it said when ready."""
    from segue.engine.api import EngineConfig
    from segue.engine.serving import serve

    loop = asyncio.new_event_loop()
    stop = asyncio.Event()
    lines: list[str] = []
    ready = threading.Event()

    def say(line):
        lines.append(line)
        ready.set()

    async def main():
        await serve(EngineConfig(port=0, tick_seconds=0.01), model, ready=say, stop=stop, **kw)

    thread = threading.Thread(target=loop.run_until_complete, args=(main(),), daemon=True)
    thread.start()
    try:
        assert ready.wait(20)
        yield lines
    finally:
        loop.call_soon_threadsafe(stop.set)
        thread.join(10)
        loop.close()


def answers_ping(line: str) -> bool:
    client = EngineClient(int(line.split("udp://127.0.0.1:")[1].split()[0]))
    try:
        client.hello()
        return client.request("/segue/ping")[0] == "/segue/pong"
    finally:
        client.close()


def test_serve_keeps_serving_osc_when_midi_cannot_open(fake_rtmidi, caplog, tiny_model):
    fake_rtmidi()
    with served(tiny_model(), midi=MidiSettings()) as lines:
        assert answers_ping(lines[0])
        assert "MIDI is off: no MIDI backend works here" in caplog.text
        assert len(lines) == 1  # no MIDI line


def test_the_ready_line_ends_with_the_panel_url_and_open_opens_it(tiny_model, monkeypatch):
    import urllib.request
    import webbrowser

    from segue.engine.panel import PanelSettings

    opened: list[str] = []
    monkeypatch.setattr(webbrowser, "open", lambda url: opened.append(url) or True)
    with served(tiny_model(), panel=PanelSettings(port=0), open_panel=True) as lines:
        match = re.search(r" panel (http://127\.0\.0\.1:\d+/\?token=[\w-]{20,})$", lines[0])
        assert match, lines[0]
        assert opened == [match.group(1)]
        with urllib.request.urlopen(match.group(1), timeout=10) as page:
            assert page.status == 200 and b"Segue panel" in page.read()


def test_the_engine_serves_osc_when_the_panel_port_is_taken(tiny_model, caplog):
    import socket

    from segue.engine.panel import PanelSettings

    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with served(tiny_model(), panel=PanelSettings(port=port)) as lines:
            assert " panel " not in lines[0]
            assert answers_ping(lines[0])
    assert "the panel is off" in caplog.text and "--panel-port" in caplog.text
