"""Opening a model: the one place that picks the loader for a path, and where the shipped models are.

``open_model(path, device, config)`` reads:

- a folder holding ``weights_manifest.json``: a Magenta.js checkpoint (``formats.magenta_js``);
- a Python Magenta ``.tar``, or a TF checkpoint's ``.index`` file, prefix or ``.data-*`` file
  (``formats.magenta_tf``; ``config`` names the window and hyperparameters, docs/magenta.md);
- any other path: a Segue checkpoint (``.safetensors``, ``LatentModel.load``);
- no path: the shipped model, unless ``config`` is given; else a freshly initialised model of
  ``config`` (default ``DEFAULT_CONFIG``), with a warning that it is untrained.

The foreign formats are imported only when a path is given, so that importing this module (or
``segue.models.inference``) never loads ``segue.models.formats``.

The shipped models are package data (``models/weights/``), or in the standalone binary
(PyInstaller sets ``sys.frozen``) the ``models/`` folder beside the executable.
"""

from __future__ import annotations

import logging
import sys
from importlib.resources import files
from pathlib import Path

from segue.models.configs import get_config
from segue.models.inference import LatentModel

__all__ = [
    "DEFAULT_CONFIG",
    "checkpoint_format",
    "example_clips",
    "open_model",
    "shipped_model_path",
    "shipped_models_dir",
]

log = logging.getLogger(__name__)

DEFAULT_CONFIG = "cat-mel_2bar_small"


def _shipped_folder() -> Path:
    if getattr(sys, "frozen", False):
        return Path(sys.executable).resolve().parent / "models"
    return Path(str(files("segue.models").joinpath("weights")))


def shipped_models_dir() -> Path | None:
    """The models shipped with Segue: package data, or in the standalone binary (PyInstaller sets
    ``sys.frozen``) the ``models/`` folder beside the executable."""
    folder = _shipped_folder()
    return folder if folder.is_dir() else None


def shipped_model_path() -> Path | None:
    """The default model that ships in the package, once one has been trained; in the standalone
    binary (PyInstaller sets ``sys.frozen``), the ``models/`` folder beside the executable."""
    path = _shipped_folder() / "default.safetensors"
    return path if path.is_file() else None


def example_clips() -> tuple[Path, Path]:
    root = files("segue.models").joinpath("examples")
    return Path(str(root.joinpath("a.mid"))), Path(str(root.joinpath("b.mid")))


def checkpoint_format(path: str | Path) -> str:
    """``"magenta-js"`` (a folder with a weights manifest), ``"tf"`` (a ``.tar``, ``.index``,
    prefix or ``.data-*`` file) or ``"segue"`` (anything else); no file is parsed."""
    from segue.models.formats.magenta_js import is_magenta_js_dir
    from segue.models.formats.tf_bundle import is_tf_checkpoint

    if is_magenta_js_dir(path):
        return "magenta-js"
    if is_tf_checkpoint(path):
        return "tf"
    return "segue"


def open_model(path: str | Path | None, device: str | None = None, config: str | None = None, *,
               pitch_table: str = "legacy", magenta_only: bool = False) -> LatentModel:
    """The model at ``path`` in whichever format it is (see the module docstring), else the shipped
    model, else a freshly initialised one (said loudly).

    ``config``: with a TF checkpoint, the Segue config giving its window and hyperparameters; with
    no path, the config of a fresh model. ``pitch_table``: a TF drum or trio checkpoint's drum table.
    ``magenta_only``: read only Magenta's formats (``segue import-magenta``); any other path is read
    as a Magenta.js folder, whose loader says what is missing.
    """
    if path:
        kind = checkpoint_format(path)
        if kind == "tf":  # a Python Magenta .tar, or a TF checkpoint's .index / prefix
            from segue.models.formats.magenta_tf import load_tf_checkpoint

            return load_tf_checkpoint(path, config, device, pitch_table=pitch_table)
        if kind == "magenta-js" or magenta_only:  # a Magenta.js checkpoint folder
            from segue.models.formats.magenta_js import load_magenta_js

            return load_magenta_js(path, device)
        return LatentModel.load(path, device)
    shipped = shipped_model_path()
    if shipped and not config:
        return LatentModel.load(shipped, device)
    name = config or DEFAULT_CONFIG
    get_config(name)  # a clear error for an unknown name
    log.warning("no trained model given or shipped: using a freshly initialised %s "
                "(untrained, so its output is noise, not music)", name)
    return LatentModel.fresh(name, device=device)
