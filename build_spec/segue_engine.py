"""The standalone engine's entry point (PyInstaller freezes this file into ``segue-engine``).

It is ``segue`` (segue.engine.cli) with three differences: run with no arguments it starts
``serve``; on the first run (no state folder yet) it says where it listens and how to load the
device; and ``--help`` says what this build leaves out.
"""

from __future__ import annotations

import contextlib
import io
import multiprocessing
import sys
from pathlib import Path

BINARY_NOTE = """
This is the standalone binary, segue-engine: run it with no arguments to start `serve`; every
command above is `segue-engine COMMAND`. Every engine and offline command (render included) is here.
Left out: the training extra (music21, optuna), so `data build music21:...` and `sweep` stop with
a message; `pip install 'segue[train]'` has them (docs/install.md).
"""

TOP_LEVEL_OPTIONS = {"-h", "--help", "--version", "-v", "--verbose"}
MIDI_TOOLS = ("Segue Transform.amxd", "Segue Generate.amxd")  # maxpatch/build.py DEVICES, beside Segue.amxd


def engine_argv(argv: list[str]) -> list[str]:
    """``serve`` when no command is given: no arguments, or serve's own options only."""
    if not argv or (argv[0].startswith("-") and argv[0] not in TOP_LEVEL_OPTIONS):
        return ["serve", *argv]
    return argv


def bundle_dir() -> Path:
    """The folder holding the executable (and ``models/``, ``Segue.amxd`` and the MIDI Tools when built)."""
    return Path(sys.executable).resolve().parent


def first_run_message(argv: list[str], parser) -> str | None:
    """What to say before a first ``serve`` (until one start has said its ready line), else None.
    Nothing when the arguments are wrong: the real parse reports them first."""
    if argv[:1] != ["serve"] or TOP_LEVEL_OPTIONS & set(argv):
        return None
    try:
        with contextlib.redirect_stderr(io.StringIO()):
            args = parser.parse_args(argv)
    except SystemExit:  # bad arguments: the real parse reports them
        return None
    from segue.engine.cli.serve import STARTED_MARK

    if (args.state_dir / STARTED_MARK).exists():
        return None
    where = f"udp://{args.host}:{args.port}" if args.port else f"udp://{args.host} on a free port"
    device = bundle_dir() / "Segue.amxd"
    tools = [bundle_dir() / name for name in MIDI_TOOLS if (bundle_dir() / name).is_file()]
    if device.is_file():
        load = (f"  Load the device: in Ableton Live, drag {device} onto a MIDI track;\n"
                f"  it talks to this engine on port {args.port or 'shown below'}.")
        if tools:
            load += ("\n  The MIDI Tools for Live 12's clip view, " + " and ".join(p.name for p in tools) +
                     ",\n  are beside it: copy them into your User Library's MIDI Tools folders.")
    else:
        load = ("  The Max for Live device (Segue.amxd) is not in this build yet: it will sit beside\n"
                "  this program once it is built. Meanwhile any OSC client can play; try\n"
                "  `segue-engine client demo` in a second terminal.")
    return (f"Segue engine, first run (it has not started from {args.state_dir} yet).\n"
            f"  Listening for OSC on {where}: the 'ready' line below confirms it once the model is loaded.\n"
            f"{load}\n"
            "  Keep this window open while you play; Ctrl+C stops the engine.")


def main() -> int:
    from segue.engine import cli

    cli.__doc__ = (cli.__doc__ or "") + BINARY_NOTE  # build_parser() reads it as the description
    argv = engine_argv(sys.argv[1:])
    message = first_run_message(argv, cli.build_parser())
    if message:
        print(message, file=sys.stderr, flush=True)  # stderr: stdout's first line stays the ready line
    return cli.main(argv)


if __name__ == "__main__":
    multiprocessing.freeze_support()  # segue data build uses worker processes
    sys.exit(main())
