"""`crfiqa-tf tf-config`: the TF_CONFIG each host of a multi-worker training run exports."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf tf-config --hosts 10.0.0.1:2222,10.0.0.2:2222 --index 0"


def add_parser(commands) -> None:
    parser = commands.add_parser("tf-config", help="TF_CONFIG for multi-host training (print, then export it)")
    parser.add_argument("--hosts", required=True, help="host:port of every worker, comma-separated, chief first")
    parser.add_argument("--index", type=int, required=True, help="this host's position in --hosts")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.training.tf_config import build_tf_config

    try:
        print(build_tf_config([h for h in args.hosts.split(",") if h], args.index))
    except ValueError as error:
        raise SystemExit(f"crfiqa-tf tf-config: {error}") from None
    return 0
