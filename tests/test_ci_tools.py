"""The CI switch: a test that needs a missing tool skips on a laptop and fails in CI."""

import os
import subprocess
import sys
from pathlib import Path

TEST = '''
def test_needs_a_tool(require_tool):
    require_tool("segue-no-such-tool-anywhere")
'''


def _run(tmp_path: Path, require: bool) -> subprocess.CompletedProcess:
    (tmp_path / "test_tool.py").write_text(TEST)
    (tmp_path / "conftest.py").write_text((Path(__file__).parent / "conftest.py").read_text())
    env = {k: v for k, v in os.environ.items() if k not in ("SEGUE_REQUIRE_TOOLS", "PYTEST_ADDOPTS")}
    if require:
        env["SEGUE_REQUIRE_TOOLS"] = "1"
    pytest = str(Path(sys.executable).with_name("pytest"))
    return subprocess.run([pytest, "-q", "-p", "no:cacheprovider", str(tmp_path)],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


def test_missing_tool_skips_without_the_ci_variable(tmp_path):
    done = _run(tmp_path, require=False)
    assert done.returncode == 0, done.stdout
    assert "1 skipped" in done.stdout


def test_missing_tool_fails_with_the_ci_variable(tmp_path):
    done = _run(tmp_path, require=True)
    assert done.returncode == 1, done.stdout
    assert "SEGUE_REQUIRE_TOOLS=1 forbids skipping" in done.stdout
