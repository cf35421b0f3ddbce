"""Smoke test of bench/bench_magenta.py: Segue against Magenta.js (cpu and wasm backends) on tiny models."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAGENTA_DIR = ROOT / "tests" / "magenta"
ROWS = [(model, op, batch) for model in ("cat-mel_2bar_small", "hier-mel_4bar_small")
        for op, batch in (("encode", 1), ("decode", 1), ("decode", 16))]


def test_quick_bench_prints_every_row(tmp_path, require_tool):
    node = require_tool("node")
    if not (MAGENTA_DIR / "node_modules" / "@tensorflow" / "tfjs-backend-wasm").is_dir():
        pytest.fail("tests/magenta/node_modules lacks @tensorflow/tfjs-backend-wasm: run `make test` "
                    "(it runs npm ci there)")
    out = tmp_path / "rows.json"
    proc = subprocess.run([sys.executable, str(ROOT / "bench" / "bench_magenta.py"), "--quick", "--node", node,
                           "--json", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-3000:]
    lines = proc.stdout.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("| model |"))
    assert lines[header].split("|")[4:-1] == [
        " Segue ms ", " Magenta.js cpu ms ", " Magenta.js wasm ms ", " cpu / Segue ", " wasm / Segue "]
    body = lines[header + 2 : header + 2 + len(ROWS)]
    number = r"\d+\.\d"
    for (model, op, batch), line in zip(ROWS, body, strict=True):
        assert re.fullmatch(rf"\| {model} \| {op} \| {batch} \| {number} \| {number} \| {number} \| "
                            rf"{number}x \| {number}x \|", line), line
    assert not lines[header + 2 + len(ROWS)].startswith("|"), "more rows than expected"
    checks = [line for line in lines if line.startswith("- ") and "max |mu diff|" in line]
    assert len(checks) == 4  # two models x two backends, each ran the same network
    rows = json.loads(out.read_text())
    assert [(r["model"], r["op"], r["batch"]) for r in rows] == ROWS
    assert all(r[f"{side}_ms"] > 0 for r in rows for side in ("segue", "cpu", "wasm"))
