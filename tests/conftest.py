"""Shared test set-up, as fixtures (the tests import no helper modules: pytest runs with
``--import-mode=importlib``, so two folders may hold test files of one name).

- ``require_tool(name)``: an external tool's path; skipped without it on a laptop, a failure in CI
  (``SEGUE_REQUIRE_TOOLS=1``): a broken install step must not pass;
- ``tiny_model(seed=0, config=...)``: a tiny model (hidden size 8) on the CPU; ``loud_model(config,
  seed=4, hit_bias=0.0)``: a fresh model whose weights play varied notes; ``tool_models``: a models
  folder with tiny GrooVAE (humanize, tap), chord and knob-calibrated models;
- ``running_engine(model, ...)``: the one engine runner, the core with its OSC adapter on
  127.0.0.1 on its own event-loop thread;
- ``wait_until(pred, timeout)``: poll until a condition holds;
- ``synthetic_windows(out, count, valid, test)``: training windows in the layout of `segue data build`;
- ``fake_engine(instance)``: what a MIDI session needs of the engine, with no model;
- ``recording_listener(keep_open=False)``: a listener of the core that keeps its bars and problems;
- ``fake_rtmidi(...)``: python-rtmidi replaced by one whose backends fail as asked;
- ``small_filesystem``: a 128 KB tmpfs mounted at a fresh folder (a disk that fills);
- ``jack_server(folder)``: a JACK server (the dummy driver) and ``SEGUE_MIDI_API=jack`` for a block;
- ``chromium(downloads=None)``: headless Debian Chromium driven by Selenium through the system
  chromedriver (nothing downloaded), a fresh profile each time; ``running_panel(model, ...)``: an
  engine with its OSC adapter and the web panel.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path

import numpy as np
import pytest
import torch
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30)
settings.register_profile("ci", deadline=None, max_examples=50,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REQUIRE_TOOLS = os.environ.get("SEGUE_REQUIRE_TOOLS") == "1"

# Tests run tiny models, for which one thread is fastest, beside the engine threads they start; on a
# busy 2-core machine two intra-op threads per call made them up to ten times slower. The engine's
# worker still sets its own thread count per model.
torch.set_num_threads(1)


# --- tools ------------------------------------------------------------------------------------------
def _require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if REQUIRE_TOOLS:
            pytest.fail(f"{message}, and SEGUE_REQUIRE_TOOLS=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def require_tool() -> Callable[[str], str]:
    """The path of an external tool (node, jackd, chromium ...). Without it the test is skipped on
    a laptop, but fails in CI (SEGUE_REQUIRE_TOOLS=1)."""
    return _require_tool


# --- JACK -------------------------------------------------------------------------------------------
@contextmanager
def _jack_server(folder: Path) -> Iterator[None]:
    jackd, jack_wait = _require_tool("jackd"), _require_tool("jack_wait")
    saved = os.environ.get("SEGUE_MIDI_API")
    os.environ["SEGUE_MIDI_API"] = "jack"
    proc = None
    try:
        running = subprocess.run([jack_wait, "-c"], capture_output=True, text=True, timeout=10).stdout.strip()
        if running != "running":
            log = folder / "jackd.log"
            with open(log, "w") as out:
                proc = subprocess.Popen([jackd, "-d", "dummy", "-r", "48000", "-p", "64"],
                                        stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
            waited = subprocess.run([jack_wait, "-w", "-t", "10"], capture_output=True, text=True, timeout=20)
            if waited.returncode != 0 or proc.poll() is not None:
                pytest.fail(f"jackd did not start: {waited.stdout}{waited.stderr}{log.read_text()}", pytrace=False)
        yield
    finally:
        if saved is None:
            os.environ.pop("SEGUE_MIDI_API", None)
        else:
            os.environ["SEGUE_MIDI_API"] = saved
        if proc is not None:
            proc.terminate()
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)


@pytest.fixture(scope="session")
def jack_server() -> Callable[[Path], AbstractContextManager[None]]:
    """``with jack_server(folder):`` a JACK server (JACK 2's dummy driver) and SEGUE_MIDI_API=jack
    for the block. A server already running is reused; one started here (its log in ``folder``) is
    ended by its PID. Skipped without jackd on a laptop, a failure in CI."""
    return _jack_server


# --- models -----------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def tiny_model():
    """A factory of tiny models (hidden size 8, CPU) with attribute vectors fitted from the prior:
    ``tiny_model(seed=0, config="cat-mel_2bar_small")``."""
    from segue.models.configs import CONFIGS
    from segue.models.inference import LatentModel

    def make(seed: int = 0, config: str = "cat-mel_2bar_small"):
        model = LatentModel.fresh(CONFIGS[config].scaled(8), seed=seed, device="cpu")
        model.fit_attributes_from_prior(n=64, temperature=1.0)
        return model

    return make


WEAK_CALIBRATION = {"note_density": {"std": 0.12, "lo": 0.05, "hi": 0.6, "spearman": 0.91, "weak": False},
                    "average_interval": {"std": 1.4, "lo": 0.0, "hi": 7.0, "spearman": 0.38, "weak": True}}


def _loud(config, seed: int = 4, hit_bias: float = 0.0):
    """A fresh model of ``config`` with random weights large enough to play varied notes and hits (a
    fresh model's are near-silent); ``hit_bias`` raises a GrooVAE model's hit logits."""
    from segue.models.inference import LatentModel

    model = LatentModel.fresh(config, seed=seed, device="cpu")
    with torch.no_grad():
        gen = torch.Generator().manual_seed(seed)
        for p in model.model.parameters():
            p.copy_(torch.randn(p.shape, generator=gen) * 0.5)
        if hit_bias:  # the GrooVAE hits' logits first: more hits than silence
            model.model.decoder.heads[0].output_projection.bias[:9] += hit_bias
    return model


@pytest.fixture(scope="session")
def loud_model() -> Callable:
    """``loud_model(config, seed=4, hit_bias=0.0)``: a fresh model of ``config`` on the CPU whose random
    weights are large enough to play varied notes and hits; ``hit_bias`` raises a GrooVAE model's hit
    logits."""
    return _loud


@pytest.fixture(scope="session")
def tool_models(tmp_path_factory, tiny_model) -> Path:
    """A models folder for the model-dependent actions (Groove, Drumify, chords, weak knobs) of the
    panel and the Max device, offered by name: ``grooveh`` a tiny GrooVAE humanize model (Groove),
    ``groovet`` a tiny tap model (Drumify), ``chordmel`` a tiny melody model conditioned on chords
    (major and minor triads), ``calibrated`` the tiny melody model whose knob calibration marks
    ``average_interval`` weak."""
    from dataclasses import replace

    from segue.models.configs import CONFIGS

    folder = tmp_path_factory.mktemp("tool-models")
    _loud(CONFIGS["groovae_2bar_humanize"].scaled(8)).save(folder / "grooveh.safetensors")
    _loud(CONFIGS["groovae_2bar_tap"].scaled(8), hit_bias=1.5).save(folder / "groovet.safetensors")
    chords = replace(CONFIGS["cat-mel_2bar_small"].scaled(8), controls={"chords": "MajorMinorChordEncoder"})
    _loud(chords).save(folder / "chordmel.safetensors")
    tiny_model().save(folder / "calibrated.safetensors", training={"knobs": WEAK_CALIBRATION})
    return folder


# --- polling ----------------------------------------------------------------------------------------
def _wait_until(pred: Callable[[], bool], timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    tick = threading.Event()
    while time.monotonic() < deadline:
        if pred():
            return True
        tick.wait(0.01)
    return pred()


@pytest.fixture(scope="session")
def wait_until() -> Callable[..., bool]:
    """Poll ``pred`` until it holds or the deadline passes; whether it holds."""
    return _wait_until


# --- the engine -------------------------------------------------------------------------------------
def _running_engine(model, state_dir: Path | None = None, models_dir: Path | None = None, port: int = 0,
                    **config):
    from segue.engine.api import EngineConfig
    from segue.engine.serving import BackgroundService

    return BackgroundService(EngineConfig(port=port, state_dir=state_dir, models_dir=models_dir,
                                          tick_seconds=0.01, **config), model)


@pytest.fixture(scope="session")
def running_engine() -> Callable:
    """``running_engine(model, state_dir=None, models_dir=None, port=0, **config)``: a started
    engine with its OSC adapter on 127.0.0.1 on its own event-loop thread (port 0: any free port; a
    fixed port lets a restarted engine come back where its clients look); a 10 ms scheduler tick.
    A ``segue.engine.serving.BackgroundService``: use it in a ``with`` block, or ``close()`` it."""
    return _running_engine


class FakeEngine:
    """What a MIDI session needs of the engine (``segue.engine.api.EngineAPI``), with no model:
    one session, every call applied at once on the caller's thread, bars handed to the listeners
    with :meth:`feed`."""

    def __init__(self, instance: str = "midi:detached"):
        from segue.engine.session import Session

        self.session = Session(instance=instance)
        self.listeners: list = []
        self.requested: list[int] = []
        self.transports: list[tuple] = []

    def call(self, fn: Callable, *args) -> Future:
        future: Future = Future()
        try:
            result = fn(*args)
            if asyncio.iscoroutine(result):
                result = asyncio.run(result)
            future.set_result(result)
        except Exception as e:
            future.set_exception(e)
        return future

    def on_loop(self) -> bool:
        return False

    def feed(self, bar: int, version: int, notes: list) -> None:
        from segue.engine.api import Bar

        for x in list(self.listeners):
            x.bar(self.session, Bar(bar, version, notes, 0.0, 0.0, 0, {}))

    def attach(self, instance: str, listener):
        self.listeners.append(listener)
        return self.session, False

    def detach(self, instance: str, listener) -> None:
        if listener in self.listeners:
            self.listeners.remove(listener)

    def set_knob(self, s, name: str, value) -> int:
        from segue.bridge.addresses import KNOBS
        from segue.models.errors import InputError

        arg = KNOBS.get(name)
        problem = arg.check(value, name) if arg else f"no knob {name!r}"
        if problem:
            raise InputError(problem)
        s.knobs.set(name, value)
        s.changed()
        return s.version

    def set_transport(self, s, playing, tempo, beat, numerator=4, denominator=4, at=None) -> None:
        t = s.transport
        t.playing, t.tempo, t.beat, t.at = bool(playing), float(tempo), float(beat), at or 0.0
        self.transports.append((bool(playing), float(tempo), float(beat), at))

    def seek(self, s, beat, at=None) -> None:
        s.transport.beat = float(beat)
        s.sent.clear()

    def tick(self, now: float) -> None:
        pass

    def request_bar(self, s, bar: int) -> None:
        self.requested.append(bar)

    def set_morph_slots(self, s, a: str, b: str) -> None:
        s.morph_slots = (a, b)
        s.changed()

    def put_clip(self, s, name: str, clip) -> None:
        s.clips[name] = clip

    async def encode_into_slot(self, s, slot: str, clip_name: str):
        s.changed()

    async def sample_into_slot(self, s, slot: str, bars: int):
        from segue.models.errors import InputError

        raise InputError("no model here")

    def model_of(self, s):
        return None


@pytest.fixture(scope="session")
def fake_engine() -> type[FakeEngine]:
    return FakeEngine


class RecordingListener:
    """A listener of the engine's core that keeps what it is told: bars, problems, closings."""

    def __init__(self, keep_open: bool = False):
        self.keep_open = keep_open
        self.bars: list = []
        self.problems: list[tuple[str, str]] = []
        self.closed_sessions: list[str] = []

    def bar(self, s, bar) -> None:
        self.bars.append(bar)

    def problem(self, s, where: str, message: str) -> None:
        self.problems.append((where, message))

    def closed(self, s) -> None:
        self.closed_sessions.append(s.instance)


@pytest.fixture(scope="session")
def recording_listener() -> type[RecordingListener]:
    return RecordingListener


# --- data -------------------------------------------------------------------------------------------
def _write_synthetic_windows(out: Path, count: int, valid: int, test: int, seed: int = 0) -> Path:
    from segue.models.training.windows import windows_path

    rng = np.random.default_rng(seed)
    rows = []
    for _ in range(count):
        base = int(rng.integers(50, 70))
        step = int(rng.choice([1, 2, 3, 4]))
        spacing = int(rng.choice([1, 2, 3, 4]))
        offset = int(rng.integers(0, spacing))
        w = np.zeros((32, 1), dtype=np.uint8)
        for n, i in enumerate(range(offset, 32, spacing)):
            w[i, 0] = base + (n * step) % 24 - 21 + 2
        rows.append(w)
    arr = np.stack(rows)
    train = count - valid - test
    for split, part in (("train", arr[:train]), ("valid", arr[train : train + valid]), ("test", arr[train + valid :])):
        np.save(windows_path(out, "melody", 2, split), part)
    return out


@pytest.fixture(scope="session")
def synthetic_windows() -> Callable[..., Path]:
    """Scales and arpeggios in many keys, at several note spacings and offsets (so density,
    intervals and syncopation all vary): ``synthetic_windows(out, count, valid, test)`` windows
    split train / valid / test, written as `segue data build` writes them."""
    return _write_synthetic_windows


# --- MIDI backends that fail ------------------------------------------------------------------------
class FakeRtmidi:
    """An rtmidi module whose backends fail like ALSA without /dev/snd/seq, or lack virtual ports."""

    API_LINUX_ALSA, API_UNIX_JACK, API_WINDOWS_MM = 2, 3, 7

    def __init__(self, virtual_ok: bool = False, construct_ok: bool = False):
        self.virtual_ok, self.construct_ok = virtual_ok, construct_ok

    def get_compiled_api(self):
        return [2, 3] if not self.construct_ok else [7]

    def get_api_name(self, api):
        return {2: "alsa", 3: "jack", 7: "winmm"}[api]

    def _port(self, rtapi, name):
        if not self.construct_ok:
            raise OSError(f"Midi{rtapi}::initialize: error creating client object.")
        fake = self

        class Port:
            def open_virtual_port(self, name):
                if not fake.virtual_ok:
                    raise NotImplementedError("Virtual ports are not supported by the Windows MultiMedia API.")

            def get_ports(self):
                return ["loopMIDI Port 1"]

            def delete(self):
                pass

        return Port()

    MidiIn = MidiOut = _port


@pytest.fixture
def fake_rtmidi(monkeypatch):
    """``fake_rtmidi(virtual_ok=False, construct_ok=False)`` installs a python-rtmidi whose
    backends fail like ALSA without /dev/snd/seq, or lack virtual ports."""
    from segue.bridge import ports

    def install(**kw):
        fake = FakeRtmidi(**kw)
        monkeypatch.setattr(ports, "_rtmidi", lambda: fake)
        monkeypatch.setattr(ports, "_api_cache", {})
        monkeypatch.delenv("SEGUE_MIDI_API", raising=False)
        monkeypatch.delenv("MIDO_BACKEND", raising=False)
        return fake
    return install


# --- the panel in a browser ---------------------------------------------------------------------------
CHROMIUM_FLAGS = ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--window-size=1400,1000", "--autoplay-policy=no-user-gesture-required")


@pytest.fixture(scope="session")
def chromium(require_tool, tmp_path_factory):
    """``chromium(downloads=None)``: a Selenium driver of headless Debian Chromium through the
    system chromedriver (no browser or driver is ever downloaded), with a fresh profile; downloads
    go to ``downloads``. The caller quits it. Skipped without chromium and chromedriver on a laptop,
    a failure in CI."""
    binary = require_tool("chromium")
    driver_path = require_tool("chromedriver")

    def start(downloads: Path | None = None):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        options = webdriver.ChromeOptions()
        options.binary_location = binary
        for flag in CHROMIUM_FLAGS:
            options.add_argument(flag)
        options.add_argument(f"--user-data-dir={tmp_path_factory.mktemp('chromium-profile')}")
        options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
        if downloads is not None:
            options.add_experimental_option("prefs", {"download.default_directory": str(downloads),
                                                      "download.prompt_for_download": False})
        driver = webdriver.Chrome(service=Service(driver_path), options=options)
        if downloads is not None:
            driver.execute_cdp_cmd("Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)})
        driver.set_script_timeout(30)
        return driver

    return start


def _running_panel(model, state_dir: Path | None = None, port: int = 0, panel_port: int = 0, midi=None, **config):
    from segue.engine.api import EngineConfig
    from segue.engine.panel import PanelSettings
    from segue.engine.serving import BackgroundService

    return BackgroundService(EngineConfig(port=port, state_dir=state_dir, tick_seconds=0.01, **config), model,
                             midi=midi, panel=PanelSettings(port=panel_port))


@pytest.fixture(scope="session")
def running_panel() -> Callable:
    """``running_panel(model, state_dir=None, port=0, panel_port=0, midi=None, **config)``: a
    ``BackgroundService`` with the web panel; ``service.service.panel`` is the ``PanelServer`` (its
    ``url`` holds the token)."""
    return _running_panel


# --- a disk that fills ----------------------------------------------------------------------------
@pytest.fixture
def small_filesystem(tmp_path, require_tool):
    """A 128 KB tmpfs mounted at a fresh folder (needs root; in CI a missing permission fails)."""
    mount = require_tool("mount")
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run([mount, "-t", "tmpfs", "-o", "size=128k", "tmpfs", str(folder)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        if REQUIRE_TOOLS:
            pytest.fail(f"cannot mount a tmpfs: {done.stderr.strip()}")
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], check=False)
