"""`crfiqa-tf score-gallery`: the Apache Beam gallery job (`crfiqa_tf_apps.beam_jobs.score_gallery`) with its own
flags; what the parser leaves are Beam's pipeline options (``--runner`` and the runner's), handed to Beam."""

from __future__ import annotations

import argparse

EXAMPLE = (
    "crfiqa-tf score-gallery --input-folder gs://bucket/gallery --model gs://bucket/export/tflite/crfiqa_int8.tflite "
    "--output gs://bucket/out/scores --align --components"
)


def add_parser(commands) -> None:
    from crfiqa_tf_apps.beam_jobs.gallery_flags import add_gallery_flags

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
