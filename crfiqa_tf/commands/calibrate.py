"""`crfiqa-tf calibrate`: the 0–100 quality_score fitted on a reference set, with the rejection thresholds it
implies."""

from __future__ import annotations

import argparse

from crfiqa_tf.console import skipped_lines

EXAMPLE = "crfiqa-tf calibrate --model export/saved_model/crfiqa/1 --images enrolment/ --out calibration.json"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "calibrate", help="fit the 0-100 quality_score on a reference set; print rejection thresholds"
    )
    parser.add_argument("--model", required=True, help="any model path that score accepts")
    reference = parser.add_mutually_exclusive_group(required=True)
    reference.add_argument("--images", help="folder of aligned face images")
    reference.add_argument("--bin", help="insightface .bin set")
    reference.add_argument("--tfrecords", help="TFRecord shards: a data folder or a glob")
    parser.add_argument("--count", type=int, default=2000, help="images sampled from the reference set")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--out", required=True, help="calibration JSON to write")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.calibration import fit_with_thresholds, save_calibration
    from crfiqa_tf.data.samples import sample_images
    from crfiqa_tf.model_io import load_scorer

    kind, source = next(
        (k, v) for k, v in (("images", args.images), ("bin", args.bin), ("tfrecords", args.tfrecords)) if v
    )
    try:
        scorer = load_scorer(args.model)
        sample = sample_images(source, args.count, scorer.image_size, kind=kind)
        quality = [record.quality for record in scorer.score(list(sample.images), args.batch_size)]
        calibration = fit_with_thresholds(quality, reference=f"{len(quality)} images of {source} ({kind})")
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf calibrate: {error}") from None
    save_calibration(calibration, args.out)
    print(
        f"calibration fitted on {len(quality)} images of {source} ({sample.skipped} unreadable) → {args.out}"
        + skipped_lines(sample.skipped_files)
    )
    print("reject below            raw quality   quality_score")
    for row in calibration["rejection_thresholds"]:
        print(
            f"{row['reject_fraction']:>5.0%} of this set      {row['quality']:>11.4f}   {row['quality_score']:>13.1f}"
        )
    return 0
