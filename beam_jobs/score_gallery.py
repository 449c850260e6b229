"""Score a gallery of face images with Apache Beam: locally (FnApiRunner) or on Dataflow, losing nothing.

    crfiqa-tf score-gallery --input-folder gs://b/gallery --model gs://b/export/tflite/crfiqa_int8.tflite \\
        --output gs://b/out/scores --format parquet [--with-embeddings] [--align [--components]]
    # on Dataflow add: --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
    #                  --sdk_container_image IMAGE  (beam_jobs/Dockerfile; docs/guides/beam.md)

``--input-folder`` takes the files of a folder as ``crfiqa-tf score`` does (every file, recursively, hidden ones
excepted), so both give the same paths; ``--input-glob`` takes exactly what the glob matches. Every path goes
through Beam's ``FileSystems``; the model is checked on the launcher, then copied once per worker into a local
cache (`model_cache`). The stages are `gallery_transform.ScoreGallery`'s, the outputs `gallery_sinks.WriteGallery`'s;
failures go to ``PREFIX-failures-*.jsonl``. The counters are printed at the end, and a local run checks
``read + extra_faces = scored + failed`` (``extra_faces``: faces past a photo's first with ``--faces all``).
``--components`` (with ``--align``) adds each face's quality components and reasons.
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence

import apache_beam as beam
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.options.pipeline_options import PipelineOptions

from crfiqa_tf.commands.score_gallery import add_gallery_flags
from crfiqa_tf_apps.beam_jobs.gallery_options import GalleryOptions
from crfiqa_tf_apps.beam_jobs.gallery_sinks import WriteGallery, clear_previous_outputs
from crfiqa_tf_apps.beam_jobs.gallery_steps import COUNTERS, NAMESPACE
from crfiqa_tf_apps.beam_jobs.gallery_transform import ScoreGallery


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The job's own flags, and the rest (Beam's pipeline options)."""
    return build_parser().parse_known_args(argv)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    add_gallery_flags(parser)
    return parser


def counters(result) -> dict[str, int]:
    values = {name: 0 for name in COUNTERS}
    for counter in result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]:
        values[counter.key.metric.name] = counter.committed if counter.committed is not None else counter.attempted
    return values


def run(argv: Sequence[str] | None = None, test_pipeline=None) -> dict[str, int]:
    """Runs the job from its command line (its flags, then Beam's pipeline options); returns the counters."""
    args, beam_args = parse_args(argv)
    return run_job(GalleryOptions.from_args(args), beam_args, test_pipeline)


def run_job(options: GalleryOptions, beam_args: Sequence[str] = (), test_pipeline=None) -> dict[str, int]:
    """Runs the job with `options` and Beam's pipeline options `beam_args` (``--runner`` and the runner's own);
    returns the counters (and, locally, checks read + extra_faces = scored + failed)."""
    beam_args = list(beam_args)
    options.check()
    clear_previous_outputs(options.output)
    local = test_pipeline is not None or not any(a.startswith("--runner") for a in beam_args)
    if test_pipeline is not None:
        pipeline = test_pipeline
    else:
        pipeline_options = PipelineOptions(beam_args, save_main_session=False)
        if not any(a.startswith("--runner") for a in beam_args):
            from apache_beam.runners.portability.fn_api_runner import FnApiRunner

            pipeline = beam.Pipeline(runner=FnApiRunner(), options=pipeline_options)  # no Prism download offline
        else:
            pipeline = beam.Pipeline(options=pipeline_options)
    _ = pipeline | "ScoreGallery" >> ScoreGallery(options) | "WriteGallery" >> WriteGallery(options)
    result = pipeline.run()
    result.wait_until_finish()
    values = counters(result)
    failed = values["failed_decode"] + values["failed_align"] + values["failed_inference"]
    extra = f" (+{values['extra_faces']} more faces)" if values["extra_faces"] else ""
    print(
        f"read {values['read']}{extra}, scored {values['scored']}, failed {failed} "
        f"(decode {values['failed_decode']}, align {values['failed_align']}, "
        f"inference {values['failed_inference']})",
        flush=True,
    )
    if local and values["read"] + values["extra_faces"] != values["scored"] + failed:
        raise RuntimeError(
            f"accounting broken: read {values['read']} + extra faces {values['extra_faces']} != scored "
            f"{values['scored']} + failed {failed}"
        )
    return values


if __name__ == "__main__":
    logging.getLogger().setLevel(logging.WARNING)
    run(sys.argv[1:])
