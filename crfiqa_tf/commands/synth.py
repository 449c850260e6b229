"""`crfiqa-tf synth`: the synthetic identity set (shards + verification.bin) the demo and the tests train on."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf synth --out synthetic/ --identities 60 --per-identity 40"


def add_parser(commands) -> None:
    parser = commands.add_parser("synth", help="write the synthetic identity set (shards + verification.bin)")
    parser.add_argument("--out", required=True)
    parser.add_argument("--identities", type=int, required=True)
    parser.add_argument("--per-identity", type=int, required=True)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--shards", type=int, default=4)
    parser.add_argument("--val-identities", type=int, default=None, help="held-out identities (default: N/4, >= 4)")
    parser.add_argument("--val-pairs", type=int, default=400)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.data.synthetic import make_synthetic_dataset

    info = make_synthetic_dataset(
        args.out,
        args.identities,
        args.per_identity,
        seed=args.seed,
        shards=args.shards,
        val_identities=args.val_identities,
        val_pairs=args.val_pairs,
    )
    print(
        f"{info['num_images']} synthetic images of {info['num_classes']} identities at {args.out} "
        f"(+ verification.bin from held-out identities)"
    )
    return 0
