"""Fixtures for the model tests that run the real Magenta.js (tests/magenta/) beside Segue:

- ``run_magenta(checkpoint, request, workdir)``: run ``tests/magenta/parity.js`` on a checkpoint
  folder with a request (see the script's header) and return its result;
- ``parity_model(config, seed=0)``: a random model whose weights are large enough that mu is O(1)
  and decoder logits are well apart (Segue's initialisation gives mu ~ 1e-3 and many near-ties).
"""

from __future__ import annotations

import json
import math
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

MAGENTA_DIR = Path(__file__).resolve().parents[1] / "magenta"


@pytest.fixture(scope="session")
def run_magenta(require_tool) -> Callable[[Path, dict, Path], dict]:
    def run(checkpoint: Path, request: dict, workdir: Path) -> dict:
        node = require_tool("node")
        if not (MAGENTA_DIR / "node_modules" / "@magenta" / "music").is_dir():
            pytest.fail("tests/magenta/node_modules is missing: run `make test` (it runs npm ci there)")
        workdir.mkdir(parents=True, exist_ok=True)
        req, res = workdir / "request.json", workdir / "result.json"
        req.write_text(json.dumps({"checkpoint": str(Path(checkpoint).resolve()), **request}))
        proc = subprocess.run([node, "parity.js", str(req), str(res)], cwd=MAGENTA_DIR, capture_output=True,
                              text=True, timeout=300)
        assert proc.returncode == 0, f"Magenta.js failed:\n{proc.stderr[-3000:]}"
        return json.loads(res.read_text())

    return run


@pytest.fixture(scope="session")
def parity_model() -> Callable:
    import torch

    from segue.models.inference import LatentModel

    def make(config, seed: int = 0, hidden: int = 16):
        model = LatentModel.fresh(config, seed=seed, device="cpu")
        gen = torch.Generator().manual_seed(seed)
        with torch.no_grad():
            for name, p in model.model.named_parameters():
                std = 1.5 if "output_projection.weight" in name else 0.35
                if config.enc_rnn_size[0] > 64 and "output_projection" not in name:
                    std = 0.35 * math.sqrt(hidden / config.enc_rnn_size[0])  # keep big LSTMs out of saturation
                p.copy_(torch.randn(p.shape, generator=gen) * std)
        return model

    return make
