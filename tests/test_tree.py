"""tests/ mirrors the source tree: every module has tests/X/test_Y.py or a line in tests/README.md."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = ("models", "engine", "bridge", "maxpatch", "bench", "build_spec")


def test_every_module_has_its_tests_or_says_where_they_are():
    listed = subprocess.run(["git", "ls-files", *[f"{d}/*.py" for d in FOLDERS]], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.split()
    readme = (ROOT / "tests" / "README.md").read_text()
    missing = []
    for name in listed:
        path = Path(name)
        if path.name in ("__init__.py", "__main__.py"):
            continue
        mirrored = ROOT / "tests" / path.parent / f"test_{path.stem}.py"
        if not mirrored.is_file() and f"`{name}`" not in readme:
            missing.append(name)
    assert missing == [], f"no tests/X/test_Y.py and no line in tests/README.md for {missing}"
    assert len(listed) > 40


def test_the_readme_names_only_modules_that_exist():
    readme = (ROOT / "tests" / "README.md").read_text()
    table = readme.split("## Modules tested elsewhere", 1)[1]
    named = [w.strip("`") for w in table.split() if w.startswith("`") and w.rstrip("`,").endswith(".py")]
    assert named and all((ROOT / n.rstrip(",`")).is_file() for n in named), named
