"""`crfiqa-tf convert-torch`: the official CR-FIQA .pth checkpoints → a Keras inference model."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf convert-torch 181952backbone.pth --arch iresnet100 --out official/"


def add_parser(commands) -> None:
    parser = commands.add_parser("convert-torch", help="official CR-FIQA .pth → Keras inference model")
    parser.add_argument("checkpoint", help="e.g. 32572backbone.pth (CR-FIQA(S)) or 181952backbone.pth (L)")
    parser.add_argument("--arch", required=True, choices=["iresnet18", "iresnet34", "iresnet50", "iresnet100"])
    parser.add_argument("--out", required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.convert.torch_weights import convert_checkpoint

    path = convert_checkpoint(args.checkpoint, args.arch, args.out)
    print(f"converted {args.checkpoint} ({args.arch}) → {path}; next: crfiqa-tf export --model {path} --out DIR")
    return 0
