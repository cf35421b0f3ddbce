"""The layers of the packages, checked: what imports what.

    segue.models            the runtime (configs ... inference, loading) at the root of models/
    segue.models.formats    foreign checkpoints; segue.models.training: data, trainer, sweeps
    segue.bridge            may import segue.models, never segue.engine
    segue.engine            may import anything above

The runtime reaches the two wings only inside functions (``loading.open_model``), so serving a
model never loads the trainer or the TensorFlow reader; ``formats/tf_bundle.py`` stands alone.
Imports are read from the source files (ast), function-local ones included unless said otherwise.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = {"models": "segue.models", "engine": "segue.engine", "bridge": "segue.bridge"}
WINGS = ("segue.models.formats", "segue.models.training")


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    parts[0] = PACKAGES[parts[0]]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path, module_level: bool = False) -> list[tuple[int, str]]:
    """(line, module) for every import in ``path``; ``from a import b`` gives both a and a.b.
    ``module_level``: only what runs on import (not inside a function)."""
    module = _module(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []

    def visit(node: ast.AST) -> None:
        for child in ast.iter_child_nodes(node):
            if module_level and isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                continue
            if isinstance(child, ast.Import):
                found.extend((child.lineno, alias.name) for alias in child.names)
            elif isinstance(child, ast.ImportFrom):
                if child.level:  # relative: from . import x, from ..y import z
                    base = package.split(".")[: len(package.split(".")) - child.level + 1]
                    name = ".".join(base + ([child.module] if child.module else []))
                else:
                    name = child.module or ""
                found.append((child.lineno, name))
                found.extend((child.lineno, f"{name}.{alias.name}") for alias in child.names)
            visit(child)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)))
    return found


def _violations(files: list[Path], forbidden: tuple[str, ...], module_level: bool = False) -> list[str]:
    return sorted({f"{p.relative_to(ROOT)}:{line} imports {name}"
                   for p in files for line, name in _imports(p, module_level)
                   if any(name == f or name.startswith(f + ".") for f in forbidden)})


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_the_checker_reads_imports_of_every_kind(tmp_path, monkeypatch):
    monkeypatch.setitem(globals(), "ROOT", tmp_path)
    src = tmp_path / "models" / "formats" / "x.py"
    src.parent.mkdir(parents=True)
    src.write_text("import segue.engine.cli\nfrom segue import bridge\nfrom ..training import trainer\n"
                   "def f():\n    from segue.models.formats import tf_bundle\n")
    where = "models/formats/x.py"
    assert _violations([src], ("segue.engine", "segue.bridge")) == [
        f"{where}:1 imports segue.engine.cli", f"{where}:2 imports segue.bridge"]
    assert _violations([src], ("segue.models.training",)) == [
        f"{where}:3 imports segue.models.training", f"{where}:3 imports segue.models.training.trainer"]
    assert _violations([src], ("segue.models.formats",), module_level=True) == []
    assert _violations([src], ("segue.models.formats",)) == [
        f"{where}:5 imports segue.models.formats", f"{where}:5 imports segue.models.formats.tf_bundle"]


def test_importing_inference_and_loading_loads_neither_wing():
    code = ("import sys, segue.models.inference, segue.models.loading; "
            f"print(sorted(m for m in sys.modules if m.startswith({WINGS!r})))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "[]"


def test_models_imports_neither_engine_nor_bridge():
    assert _violations(_sources("models"), ("segue.engine", "segue.bridge")) == []


def test_bridge_imports_no_engine():
    assert _violations(_sources("bridge"), ("segue.engine",)) == []


@pytest.mark.parametrize("path", sorted((ROOT / "models").glob("*.py")), ids=lambda p: p.name)
def test_the_runtime_reaches_the_wings_only_inside_functions(path):
    assert _violations([path], WINGS, module_level=True) == []


def test_tf_bundle_imports_nothing_of_segue():
    assert _violations([ROOT / "models" / "formats" / "tf_bundle.py"], ("segue",)) == []
