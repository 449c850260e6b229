"""`crfiqa-tf` — the command-line front door.

Each sub-command parses its flags and hands over to a library or application function; imports are deferred so
that `crfiqa-tf --help` is instant and a command pulls in only what it needs.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def _demo(args: argparse.Namespace) -> int:
    from demo.pipeline import run_demo

    run_demo(args.out, quick=args.quick)
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crfiqa-tf", description="CR-FIQA face image quality for TensorFlow.")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the embedded end-to-end demo on synthetic identities")
    demo.add_argument("--out", default="demo_out", help="output folder (replaced on re-run)")
    demo.add_argument("--quick", action="store_true", help="smallest sizes (used by the tests)")
    demo.set_defaults(handler=_demo)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
