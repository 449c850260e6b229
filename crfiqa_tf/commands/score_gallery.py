"""`crfiqa-tf score-gallery`: the Apache Beam gallery job (`crfiqa_tf_apps.beam_jobs.score_gallery`) with its own
flags; what the parser leaves are Beam's pipeline options (``--runner`` and the runner's), handed to Beam.

The job's flags are declared here once (`add_gallery_flags`), for this command and for the job's own entry point,
with no Beam import: `crfiqa-tf --help` builds every command's parser and stays instant, and the library imports
the application only when the job runs."""

from __future__ import annotations

import argparse

from crfiqa_tf.faces.face_options import add_face_flags
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS

EXAMPLE = (
    "crfiqa-tf score-gallery --input-folder gs://bucket/gallery --model gs://bucket/export/tflite/crfiqa_int8.tflite "
    "--output gs://bucket/out/scores --align --components"
)


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


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "score-gallery",
        help="Apache Beam job over a whole gallery, locally or on Dataflow",
        description="Apache Beam job over a whole gallery; Beam's pipeline options (--runner …) follow its flags "
        "(docs/guides/beam.md)",
    )
    add_gallery_flags(parser)
    parser.set_defaults(handler=run, takes_pipeline_options=True)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.beam_jobs.gallery_options import GalleryOptions
    from crfiqa_tf_apps.beam_jobs.score_gallery import run_job

    run_job(GalleryOptions.from_args(args), args.pipeline_options)
    return 0
