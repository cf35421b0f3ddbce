"""`segue data`: build training windows from MIDI files or music21's bundled corpus.

  segue data build SOURCE -o OUT [--windows 2 4 16] [--transpose 5] [--workers 2] [--limit N]

SOURCE is a folder of MIDI files or music21:COLL[,COLL...] (e.g. music21:oneills1850,ryansMammoth).
See docs/data.md for every rule (meters, pickups, repeats, windows, splits, de-duplication).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from segue.models.configs import DRUMS, MELODY, TRIO
from segue.models.errors import SegueError
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="segue data", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    return parser


def data_main(argv: list[str]) -> int:
    """Runs `segue data ARGV...`; returns the exit status (0, or 2 on an error)."""
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as e:  # argparse has printed the usage
        return e.code if isinstance(e.code, int) else 2
    try:
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
    except SegueError as e:
        print(f"segue data: error: {e.args[0] if e.args else e}", file=sys.stderr)
        return 2
    print(summary.format())
    return 0


if __name__ == "__main__":
    sys.exit(data_main(sys.argv[1:]))
