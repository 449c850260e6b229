"""`crfiqa-tf prepare`: insightface .rec/.idx or an identity-folder tree → TFRecord shards, resumable shard by shard."""

from __future__ import annotations

import argparse
import sys

from crfiqa_tf.console import skipped_lines
from crfiqa_tf.data.aligned_folders import FACE_PICKS
from crfiqa_tf.faces.face_options import add_face_flags

EXAMPLE = "crfiqa-tf prepare --from-folder people/ --align --face centre --out faces/"


def add_parser(commands) -> None:
    parser = commands.add_parser("prepare", help="convert insightface .rec/.idx or an image folder to TFRecords")
    parser.add_argument("--from-rec", metavar="DIR", help="folder with train.rec, train.idx (and property)")
    parser.add_argument("--rec-name", default="train", help="base name of the .rec/.idx pair (default: train)")
    parser.add_argument("--from-folder", metavar="DIR", help="folder with one sub-folder per identity")
    parser.add_argument("--out", required=True, help="output folder (replaced on re-run)")
    aligned = parser.add_argument_group("raw photos (--from-folder)")
    aligned.add_argument(
        "--align",
        action="store_true",
        help="the folder holds raw photos: detect, keep one face per photo (--face), align it to 112x112; photos "
        "without a face are listed as skipped",
    )
    aligned.add_argument(
        "--face",
        choices=FACE_PICKS,
        default="largest",
        help="which face a photo stands for: the largest, or the one nearest the frame's centre (LFW-style crops)",
    )
    add_face_flags(
        parser, ("detector", "min_face"), {"detector": "face detector (with --align)"}, "face detection (--align)"
    )
    parser.add_argument("--shards", type=int, default=16)
    parser.add_argument(
        "--resume", action="store_true", help="continue an interrupted conversion at its first incomplete shard"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.data.prepare import prepare_from_folder, prepare_from_rec

    if bool(args.from_rec) == bool(args.from_folder):
        raise SystemExit("crfiqa-tf prepare: give exactly one of --from-rec DIR or --from-folder DIR")
    if args.align and args.from_rec:
        raise SystemExit("crfiqa-tf prepare: --align takes raw photos from --from-folder (a .rec holds aligned faces)")
    from crfiqa_tf.data.aligned_folders import AlignSettings

    align = AlignSettings(args.face, args.detector, args.min_face) if args.align else None
    from crfiqa_tf.data.writer import shards_done
    from crfiqa_tf.interrupts import stop_requests

    with stop_requests() as stop:
        try:
            if args.from_rec:
                info = prepare_from_rec(args.from_rec, args.out, args.shards, args.rec_name, args.resume, stop)
            else:
                info = prepare_from_folder(args.from_folder, args.out, args.shards, args.resume, stop, align)
        except (OSError, ValueError) as error:
            raise SystemExit(f"crfiqa-tf prepare: {error}") from None
        except KeyboardInterrupt:
            stop.signal = stop.signal or 2
            print(
                f"stopped by {stop.name}: {shards_done(args.out)} of {args.shards} shards complete; run the same "
                "command with --resume to continue at the first incomplete one",
                file=sys.stderr,
            )
            return stop.exit_status
    print(
        f"{info['num_images']} images of {info['num_classes']} identities in {len(info['shards'])} shards "
        f"at {args.out}; {len(info['skipped'])} inputs skipped (listed in dataset_info.json)"
        + skipped_lines(info["skipped"])
    )
    return 0
