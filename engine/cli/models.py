"""`segue models list` and `segue models pull NAME`: Magenta's official Magenta.js checkpoints in one
command (docs/magenta.md). The index and the pull are ``segue.models.formats.official``.

    segue models list                      name, kind, bars and size of every MusicVAE checkpoint
    segue models pull groovae_2bar_humanize
    segue models pull mel_chords --models-dir ~/my-models

A pulled model is ``NAME.safetensors`` (with its card ``NAME.md``) in the models folder, where
``segue serve`` (its --models-dir, the same default) offers it by name: /segue/model/list and
/segue/model/choose, the device's and the panel's model menus. Only these two commands use the
network.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from segue.models.errors import InputError

DEFAULT_MODELS_DIR = Path.home() / ".segue" / "models"


def add_arguments(p: argparse.ArgumentParser) -> None:
    sub = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    for name, help_ in (("list", "the official MusicVAE checkpoints: name, kind, bars, size"),
                        ("pull", "download one into the models folder and convert it")):
        q = sub.add_parser(name, help=help_, description=help_)
        if name == "pull":
            q.add_argument("name", help="a name from `segue models list`")
            q.add_argument("--force", action="store_true", help="pull again over a model of that name")
            q.add_argument("--quiet", action="store_true", help="no progress bar")
        q.add_argument("--models-dir", type=Path, default=DEFAULT_MODELS_DIR,
                       help="the models folder (default ~/.segue/models, where `segue serve` looks)")
        q.add_argument("--index", help="the checkpoint index's URL (default: magenta-js's checkpoints.json; or "
                                       "SEGUE_MODELS_INDEX)")
        q.add_argument("--base-url", help="a mirror of the checkpoint folders (default: Magenta's storage; or "
                                          "SEGUE_MODELS_BASE_URL)")
        q.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the server")


def run(args: argparse.Namespace, model: None) -> list[Path] | None:
    from segue.models.formats.official import list_checkpoints, pull

    if args.timeout <= 0:
        raise InputError(f"--timeout must be positive, got {args.timeout}")
    if args.action == "pull":
        return pull(args.name, args.models_dir, args.index, args.base_url, progress=not args.quiet,
                    timeout=args.timeout, force=args.force)
    entries, source = list_checkpoints(args.models_dir, args.index, args.base_url, args.timeout)
    rows = [("name", "kind", "bars", "MB", "")]
    for e in entries:
        pulled = "pulled" if (args.models_dir / f"{e.id}.safetensors").is_file() else ""
        rows.append((e.id, e.kind, str(e.bars or "?"), e.size_text, pulled))
    widths = [max(len(r[k]) for r in rows) for k in range(5)]
    for r in rows:
        print("  ".join(c.ljust(w) if k != 3 else c.rjust(w) for k, (c, w) in enumerate(zip(r, widths))).rstrip())
    print(f"\n{len(entries)} checkpoints, from {source}. Pull one: segue models pull NAME")
    return None
