"""`crfiqa-tf demo`: the embedded end-to-end demo on synthetic identities (`crfiqa_tf_apps.demo`)."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf demo --out demo_out"


def add_parser(commands) -> None:
    parser = commands.add_parser("demo", help="run the embedded end-to-end demo on synthetic identities")
    parser.add_argument("--out", default="demo_out", help="output folder (replaced on re-run)")
    parser.add_argument("--quick", action="store_true", help="smallest sizes (used by the tests)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.demo.stages import run_demo

    run_demo(args.out, quick=args.quick)
    return 0
