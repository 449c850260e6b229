"""Train CR-FIQA: ``python training/train.py --config FILE [--set key=value ...] [--resume]`` — the same as
``crfiqa-tf train``, whose parser takes its flags from `add_arguments` here."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--config", required=True, help="experiment YAML (training/configs/*.yaml)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="dotted override")
    parser.add_argument("--resume", action="store_true", help="continue from the run directory's last checkpoint")


def train_from_args(args: argparse.Namespace) -> dict:
    """Loads the config with its overrides and trains; returns the run summary."""
    from crfiqa_tf.config import load_config
    from crfiqa_tf_apps.training.train_lib import train

    return train(load_config(args.config, args.set), resume=args.resume)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    add_arguments(parser)
    train_from_args(parser.parse_args(argv))
    return 0


if __name__ == "__main__":
    sys.exit(main())
