"""`crfiqa-tf` — the command-line front door: it only dispatches.

Each command is a module of `crfiqa_tf.commands` with ``add_parser(commands)`` and ``run(args) -> int``; the
modules defer their heavy imports to ``run`` so that `crfiqa-tf --help` is instant and a command pulls in only
what it needs. A new command is a new module there and a name in `COMMANDS`. A command whose parser sets
``takes_pipeline_options`` (score-gallery) gets the flags its parser leaves in ``args.pipeline_options``: Beam's.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from crfiqa_tf import __version__

# In the order `crfiqa-tf --help` lists them: the ML engineer's path first, then scoring and looking at results.
COMMANDS = (
    "demo",
    "prepare",
    "synth",
    "train",
    "train_on_top",
    "tf_config",
    "evaluate",
    "export",
    "client",
    "convert_torch",
    "score",
    "best_shots",
    "calibrate",
    "distill",
    "score_gallery",
    "report",
)
VERBOSE_HELP = "show TensorFlow's C++ INFO and WARNING lines (hidden by default, unless TF_CPP_MIN_LOG_LEVEL is set)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="crfiqa-tf",
        description="CR-FIQA face image quality for TensorFlow: score faces, say why one scores low, train quality "
        "for your own recognition model, export, serve and score galleries.",
        epilog="start with: crfiqa-tf score photos/ --model MODEL --align; each command's --help has an example",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    examples = {}
    for name in COMMANDS:
        module = importlib.import_module(f"crfiqa_tf.commands.{name}")
        module.add_parser(commands)
        examples[name.replace("_", "-")] = module.EXAMPLE
    summaries = {action.dest: action.help for action in commands._choices_actions}
    for name, command in commands.choices.items():
        # every command's --help: its one-line summary, its flags, an example
        command.description = command.description or summaries[name]
        command.epilog = f"example: {examples[name]}"
        command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if getattr(args, "takes_pipeline_options", False):  # the Beam job: what its flags leave is Beam's
        args.pipeline_options = extra
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    from crfiqa_tf.console import quiet_tensorflow

    quiet_tensorflow(args.verbose)
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
