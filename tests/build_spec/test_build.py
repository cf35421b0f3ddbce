"""The standalone engine binary (build_spec/): where a frozen engine finds its models, the entry
script's defaults, and (slow) a smoke test of the real onedir build.

The slow tests use the binary that SEGUE_BINARY names, else build dist/segue-engine with
`make binary` (build_spec/build.py where there is no make): minutes, and about 1 GB of disk.
"""

from __future__ import annotations

import importlib.util
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from segue.bridge.client import EngineClient
from segue.engine import cli
from segue.models import loading
from segue.models.midifile import read_midi

ROOT = Path(__file__).resolve().parents[2]
WINDOWS = os.name == "nt"
EXE_NAME = "segue-engine.exe" if WINDOWS else "segue-engine"


def _entry():
    """build_spec/segue_engine.py, the frozen entry point, as a module."""
    spec = importlib.util.spec_from_file_location("segue_engine_entry", ROOT / "build_spec" / "segue_engine.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# --- fast: the frozen lookups and the entry script --------------------------------------------------

@pytest.fixture
def frozen(tmp_path, monkeypatch) -> Path:
    """Pretend to be a PyInstaller binary living in tmp_path; returns its folder."""
    exe = tmp_path / EXE_NAME
    exe.write_bytes(b"")
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "executable", str(exe))
    return tmp_path.resolve()


def test_frozen_engine_finds_the_models_beside_the_executable(frozen):
    assert loading.shipped_model_path() is None and loading.shipped_models_dir() is None
    (frozen / "models").mkdir()
    assert loading.shipped_model_path() is None  # a folder without the default model
    assert loading.shipped_models_dir() == frozen / "models"
    (frozen / "models" / "default.safetensors").write_bytes(b"")
    assert loading.shipped_model_path() == frozen / "models" / "default.safetensors"


def test_the_panel_page_is_package_data_and_the_spec_collects_it():
    """The panel's page is package data (pyproject), and the spec takes it into the binary."""
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert '"segue.engine.panel" = ["static/*"]' in pyproject
    assert 'collect_data_files("segue.engine.panel")' in (ROOT / "build_spec" / "segue-engine.spec").read_text()
    static = sorted(p.name for p in (ROOT / "engine" / "panel" / "static").iterdir())
    assert {"index.html", "panel.js", "pad.js", "roll.js", "synth.js", "style.css"} <= set(static)


