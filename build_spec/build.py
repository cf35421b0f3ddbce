"""Build the standalone engine (PyInstaller onedir) and measure it.

    python build_spec/build.py [--constraints constraints/torch-cpu.txt] [--venv build/venv]

1. A build venv (default build/venv) gets Segue installed NON-editably (`pip install '.[build]'`,
   which adds PyInstaller) under the torch pin of the constraints file. When the venv holds another
   torch build than the pin names (say +cpu against a plain 2.13.0), it is made afresh.
2. PyInstaller runs build_spec/segue-engine.spec with explicit work and dist paths:
   build/pyinstaller and dist/, giving dist/segue-engine/segue-engine (.exe on Windows).
3. The binary is started a few times on a free port: seconds to its ready line and to the answer
   to /segue/ping, then SIGTERM (Windows: terminate). With the folder's size these facts go to
   build/binary-facts.json and are printed.

Runs on Linux, macOS and Windows with only the standard library (the OSC ping is built by hand).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NAME = "segue-engine"
WINDOWS = os.name == "nt"


def devices() -> list[str]:
    """The .amxd files ``make device`` (maxpatch/build.py) writes: Segue.amxd, the streaming device,
    and the two MIDI Tools, Segue Transform.amxd and Segue Generate.amxd."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("segue_maxpatch_build", ROOT / "maxpatch" / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return [device.built for device in module.DEVICES]


def copy_devices(out: Path, built: Path = ROOT / "maxpatch" / "build") -> list[str]:
    """Every device of ``devices()`` that ``built`` holds, copied beside the executable in ``out``
    (the spec calls this); the names copied."""
    copied = []
    for name in devices():
        if (built / name).is_file():
            shutil.copy2(built / name, out / name)
            copied.append(name)
    return copied


def run(*cmd, **kw) -> None:
    print("+", " ".join(map(str, cmd)), flush=True)
    subprocess.run([str(c) for c in cmd], check=True, cwd=ROOT, **kw)


def venv_python(venv: Path) -> Path:
    return venv / ("Scripts/python.exe" if WINDOWS else "bin/python")


def torch_pin(constraints: Path) -> str:
    for line in constraints.read_text().splitlines():
        line = line.split("#")[0].strip()
        if line.startswith("torch=="):
            return line.removeprefix("torch==")
    raise SystemExit(f"{constraints} pins no torch (torch==VERSION)")


def installed_torch(python: Path) -> str | None:
    done = subprocess.run([str(python), "-c", "from importlib.metadata import version; print(version('torch'))"],
                          capture_output=True, text=True)
    return done.stdout.strip() if done.returncode == 0 else None


def install(venv: Path, constraints: Path) -> str:
    """Segue, non-editable, plus PyInstaller, into ``venv``; returns the torch version there."""
    pin = torch_pin(constraints)
    python = venv_python(venv)
    for attempt in (1, 2):
        if not python.exists():
            run(sys.executable, "-m", "venv", venv)
        # setuptools builds in build/lib and never removes files from it: start clean
        for stale in [ROOT / "build" / "lib", *(ROOT / "build").glob("bdist.*")]:
            shutil.rmtree(stale, ignore_errors=True)
        run(python, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
            "-c", constraints, ".[build]")
        got = installed_torch(python)
        if got == pin:  # "2.13.0+cpu" only for a +cpu pin, plain "2.13.0" only for a plain one
            return got
        if attempt == 1:
            print(f"{venv} has torch {got}, the pin is {pin}: making the venv afresh", flush=True)
            shutil.rmtree(venv)
    raise SystemExit(f"torch {got} installed, but {constraints} pins {pin}")


def pyinstaller(venv: Path) -> Path:
    run(venv_python(venv), "-m", "PyInstaller", ROOT / "build_spec" / f"{NAME}.spec", "--noconfirm",
        "--workpath", ROOT / "build" / "pyinstaller", "--distpath", ROOT / "dist")
    exe = ROOT / "dist" / NAME / (f"{NAME}.exe" if WINDOWS else NAME)
    if not exe.is_file():
        raise SystemExit(f"PyInstaller made no {exe}")
    return exe


# --- measuring ---------------------------------------------------------------------------------------

def osc_ping(rid: int) -> bytes:
    """/segue/ping with one int32 (the request id), as OSC bytes."""
    def padded(text: str) -> bytes:
        raw = text.encode() + b"\0"
        return raw + b"\0" * (-len(raw) % 4)
    return padded("/segue/ping") + padded(",i") + struct.pack(">i", rid)


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file() and not p.is_symlink())


