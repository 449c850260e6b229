"""The gallery job's flags, declared once for its entry point (`crfiqa_tf_apps.beam_jobs.score_gallery`) and for
`crfiqa-tf score-gallery`. No Beam import here: `crfiqa-tf --help` builds every command's parser and stays instant.
Beam's own pipeline options (``--runner`` and the runner's) are not declared: they are what the parser leaves."""

from __future__ import annotations

import argparse

from crfiqa_tf.faces.face_options import add_face_flags
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS

FORMATS = ("parquet", "csv", "jsonl")


def add_gallery_flags(parser: argparse.ArgumentParser) -> None:
    """The job's flags on `parser` (`GalleryOptions.from_args` reads them)."""
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument(
        "--input-folder",
        action="append",
        help="every file under this folder, recursively, hidden ones excepted (as crfiqa-tf score); repeatable",
    )
    source.add_argument(
        "--input-glob", action="append", help="files to score (any Beam filesystem); repeat for several globs"
    )
    source.add_argument("--input-list", help="text/CSV file with one path per line (first column)")
    source.add_argument("--input-tfrecords", help="glob of TFRecord shards in the crfiqa-tf schema")
    parser.add_argument("--model", required=True, help="exported SavedModel folder, .tflite or .onnx (any filesystem)")
    parser.add_argument("--threads", type=int, default=None, help="CPU threads per model (LiteRT, ONNX Runtime)")
    parser.add_argument("--providers", help="ONNX Runtime providers, comma-separated (default: CPUExecutionProvider)")
    parser.add_argument("--model-cache-dir", help="local folder for the per-worker model copy (default: system temp)")
    parser.add_argument("--output", required=True, help="output prefix")
    parser.add_argument("--format", choices=FORMATS, default="parquet")
    parser.add_argument("--with-embeddings", action="store_true")
    add_face_flags(parser, helps={"calibration": "calibration JSON (0-100 mapping); overrides the model's own"})
    parser.add_argument("--max-pixels", type=int, default=DEFAULT_MAX_PIXELS)
    parser.add_argument("--min-batch-size", type=int, default=8)
    parser.add_argument("--max-batch-size", type=int, default=64)
    parser.add_argument(
        "--share-model-across-processes",
        action="store_true",
        help="one model per machine shared by its worker processes (Beam's large_model)",
    )
    parser.add_argument("--model-copies", type=int, help="exactly N model copies per machine (Beam's model_copies)")