def _build_script():
    """build_spec/build.py, the build, as a module."""
    spec = importlib.util.spec_from_file_location("segue_build_spec", ROOT / "build_spec" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_binary_carries_the_device_and_both_midi_tools(tmp_path):
    """Wherever the build puts Segue.amxd (beside the executable), it puts the MIDI Tools too: the
    spec copies every device maxpatch/build.py writes, byte for byte, and the entry script names them."""
    build = _build_script()
    assert build.devices() == ["Segue.amxd", "Segue Transform.amxd", "Segue Generate.amxd"]
    assert list(_entry().MIDI_TOOLS) == build.devices()[1:]
    assert "copy_devices(out)" in (ROOT / "build_spec" / "segue-engine.spec").read_text()
    spec = importlib.util.spec_from_file_location("segue_maxpatch_build", ROOT / "maxpatch" / "build.py")
    maxpatch = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(maxpatch)
    built = tmp_path / "built"
    maxpatch.build(built)
    out = tmp_path / "dist"
    out.mkdir()
    assert build.copy_devices(out, built) == build.devices()
    for name in build.devices():
        assert (out / name).read_bytes() == (built / name).read_bytes()
    (built / "Segue Generate.amxd").unlink()  # a build that has not made one: the others still travel
    again = tmp_path / "again"
    again.mkdir()
    assert build.copy_devices(again, built) == ["Segue.amxd", "Segue Transform.amxd"]
    assert sorted(p.name for p in again.iterdir()) == ["Segue Transform.amxd", "Segue.amxd"]


def test_no_command_means_serve():
    entry = _entry()
    assert entry.engine_argv([]) == ["serve"]
    assert entry.engine_argv(["--port", "9000"]) == ["serve", "--port", "9000"]
    assert entry.engine_argv(["--version"]) == ["--version"]
    assert entry.engine_argv(["info", "--device", "cpu"]) == ["info", "--device", "cpu"]


def test_first_run_says_where_it_listens_and_how_to_load_the_device(frozen):
    entry, parser = _entry(), cli.build_parser()
    state = frozen / "state"
    message = entry.first_run_message(["serve", "--state-dir", str(state), "--port", "9797"], parser)
    assert "first run" in message and "udp://127.0.0.1:9797" in message
    assert "Segue.amxd" in message and "not in this build yet" in message
    (frozen / "Segue.amxd").write_bytes(b"")
    message = entry.first_run_message(["serve", "--state-dir", str(state), "--port", "0"], parser)
    assert f"drag {frozen / 'Segue.amxd'} onto a MIDI track" in message and "a free port" in message
    assert "MIDI Tools" not in message
    for name in ("Segue Transform.amxd", "Segue Generate.amxd"):
        (frozen / name).write_bytes(b"")
    message = entry.first_run_message(["serve", "--state-dir", str(state), "--port", "0"], parser)
    assert "Segue Transform.amxd and Segue Generate.amxd" in message and "MIDI Tools folders" in message
    state.mkdir()  # a start that failed after making the folder: still a first run
    assert "first run" in entry.first_run_message(["serve", "--state-dir", str(state)], parser)
    (state / ".started").touch()  # written with the first ready line
    assert entry.first_run_message(["serve", "--state-dir", str(state)], parser) is None  # not the first run
    assert entry.first_run_message(["info"], parser) is None
    assert entry.first_run_message(["serve", "--help"], parser) is None
    assert entry.first_run_message(["serve", "--bogus"], parser) is None  # bad arguments: the parse speaks first


def test_a_build_without_its_models_refuses_to_serve_unless_told_untrained(frozen, capsys):
    """No models/ beside the executable: a clear message and status 2, not an engine playing noise."""
    assert cli.main(["serve", "--port", "0", "--state-dir", str(frozen / "state")]) == 2
    err = capsys.readouterr().err
    assert "no trained model" in err and "--untrained" in err and "Traceback" not in err
    assert cli.main(["serve", "--port", "70000"]) == 2
    assert "--port must be a UDP port 0..65535" in capsys.readouterr().err
    from segue.engine.cli import serve

    serve.check(cli.build_parser().parse_args(["serve", "--untrained"]))  # told: it may
    serve.check(cli.build_parser().parse_args(["serve", "--config", "cat-mel_2bar_small"]))


# --- slow: the real binary --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def binary() -> Path:
    given = os.environ.get("SEGUE_BINARY")
    if given:
        path = Path(given).resolve()
        assert path.is_file(), f"SEGUE_BINARY={given} is not a file"
        return path
    if shutil.which("make") and not WINDOWS:
        subprocess.run(["make", "binary"], cwd=ROOT, check=True, timeout=3600)
    else:
        subprocess.run([sys.executable, "build_spec/build.py"], cwd=ROOT, check=True, timeout=3600)
    return ROOT / "dist" / "segue-engine" / EXE_NAME


def _lines(stream, into: queue.Queue) -> None:
    for line in stream:
        into.put(line)
    into.put(None)


def _stop(proc: subprocess.Popen) -> int:
    if WINDOWS:
        proc.terminate()  # no SIGTERM on Windows: TerminateProcess, whose exit status means nothing
    else:
        proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=60)


