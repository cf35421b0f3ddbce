"""Another OSC implementation than python-osc talks to the engine: Node's `osc` package."""

import json
import subprocess
from pathlib import Path

import pytest

NODE_DIR = Path(__file__).resolve().parents[1] / "node"


def test_node_osc_client_says_hello_pings_and_gets_errors(require_tool, running_engine, tiny_model):
    node = require_tool("node")
    if not (NODE_DIR / "node_modules" / "osc").is_dir():
        pytest.fail("tests/node/node_modules is missing: run `make test` (it runs npm ci there)")
    with running_engine(tiny_model()) as engine:
        port = engine.address[1]
        done = subprocess.run([node, str(NODE_DIR / "osc_ping.js"), str(port)], capture_output=True,
                              text=True, timeout=60)
    lines = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert done.returncode == 0, done.stdout + done.stderr
    by_address = {m["address"]: m["args"] for m in lines}
    assert by_address["/segue/hello"][:3] == [1, "node-client", 0]
    assert by_address["/segue/pong"][0] == 2
    rid, address, message = by_address["/segue/error"]
    assert rid == 3 and address == "/segue/no/such/thing" and "unknown address" in message
