"""`crfiqa-tf best-shots`: a video, a folder of frames or a camera → each tracked person's best frames."""

from __future__ import annotations

import argparse

from crfiqa_tf.faces.face_options import add_face_flags

EXAMPLE = "crfiqa-tf best-shots clip.mp4 --model export/tflite/crfiqa_int8.tflite --out shots/"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "best-shots", help="a video, a folder of frames or a camera → each tracked person's best frames"
    )
    parser.add_argument("input", help="video file, folder of frames (sorted by name) or camera index (0, 1, ...)")
    parser.add_argument("--model", required=True, help="any model crfiqa-tf score takes (a .tflite on a device)")
    parser.add_argument("--out", required=True, help="folder for the crops, best_shots.csv and best_shots.json")
    parser.add_argument("--per-track", type=int, default=3, help="parser shots kept per person (N)")
    parser.add_argument("--min-gap-ms", type=float, default=500.0, help="shots of one person at least T ms apart")
    parser.add_argument("--quality-every", type=int, default=1, help="quality network on one face in K per person")
    parser.add_argument("--min-score", type=float, help="keep shots with quality_score >= S (needs a calibration)")
    parser.add_argument("--fps", type=float, default=25.0, help="frame rate of a folder of frames (timestamps)")
    parser.add_argument("--max-frames", type=int, help="stop after this many frames (a camera runs until Ctrl-C)")
    parser.add_argument("--threads", type=int, help="CPU threads of the face detector and of a .tflite/.onnx model")
    parser.add_argument("--resume", action="store_true", help="continue the interrupted run in --out (same settings)")
    add_face_flags(
        parser,
        ("min_face", "profile", "calibration"),
        {"profile": "reasons profile JSON for the checks (default: the shipped one)"},
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.best_shots.command import run
    from crfiqa_tf.best_shots.sources import SourceError
    from crfiqa_tf.model_io import load_scorer

    try:
        scorer = load_scorer(args.model, calibration=args.calibration, threads=args.threads)
        result = run(
            args.input,
            scorer,
            args.out,
            per_track=args.per_track,
            min_gap_ms=args.min_gap_ms,
            quality_every=args.quality_every,
            min_score=args.min_score,
            fps=args.fps,
            max_frames=args.max_frames,
            profile=args.profile,
            threads=args.threads,
            min_face=args.min_face,
            resume=args.resume,
            settings={"model": args.model, "calibration": args.calibration},
        )
    except (SourceError, ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf best-shots: {error}") from None
    return result.get("exit_status", 0)