def start_once(exe: Path, timeout: float = 180.0) -> dict:
    """Start ``serve`` on a free port; seconds to the ready line and to the first pong; stop it."""
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.Popen([str(exe), "serve", "--port", "0", "--state-dir", str(Path(tmp) / "state"),
                                 "--models-dir", str(Path(tmp) / "models")],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        lines: list[str] = []
        errors: list[str] = []
        got_ready = threading.Event()

        def read_out():
            for line in proc.stdout:
                lines.append(line)
                if line.startswith("segue engine ready:"):
                    got_ready.set()

        threading.Thread(target=read_out, daemon=True).start()
        threading.Thread(target=lambda: errors.extend(proc.stderr), daemon=True).start()
        try:
            if not got_ready.wait(timeout):
                raise SystemExit(f"no ready line within {timeout} s; stdout {lines!r}, "
                                 f"stderr {''.join(errors)[-2000:]}")
            ready = time.perf_counter() - t0
            line = next(x for x in lines if x.startswith("segue engine ready:"))
            port = int(line.split("udp://", 1)[1].split()[0].rsplit(":", 1)[1])
            with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
                sock.settimeout(10)
                sock.sendto(osc_ping(1), ("127.0.0.1", port))
                reply, _ = sock.recvfrom(65535)
            if not reply.startswith(b"/segue/pong"):
                raise SystemExit(f"ping answered {reply[:40]!r}")
            pong = time.perf_counter() - t0
            if WINDOWS:
                proc.terminate()
            else:
                proc.send_signal(signal.SIGTERM)
            code = proc.wait(timeout=60)
            if not WINDOWS and code != 0:
                raise SystemExit(f"exit status {code} after SIGTERM; stderr {''.join(errors)[-2000:]}")
            return {"ready_s": round(ready, 2), "first_pong_s": round(pong, 2), "ready_line": line.strip(),
                    "first_run_message": "first run" in "".join(errors)}
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()


def measure(exe: Path, runs: int, build_seconds: float | None, venv: Path) -> dict:
    starts = [start_once(exe) for _ in range(runs)]
    folder = exe.parent
    version = subprocess.run([str(exe), "--version"], capture_output=True, text=True, check=True).stdout.strip()
    ready = [s["ready_s"] for s in starts]
    return {
        "binary": str(exe.relative_to(ROOT)),
        "version": version,
        "platform": f"{platform.system()} {platform.machine()}",
        "python": platform.python_version(),
        "torch": installed_torch(venv_python(venv)),
        "size_bytes": folder_size(folder),
        "size_mb": round(folder_size(folder) / 1e6, 1),
        "torch_mb": round(folder_size(folder / "_internal" / "torch") / 1e6, 1),
        "files": sum(1 for p in folder.rglob("*") if p.is_file()),
        "shipped_models": sorted(p.name for p in (folder / "models").glob("*.safetensors")),
        "device_amxd": (folder / "Segue.amxd").is_file(),
        "devices": [name for name in devices() if (folder / name).is_file()],  # the device and the MIDI Tools
        "build_s": None if build_seconds is None else round(build_seconds, 1),
        "startup_ready_s": ready,
        "startup_ready_median_s": sorted(ready)[len(ready) // 2],
        "startup_first_pong_s": [s["first_pong_s"] for s in starts],
        "ready_line": starts[-1]["ready_line"],
        "first_run_message": starts[0]["first_run_message"],
    }


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--constraints", type=Path, default=Path("constraints/torch-cpu.txt"),
                   help="the torch pin (constraints/torch-cuda.txt: plain torch==2.13.0 from PyPI)")
    p.add_argument("--venv", type=Path, default=Path("build/venv"), help="the build venv")
    p.add_argument("--runs", type=int, default=3, help="start-up measurements")
    p.add_argument("--no-build", action="store_true", help="only measure dist/segue-engine")
    a = p.parse_args(argv)
    venv, constraints = ROOT / a.venv, ROOT / a.constraints
    t0 = time.perf_counter()
    if a.no_build:
        exe = ROOT / "dist" / NAME / (f"{NAME}.exe" if WINDOWS else NAME)
    else:
        # the Max for Live device and the two MIDI Tools travel with the binary: build them first (stdlib only)
        subprocess.run([sys.executable, str(ROOT / "maxpatch" / "build.py")], check=True)
        install(venv, constraints)
        exe = pyinstaller(venv)
    facts = measure(exe, a.runs, None if a.no_build else time.perf_counter() - t0, venv)
    facts["constraints"] = a.constraints.as_posix()
    out = ROOT / "build" / "binary-facts.json"
    if a.no_build and out.is_file():  # keep what the last build took
        facts["build_s"] = json.loads(out.read_text()).get("build_s")
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(facts, indent=2) + "\n")
    print(f"\n{facts['binary']}: {facts['size_mb']} MB in {facts['files']} files (torch {facts['torch_mb']} MB); "
          f"ready in {facts['startup_ready_median_s']} s (median of {a.runs}: {facts['startup_ready_s']}); "
          f"built in {facts['build_s']} s")
    print(json.dumps(facts, indent=2))
    print(f"written to {out.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
