"""How long `make test` keeps a developer waiting, measured on fresh clones side by side.

    .venv/bin/python bench/bench_test_time.py                   # this checkout's HEAD
    .venv/bin/python bench/bench_test_time.py --ref eccac1c HEAD  # before and after, in one run

For each git ref: a fresh clone in a temporary folder, then
1. `make test` once (creates .venv and installs everything: the newcomer's first run), then
2. a Python source is touched (as after any code change) and `make test` runs again: the time a
   developer waits for a result after editing code. That second figure is the one to compare.

Both runs are timed with the wall clock; the machine is shared, so compare refs measured in the
same run, not figures from different days. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def _make_test(folder: Path, log) -> tuple[float, int]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTEST_ADDOPTS", "VIRTUAL_ENV")}
    t0 = time.perf_counter()
    done = subprocess.run(["make", "test"], cwd=folder, env=env, stdout=log, stderr=subprocess.STDOUT,
                          stdin=subprocess.DEVNULL)
    return time.perf_counter() - t0, done.returncode


def measure(ref: str, keep_logs: Path) -> dict:
    with tempfile.TemporaryDirectory(prefix="segue-test-time-") as tmp:
        clone = Path(tmp) / "repo"
        subprocess.run(["git", "clone", "-q", str(ROOT), str(clone)], check=True)
        subprocess.run(["git", "checkout", "-q", ref], cwd=clone, check=True)
        log_path = keep_logs / f"make-test-{ref.replace('/', '_')}.log"
        with open(log_path, "w") as log:
            first, rc1 = _make_test(clone, log)
            source = clone / "models" / "latent.py"  # any Python source of the packages
            source.write_text(source.read_text() + "\n")
            second, rc2 = _make_test(clone, log)
    return {"ref": ref, "first": first, "rc1": rc1, "after_edit": second, "rc2": rc2, "log": log_path}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--ref", nargs="+", default=["HEAD"], help="git refs to measure, side by side")
    ap.add_argument("--logs", type=Path, default=Path(tempfile.gettempdir()), help="where the make logs go")
    args = ap.parse_args()
    rows = [measure(ref, args.logs) for ref in args.ref]
    print("| ref | first `make test` (set-up included) | `make test` after a code change | exit codes |")
    print("|---|---|---|---|")
    for r in rows:
        print(f"| {r['ref']} | {r['first']:.0f} s | {r['after_edit']:.0f} s | {r['rc1']}, {r['rc2']} |")
    for r in rows:
        print(f"log of {r['ref']}: {r['log']}")


if __name__ == "__main__":
    main()
