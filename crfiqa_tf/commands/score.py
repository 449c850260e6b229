"""`crfiqa-tf score`: images or folders → rows (`crfiqa_tf.inference.score_files`), written as each batch is scored
(`crfiqa_tf.inference.score_output`: nothing lost when the run stops, ``--resume`` continues it)."""

from __future__ import annotations

import argparse
import os
import sys

from crfiqa_tf.faces.face_options import FaceOptions, add_face_flags

EXAMPLE = "crfiqa-tf score photos/ --model export/tflite/crfiqa_int8.tflite --align --components --out scores.csv"


def add_parser(commands) -> None:
    parser = commands.add_parser("score", help="score images or folders (CSV); --align for raw photos")
    parser.add_argument("paths", nargs="+")
    parser.add_argument(
        "--model", required=True, help="SavedModel folder, .tflite, .onnx, .keras, training run or convert-torch folder"
    )
    parser.add_argument(
        "--draw", metavar="DIR", help="with --align: save each photo to DIR with its boxes, points and scores drawn"
    )
    parser.add_argument("--batch-size", type=int, default=32)
    add_face_flags(parser)
    parser.add_argument(
        "--out", help="CSV file, or JSON Lines if it ends in .jsonl (default: CSV on stdout); written as it goes"
    )
    parser.add_argument(
        "--resume", action="store_true", help="continue the interrupted run whose output is --out (same settings)"
    )
    parser.set_defaults(handler=run)


def settings(args: argparse.Namespace) -> dict:
    """What the rows depend on: a resumed run must have the same."""
    return {"model": args.model, **FaceOptions.from_args(args).settings()}


def _key(path: str) -> str:
    from crfiqa_tf import paths

    return path if paths.is_remote(path) else os.path.abspath(path)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.components.component_columns import FLAT_COLUMNS
    from crfiqa_tf.image_io import list_inputs
    from crfiqa_tf.inference.score_files import Totals, score_batches
    from crfiqa_tf.inference.score_output import ScoreOutput, format_rows
    from crfiqa_tf.interrupts import stop_requests
    from crfiqa_tf.model_io import load_scorer
    from crfiqa_tf.output_rows import SCORE_COLUMNS

    try:
        options = FaceOptions.from_args(args)
    except ValueError as error:
        raise SystemExit(f"crfiqa-tf score: {error}") from None
    if args.draw and not args.align:
        raise SystemExit("crfiqa-tf score: --draw draws the faces found; add --align")
    if args.resume and not args.out:
        raise SystemExit("crfiqa-tf score: --resume continues the run written to --out; give --out")
    columns = SCORE_COLUMNS + (FLAT_COLUMNS if options.components else ())
    try:
        scorer = load_scorer(args.model, precision=options.precision, calibration=options.calibration)
        if options.components:
            from crfiqa_tf.components import load_profile

            load_profile(options.profile)  # a bad profile fails before any photo is read
        # the output's own files are never inputs, even when --out lies in a folder being scored
        own = {_key(f"{args.out}{end}") for end in ("", ".progress.json", ".progress.json.tmp")} if args.out else set()
        listed = list_inputs(args.paths)
        inputs = [path for path in listed if _key(path) not in own]
        if len(inputs) < len(listed):
            print(
                f"not scored: {len(listed) - len(inputs)} file(s) of this run's own output ({args.out})",
                file=sys.stderr,
            )
        output = ScoreOutput(args.out, columns, settings(args), resume=args.resume) if args.out else None
        drawer = None
        if args.draw:
            from crfiqa_tf.report.drawn_photos import PhotoDrawer

            drawer = PhotoDrawer(args.draw)
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf score: {error}") from None
    totals = Totals()
    if output is not None:
        totals.add(output.kept_rows)
        if output.done:
            print(f"resuming {args.out}: {len(output.done)} of {len(inputs)} files already scored", file=sys.stderr)
    todo = [path for path in inputs if output is None or path not in output.done]
    if output is None:
        sys.stdout.write(format_rows([], columns, False, header=True))
    with stop_requests() as stop:
        try:
            for rows in score_batches(todo, scorer, options, batch_size=args.batch_size, total=len(inputs)):
                if output is None:
                    sys.stdout.write(format_rows(rows, columns, False, header=False))
                    sys.stdout.flush()
                else:
                    output.write_batch(rows)
                totals.add(rows)
                if drawer is not None:
                    drawer.add(rows)
                if stop.requested:
                    break
        except KeyboardInterrupt:  # a second Ctrl-C: the batch in flight is dropped whole
            stop.signal = stop.signal or 2
    if drawer is not None:
        print(f"{drawer.written} photos drawn in {args.draw}", file=sys.stderr)
    if options.align and getattr(scorer, "align_path", None):
        print(f"faces found by {scorer.align_path}", file=sys.stderr)
    if stop.requested:
        if output is not None:
            output.stop()
        print(
            f"stopped by {stop.name}: {totals.files} of {len(inputs)} files done ({totals.line()}); "
            + (f"rows so far in {args.out}; run the same command with --resume to continue" if args.out else ""),
            file=sys.stderr,
        )
        return stop.exit_status
    if output is None:
        print(totals.line(), file=sys.stderr)  # stdout carries the CSV alone
        return 0
    output.finish()
    print(f"{totals.line()}; rows written to {args.out}")
    return 0
