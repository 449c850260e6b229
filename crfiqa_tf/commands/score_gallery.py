"""`crfiqa-tf score-gallery`: the Apache Beam gallery job; its flags pass through to
`crfiqa_tf_apps.beam_jobs.score_gallery`."""

from __future__ import annotations

import argparse

EXAMPLE = (
    "crfiqa-tf score-gallery --input-folder gs://bucket/gallery --model gs://bucket/export/tflite/crfiqa_int8.tflite "
    "--output gs://bucket/out/scores --align --components"
)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "score-gallery", add_help=False, help="Apache Beam job over a whole gallery (flags: beam_jobs/score_gallery.py)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace, extra: list[str]) -> int:
    from crfiqa_tf_apps.beam_jobs.score_gallery import run as run_job

    run_job(extra)
    return 0
