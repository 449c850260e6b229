"""`crfiqa-tf distill`: a small student network trained to reproduce a teacher on unlabeled aligned faces."""

from __future__ import annotations

import argparse

from crfiqa_tf.console import skipped_lines

EXAMPLE = "crfiqa-tf distill --teacher official/ --images faces/ --steps 20000 --out student/"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "distill", help="train a small student (MobileFaceNet) to reproduce a teacher on unlabeled aligned faces"
    )
    parser.add_argument("--teacher", required=True, help="any model path that score accepts")
    parser.add_argument(
        "--student",
        default="mobilefacenet-edge",
        help="mobilefacenet-edge (half width, ReLU: the fast int8 student) or mobilefacenet (the paper's network)",
    )
    faces = parser.add_mutually_exclusive_group(required=True)
    faces.add_argument("--images", help="folder of aligned face images (no labels needed)")
    faces.add_argument("--tfrecords", help="TFRecord shards: a data folder or a glob")
    parser.add_argument("--steps", type=int, required=True)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate, cosine-decayed to 0")
    parser.add_argument("--checkpoint-every", type=int, default=500)
    parser.add_argument("--out", required=True, help="output folder (inference.keras, log.csv, checkpoints/)")
    parser.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.training.distill_lib import DistillSettings, distill

    settings = DistillSettings(
        teacher=args.teacher,
        out=args.out,
        steps=args.steps,
        images=args.images,
        tfrecords=args.tfrecords,
        student=args.student,
        batch_size=args.batch_size,
        lr=args.lr,
        checkpoint_every=args.checkpoint_every,
    )
    try:
        summary = distill(settings, resume=args.resume)
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf distill: {error}") from None
    print(
        f"{summary['student']} ({summary['parameters']:,} parameters) distilled from {args.teacher} in "
        f"{summary['steps']} steps; {len(summary['skipped_files'])} unreadable files skipped "
        f"({summary['skipped_images']} times in all); model: {summary['inference_model']}"
        + skipped_lines(summary["skipped_files"])
    )
    return 0
