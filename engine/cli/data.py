"""`segue data`: build training windows from MIDI files or music21's bundled corpus.

  segue data build SOURCE -o OUT [--windows 2 4 16] [--transpose 5] [--workers 2] [--limit N]

SOURCE is a folder of MIDI files or music21:COLL[,COLL...] (e.g. music21:oneills1850,ryansMammoth).
See docs/data.md for every rule (meters, pickups, repeats, windows, splits, de-duplication).
"""

from __future__ import annotations

import argparse
from pathlib import Path

from segue.models.configs import DRUMS, MELODY, TRIO
from segue.models.training.corpus import FOLK_COLLECTIONS
from segue.models.training.dataset import TRANSPOSE_ALL, build_dataset

_KINDS = {"melody": MELODY, "drums": DRUMS, "trio": TRIO}


def _transpose(text: str) -> int | str:
    if text == TRANSPOSE_ALL:
        return text
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of semitones or {TRANSPOSE_ALL!r}, got {text!r}") from None


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """`segue data ACTION`: its one action so far is `build`."""
    parser.description = __doc__
    parser.formatter_class = argparse.RawDescriptionHelpFormatter
    sub = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    b = sub.add_parser("build", help="turn a SOURCE into training windows on disk",
                       description="turn a SOURCE into training windows on disk (docs/data.md)")
    b.add_argument("source", metavar="SOURCE",
                   help="a folder of MIDI files, or music21:COLL[,COLL...]; the commercial-safe "
                        f"folk set is music21:{','.join(FOLK_COLLECTIONS)}")
    b.add_argument("-o", "--out", type=Path, required=True, help="output folder")
    b.add_argument("--windows", type=int, nargs="+", default=[2, 4, 16], metavar="BARS",
                   help="window lengths in bars (default: 2 4 16)")
    b.add_argument("--transpose", type=_transpose, default=5,
                   help="train pieces at every shift in -N..+N semitones (default 5; 0: none), or "
                        "'all': every key and octave that stays within E1..C7")
    b.add_argument("--workers", type=int, default=2, help="parsing processes (default 2)")
    b.add_argument("--limit", type=int, help="read only the first N files (quick tries)")
    b.add_argument("--kinds", nargs="+", choices=sorted(_KINDS), default=["melody"],
                   help="representations to build (drums and trio need MIDI sources)")
    b.add_argument("--seed", type=int, default=0, help="mixed into the split hash (default 0)")
    b.add_argument("--quiet", action="store_true", help="no progress bar")


def build(args: argparse.Namespace, model: None) -> None:
    """`segue data build`: writes the windows and prints the summary."""
    summary = build_dataset(
        args.source,
        args.out,
        representations={k: _KINDS[k] for k in args.kinds},
        window_bars=args.windows,
        transpose=args.transpose,
        workers=args.workers,
        seed=args.seed,
        progress=not args.quiet,
        limit=args.limit,
    )
    print(summary.format())


def data_main(argv: list[str]) -> int:
    """`segue data ARGV...` as a function: the exit status (0, or 2 on an error), also when the
    arguments themselves are wrong (argparse has then printed the usage)."""
    from segue.engine.cli import main  # the package imports this module first

    try:
        return main(["data", *argv])
    except SystemExit as e:
        return e.code if isinstance(e.code, int) else 2
