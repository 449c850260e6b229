"""Train CR-FIQA: ``python training/train.py --config FILE [--set key=value ...] [--resume]``."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    return parser.parse_args(argv)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="experiment YAML (training/configs/*.yaml)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="dotted override")
    parser.add_argument("--resume", action="store_true", help="continue from the run directory's last checkpoint")


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    from crfiqa_tf.cli import main as cli_main

    return cli_main(
        ["train", "--config", args.config, *(f"--set={s}" for s in args.set)] + (["--resume"] if args.resume else [])
    )


if __name__ == "__main__":
    sys.exit(main())
