"""`crfiqa-tf client`: images or photos scored by a model TF Serving serves, over gRPC or REST; CSV rows on stdout."""

from __future__ import annotations

import argparse
import sys

from crfiqa_tf import signatures as sig

EXAMPLE = "crfiqa-tf client --target localhost:8500 --photos party.jpg"


def add_parser(commands) -> None:
    parser = commands.add_parser("client", help="score images with a model served by TF Serving (CSV to stdout)")
    parser.add_argument("images", nargs="+")
    parser.add_argument(
        "--photos",
        action="store_true",
        help="raw photos or folders: the server detects, aligns and scores every face (score_photos); a row per face",
    )
    parser.add_argument("--target", required=True, help="HOST:PORT (gRPC 8500 or REST 8501)")
    parser.add_argument("--transport", choices=["grpc", "rest"], default="grpc")
    parser.add_argument("--name", default=sig.DEFAULT_MODEL_NAME)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.image_io import ImageReadError, graph_photo_bytes, list_inputs, read_bytes
    from crfiqa_tf.inference.base import ScoreRecord
    from crfiqa_tf.inference.score_files import summary_line, write_rows
    from crfiqa_tf.output_rows import score_row
    from crfiqa_tf_apps.serving.client import CRFIQAClient

    client = CRFIQAClient(args.target, model_name=args.name, transport=args.transport, timeout=args.timeout)
    result = []
    # Rows as `crfiqa-tf score` writes them (`crfiqa_tf.output_rows.score_row`): raw photos as `score --align --faces
    # all` (every face, through score_photos), aligned faces as `score`.
    for path in list_inputs(args.images) if args.photos else args.images:
        try:
            if args.photos:  # JPEG / plain PNG as they are; any other format Pillow reads is sent as PNG
                records = client.score_photos([graph_photo_bytes(read_bytes(path), path)], [path])
            else:
                outputs = client.predict_bytes([read_bytes(path)])
                score = outputs.get("quality_score")
                quality = float(outputs["quality"][0])
                records = [ScoreRecord(path, quality, None if score is None else float(score[0]))]
        except ImageReadError as error:
            records = [ScoreRecord(path, error=f"{error.cause}: {error.detail}")]
        except ValueError as error:
            records = [ScoreRecord(path, error=" ".join(str(error).split()))]  # a server's message spans lines
        result += [score_row(record) for record in records]
    write_rows(result, sys.stdout)
    print(summary_line(result), file=sys.stderr)
    return 0
