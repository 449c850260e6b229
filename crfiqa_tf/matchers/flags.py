"""The matcher's command-line flags, declared once for every command that takes a recognition model."""

from __future__ import annotations

import argparse

from crfiqa_tf.matchers.matcher_input import CHANNEL_ORDERS, LAYOUTS, VALUE_RANGES, MatcherInput


def add_matcher_flags(parser: argparse.ArgumentParser, required: bool = True) -> None:
    group = parser.add_argument_group("matcher (your face-recognition model and its preprocessing)")
    group.add_argument(
        "--matcher",
        required=required,
        metavar="PATH",
        help="the recognition model: a SavedModel folder, or a .onnx, .tflite or .keras file (local or remote)",
    )
    group.add_argument("--matcher-size", type=int, default=112, help="its input side in pixels (default 112)")
    group.add_argument(
        "--matcher-range", choices=tuple(VALUE_RANGES), default="0..255", help="its input value range (default 0..255)"
    )
    group.add_argument("--matcher-channels", choices=CHANNEL_ORDERS, default="RGB", help="its channel order")
    group.add_argument("--matcher-layout", choices=LAYOUTS, default="NHWC", help="its tensor layout")
    group.add_argument("--matcher-signature", help="SavedModel signature (default serving_default or the only one)")
    group.add_argument("--matcher-input", help="input name, when the model has several")
    group.add_argument("--matcher-output", help="embedding output name, when the model has several")


def matcher_spec(args: argparse.Namespace) -> MatcherInput:
    return MatcherInput(args.matcher_size, args.matcher_range, args.matcher_channels, args.matcher_layout)


def matcher_names(args: argparse.Namespace) -> dict:
    return {"signature": args.matcher_signature, "input_name": args.matcher_input, "output_name": args.matcher_output}


def matcher_from_args(args: argparse.Namespace):
    from crfiqa_tf.matchers.matcher import load_matcher

    return load_matcher(args.matcher, matcher_spec(args), **matcher_names(args))