@pytest.mark.slow
def test_binary_serves_morphs_streams_bars_and_stops_on_sigterm(binary, tmp_path):
    assert (binary.parent / "models").is_dir()
    devices = ["Segue.amxd", "Segue Transform.amxd", "Segue Generate.amxd"]  # the device and both MIDI Tools
    assert [name for name in devices if (binary.parent / name).is_file()] == devices
    done = subprocess.run([str(binary), "--version"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and re.fullmatch(r"segue \d+\.\d+\S*\n", done.stdout), done
    assert "unknown" not in done.stdout  # the package metadata travelled with it

    state = tmp_path / "state"
    t0 = time.monotonic()
    proc = subprocess.Popen([str(binary), "serve", "--port", "0", "--state-dir", str(state),
                             "--models-dir", str(tmp_path / "models")],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: queue.Queue = queue.Queue()
    err: list[str] = []
    readers = [threading.Thread(target=_lines, args=(proc.stdout, out), daemon=True),
               threading.Thread(target=lambda: err.extend(proc.stderr), daemon=True)]
    for reader in readers:
        reader.start()
    client = None
    try:
        line = out.get(timeout=300)
        startup = time.monotonic() - t0
        match = re.match(r"segue engine ready: udp://127\.0\.0\.1:(\d+) model (\S+)", line or "")
        assert match, (line, "".join(err)[-3000:])
        print(f"binary ready in {startup:.2f} s: {line.strip()}")
        panel = re.search(r" panel (http://127\.0\.0\.1:\d+/\?token=\S+)$", line.strip())
        assert panel, line  # the panel's page travelled inside the binary
        import urllib.request

        with urllib.request.urlopen(panel.group(1), timeout=30) as page:
            assert b"Segue panel" in page.read()
        with urllib.request.urlopen(panel.group(1).replace("/?token=", "/static/panel.js?token="), timeout=30) as js:
            assert b"seguePanel" in js.read()

        client = EngineClient(int(match.group(1)))
        hello = client.hello(timeout=30)
        assert f"segue {hello[3]}\n" == done.stdout  # the engine's version is the binary's
        assert client.request("/segue/ping")[0] == "/segue/pong"

        for slot, path in zip("AB", loading.example_clips()):
            seq = read_midi(path)
            client.upload(slot.lower(), [n for t in seq.tracks for n in t.notes], max(4.0, 4.0 * -(-seq.end // 4)))
            address, args = client.request("/segue/slot/encode", slot, slot.lower(), timeout=60)
            assert address == "/segue/slot/encode", args
        assert client.request("/segue/knob/set/morph", 0.5)[0] == "/segue/knob/set/morph"
        reply = client.request("/segue/transport/set", 1, 400.0, 0.0, 4, 4)  # 0.6 s a bar
        assert reply[0] == "/segue/transport/set", reply
        # bars 0 and 1 were primed (and sent) at a stopped playhead as each slot was encoded; the
        # morph knob sends them again: the newest version of each bar is the one that plays
        newest: dict = {}
        deadline = time.monotonic() + 60
        while not {0, 1, 2} <= {n for n, b in newest.items() if b.morph == pytest.approx(0.5)} \
                and time.monotonic() < deadline:
            try:
                b = client.bar_events.get(timeout=1)
            except queue.Empty:
                continue
            if b.bar not in newest or b.version >= newest[b.bar].version:
                newest[b.bar] = b
        client.request("/segue/transport/set", 0, 400.0, 0.0, 4, 4)
        assert sorted(newest)[:3] == [0, 1, 2], sorted(newest)
        assert all(newest[n].complete and newest[n].morph == pytest.approx(0.5) for n in (0, 1, 2)), \
            [(b.bar, b.version, b.morph, b.complete) for b in newest.values()]
        assert all(0 <= n.start < 4.0 and 0 <= n.pitch < 128 for b in newest.values() for n in b.notes)
        client.request("/segue/goodbye")
        client.close()
        client = None

        status = _stop(proc)
        readers[1].join(timeout=10)
        if not WINDOWS:
            assert status == 0, "".join(err)[-3000:]
            assert list(state.glob("*.json"))  # the session was saved on the way out
        assert "first run" in "".join(err)  # no state folder before: it said where it listens
    finally:
        if client is not None:
            client.close()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for reader in readers:
            reader.join(timeout=10)
        proc.stdout.close()
        proc.stderr.close()


@pytest.mark.slow
def test_binary_runs_the_offline_commands(binary, tmp_path):
    done = subprocess.run([str(binary), "demo", "-o", str(tmp_path / "demo"), "--steps", "3"],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    written = {p.suffix for p in (tmp_path / "demo").iterdir()}
    assert {".mid", ".gif"} <= written, written  # matplotlib and PIL drew the morph
    done = subprocess.run([str(binary), "info"], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and json.loads(done.stdout)["model"], done.stderr[-3000:]
    done = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=300)
    assert "standalone binary" in done.stdout and "music21" in done.stdout
