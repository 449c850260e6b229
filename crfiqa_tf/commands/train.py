"""`crfiqa-tf train`: CR-FIQA training from a YAML config (`crfiqa_tf_apps.training`)."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf train --config training/configs/casia_r50.yaml --set data_dir=gs://bucket/casia"


def add_parser(commands) -> None:
    from crfiqa_tf_apps.training.train import add_arguments

    parser = commands.add_parser("train", help="train CR-FIQA from a config (see training/configs/)")
    add_arguments(parser)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.config import ConfigError
    from crfiqa_tf_apps.training.train import train_from_args

    try:
        train_from_args(args)
    except (ConfigError, OSError) as error:  # bad config, data or run directory: named, before any step
        raise SystemExit(f"crfiqa-tf train: {error}") from None
    return 0
