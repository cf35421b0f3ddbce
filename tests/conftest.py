"""Shared test set-up: hypothesis profiles, and tool requirements that CI turns into failures."""

from __future__ import annotations

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile("dev", max_examples=30)
settings.register_profile("ci", deadline=None, max_examples=50,
                          suppress_health_check=[HealthCheck.too_slow])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci" if os.environ.get("CI") else "dev"))

REQUIRE_TOOLS = os.environ.get("SEGUE_REQUIRE_TOOLS") == "1"


def require_tool(name: str) -> str:
    """The path of an external tool (node, jackd, ...). Without it the test is skipped on a
    laptop, but fails in CI (SEGUE_REQUIRE_TOOLS=1): a broken install step must not pass."""
    path = shutil.which(name)
    if path is None:
        message = f"{name} is not installed"
        if REQUIRE_TOOLS:
            pytest.fail(f"{message}, and SEGUE_REQUIRE_TOOLS=1 forbids skipping", pytrace=False)
        pytest.skip(message)
    return path


@pytest.fixture(scope="session")
def tiny_model():
    """A factory of tiny models (hidden size 8, CPU) with attribute vectors fitted from the prior:
    ``tiny_model(seed=0, config="cat-mel_2bar_small")``."""
    from segue.models.configs import CONFIGS
    from segue.models.inference import LatentModel

    def make(seed: int = 0, config: str = "cat-mel_2bar_small") -> LatentModel:
        model = LatentModel.fresh(CONFIGS[config].scaled(8), seed=seed, device="cpu")
        model.fit_attributes_from_prior(n=64, temperature=1.0)
        return model

    return make
