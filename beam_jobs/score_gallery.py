"""Score a gallery of face images with Apache Beam: locally (FnApiRunner) or on Dataflow, losing nothing.

    crfiqa-tf score-gallery --input-folder gs://b/gallery --model gs://b/export/tflite/crfiqa_int8.tflite \\
        --output gs://b/out/scores --format parquet [--with-embeddings] [--align [--components]]
    # on Dataflow add: --runner DataflowRunner --project P --region R --temp_location gs://B/tmp
    #                  --sdk_container_image IMAGE  (beam_jobs/Dockerfile; docs/guides/beam.md)

``--input-folder`` takes the files of a folder as ``crfiqa-tf score`` does (`crfiqa_tf.image_io.folder_files`:
every file, recursively, hidden ones excepted, whatever its name), so both give the same paths, each scored or a
failure with the same error kind; ``--input-glob`` takes exactly what the glob matches.

Every path (folders, globs, input list, TFRecords, model, calibration, outputs) goes through Beam's
``FileSystems``. The
model (SavedModel, ``.tflite`` or ``.onnx``) is checked on the launcher, then copied once per worker into a local
cache (beam_jobs/model_cache.py). Stages: ReadPaths → MatchFiles → Reshuffle (so that every worker decodes and
scores, not the one that listed the files) → ReadAndDecode (dead letters: path, error class, message) → [Align] →
RunInference (beam_jobs/model_handler.py) → Format → Write. Failures go to ``PREFIX-failures-*.jsonl``. Counters
``read``, ``scored``, ``failed_decode``, ``failed_align``, ``failed_inference`` are printed at the end, and a local
run checks ``read + extra_faces = scored + failed`` (``extra_faces``: faces past a photo's first with ``--faces
all``). Re-running with the same prefix replaces the outputs.

``--components`` (with ``--align``) adds each face's quality components and reasons (`crfiqa_tf.components`):
a ``components`` struct (name → raw, value, note) and ``reasons`` / ``instructions`` lists in Parquet, the flat
columns of ``crfiqa-tf score --components`` in CSV and JSON Lines; ``--profile`` reads a reasons profile from any
filesystem.

With ``--align``, a SavedModel that has the ``score_photos`` signature (every export since 0.3) detects and aligns
the faces inside its graph (``RunInference`` sends the encoded photos; a GPU worker runs the whole pipeline); the
LiteRT/Python aligner is used instead for ``.tflite`` / ``.onnx`` models, ``--detector mtcnn``, ``--components``
(which need the Face Mesh) and a ``--min-face`` other than the export's. ``--min-face`` (pixels between the eyes)
is the smallest face looked for, whatever the photo's size (`crfiqa_tf.align.tiling`). The log names the path
taken.
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Sequence

import apache_beam as beam
import numpy as np
from apache_beam.io import fileio
from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics
from apache_beam.metrics.metric import MetricsFilter
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference
from apache_beam.options.pipeline_options import PipelineOptions

from crfiqa_tf import signatures as sig
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.components.rows import FLAT_COLUMNS, NESTED_COLUMNS, flatten_nested, nested, parquet_types
from crfiqa_tf.faces.alignment_path import uses_graph_alignment
from crfiqa_tf.faces.face_options import FaceOptions, add_face_flags
from crfiqa_tf.image_io import (
    DEFAULT_MAX_PIXELS,
    ImageReadError,
    graph_photo_bytes,
    is_hidden,
    open_image,
    relative_path,
)
from crfiqa_tf.inference.base import ScoreRecord
from crfiqa_tf.rows import BEAM_COLUMNS, FACE_COLUMNS, beam_row, face_values
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model, localize
from crfiqa_tf_apps.beam_jobs.model_handler import WARNING, CRFIQAModelHandler, PhotoModelHandler

NAMESPACE = "crfiqa"
# read = photos in; extra_faces = faces past the first of a photo (--faces all), each then scored or failed on its
# own; so read + extra_faces = scored + failed, always.
COUNTERS = ("read", "extra_faces", "scored", "failed_decode", "failed_align", "failed_inference")
# Output columns (`crfiqa_tf.rows`): BEAM_COLUMNS for every model kind, + FACE_COLUMNS with --align, + embedding on
# request.
FAILED = "failed"


def parse_args(argv: Sequence[str] | None) -> tuple[argparse.Namespace, list[str]]:
    """The job's own flags, and the rest (Beam's pipeline options)."""
    return build_parser().parse_known_args(argv)


def build_parser(prog: str | None = None) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=prog, description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
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
    parser.add_argument("--format", choices=["parquet", "csv", "jsonl"], default="parquet")
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
    return parser


class ReadAndDecode(beam.DoFn):
    """(path or source id, bytes or None) → (path, uint8 image), or with `as_photo_bytes` (path, the bytes for
    ``score_photos``); unreadable inputs to the ``failed`` output."""

    def __init__(self, max_pixels: int, as_photo_bytes: bool = False):
        self.max_pixels, self.as_photo_bytes = max_pixels, as_photo_bytes
        self.read = Metrics.counter(NAMESPACE, "read")
        self.failed = Metrics.counter(NAMESPACE, "failed_decode")

    def process(self, element):
        path, data = element
        self.read.inc()
        try:
            if data is None:
                try:
                    with FileSystems.open(path) as handle:
                        data = handle.read()
                except OSError as error:
                    raise ImageReadError(path, "unreadable", str(error)) from None
            if self.as_photo_bytes:
                yield {"path": path}, graph_photo_bytes(data, path, self.max_pixels)
            else:
                yield {"path": path}, np.asarray(open_image(data, path, self.max_pixels), np.uint8)
        except ImageReadError as error:
            self.failed.inc()
            yield beam.pvalue.TaggedOutput(
                FAILED, {"path": path, "stage": "decode", "error": error.cause, "message": error.detail}
            )


def no_face(key: dict):
    """The ``failed`` output of a photo in which no face was found (stage ``align``), on either aligning path."""
    return beam.pvalue.TaggedOutput(
        FAILED, {"path": key["path"], "stage": "align", "error": "no_face", "message": "no face detected"}
    )


class Align(beam.DoFn):
    """(path, raw photo) → (face key, aligned crop) for each face kept (largest, or all); no face goes to
    ``failed``. The key carries the face's index, detection score, box and landmarks to its output row. The crops
    are cut at the model's own input size, read on the worker from its cached copy of `model`
    (`crfiqa_tf.model_io.input_size`), as ``crfiqa-tf score --align`` does: no option can disagree with the model."""

    def __init__(self, model: str, detector: str, faces: str, rules=None, min_face=DEFAULT_MIN_FACE, cache_dir=None):
        self.model, self.cache_dir = model, cache_dir
        self.detector_name, self.faces, self.min_face = detector, faces, min_face
        self.rules = rules  # reasons profile rules: components are computed when given
        self.failed = Metrics.counter(NAMESPACE, "failed_align")
        self.extra_faces = Metrics.counter(NAMESPACE, "extra_faces")

    def setup(self):
        from crfiqa_tf.align.aligner import FaceAligner
        from crfiqa_tf.model_io import input_size

        local_path, _ = localize(describe_model(self.model), self.cache_dir)
        self.aligner = FaceAligner(
            self.detector_name,
            policy=self.faces,
            size=input_size(local_path),
            min_face=self.min_face,
            mesh=self.rules is not None,
        )

    def process(self, element):
        from crfiqa_tf.faces.measurement import measure_faces

        key, image = element
        faces = measure_faces(image, self.aligner, self.rules)
        if not faces:
            self.failed.inc()
            yield no_face(key)
            return
        self.extra_faces.inc(len(faces) - 1)
        for face in faces:
            detection = face.detection
            row = {**key, **face_values(face.index, detection.score, detection.box, detection.landmarks)}
            if face.components is not None:
                row.update(nested(face.components, face.reasons))
            yield row, face.crop


class FormatPhotos(beam.DoFn):
    """One photo's ``score_photos`` result → a row per face kept (largest, or all); a photo without a face goes to
    ``failed`` (stage ``align``), so the counters add up as on the Python path."""

    def __init__(self, with_embeddings: bool, faces: str):
        self.with_embeddings, self.faces = with_embeddings, faces
        self.scored = Metrics.counter(NAMESPACE, "scored")
        self.failed = Metrics.counter(NAMESPACE, "failed_align")
        self.extra_faces = Metrics.counter(NAMESPACE, "extra_faces")

    def process(self, element):
        from crfiqa_tf.inference.photo_outputs import records_from_photo_outputs

        key, result = element
        outputs = {name: np.asarray(value)[None] for name, value in result.inference.items()}
        records = records_from_photo_outputs(outputs, [key["path"]], self.faces, self.with_embeddings)
        if records[0].error:
            self.failed.inc()
            yield no_face(key)
            return
        self.extra_faces.inc(len(records) - 1)
        for record in records:
            self.scored.inc()
            yield {**key, **beam_row(record, result.model_id, self.with_embeddings)}


def in_graph_alignment(args) -> bool:
    """Whether `args` align inside the SavedModel (``score_photos``) rather than with the LiteRT/Python aligner:
    a SavedModel exported with ``score_photos`` for the same `--min-face` (older exports: the whole frame only)."""
    source = describe_model(args.model)
    exported = None
    if source.kind == "saved_model":  # its score_photos.json: written by every export that has the signature
        settings = FileSystems.join(source.path, "assets.extra", sig.SCORE_PHOTOS_FILE)
        if FileSystems.exists(settings):
            with FileSystems.open(settings) as handle:
                exported = json.loads(handle.read().decode("utf-8"))
    options = dict(align=args.align, detector=args.detector, components=args.components, min_face=args.min_face)
    return uses_graph_alignment(exported, **options)


class Format(beam.DoFn):
    def __init__(self, with_embeddings: bool):
        self.with_embeddings = with_embeddings
        self.scored = Metrics.counter(NAMESPACE, "scored")

    def process(self, element):
        key, result = element  # the key: the path, and with --align the face block (`Align`)
        outputs = result.inference
        score = outputs.get(sig.OUTPUT_QUALITY_SCORE)
        record = ScoreRecord(
            key["path"],
            quality=float(outputs[sig.OUTPUT_QUALITY]),
            quality_score=None if score is None else float(score),
            embedding=outputs.get(sig.OUTPUT_EMBEDDING),
            warning=outputs.get(WARNING),
        )
        self.scored.inc()
        yield {**key, **beam_row(record, result.model_id, self.with_embeddings)}


def _inference_failures(element):
    """RunInference's dead letter is (failed batch, exception): one failure row per element of the batch."""
    batch, error = element
    counter = Metrics.counter(NAMESPACE, "failed_inference")
    for item in batch:
        counter.inc()
        path = item[0]["path"] if isinstance(item, tuple) else "?"
        yield {"path": str(path), "stage": "inference", "error": type(error).__name__, "message": str(error)}


def folder_paths(folder: str) -> list[str]:
    """The files of `folder` on any Beam filesystem, by the library's rule (`crfiqa_tf.image_io.folder_files`)."""
    matched = FileSystems.match([folder.rstrip("/") + "/**"])[0].metadata_list
    # a path ending in "/" is an object store's folder placeholder, not a file (tf.io.gfile does not list it either)
    files = [m.path for m in matched if not m.path.endswith("/")]
    return sorted(path for path in files if not is_hidden(relative_path(folder, path)))


def read_paths(pipeline, args):
    if args.input_folder:
        return (
            pipeline
            | "ReadPaths" >> beam.Create(args.input_folder)
            | "ListFolders" >> beam.FlatMap(folder_paths)
            | "ToPath" >> beam.Map(lambda path: (path, None))
            | "FanOut" >> beam.Reshuffle()
        )
    if args.input_glob:
        return (
            pipeline
            | "ReadPaths" >> beam.Create(args.input_glob)
            | "MatchFiles" >> fileio.MatchAll()
            | "ToPath" >> beam.Map(lambda metadata: (metadata.path, None))
            | "FanOut" >> beam.Reshuffle()
        )
    if args.input_list:
        return (
            pipeline
            | "ReadPaths" >> beam.io.ReadFromText(args.input_list)
            | "ToPath" >> beam.Map(lambda line: (line.split(",")[0].strip(), None))
            | "DropEmpty" >> beam.Filter(lambda item: bool(item[0]) and item[0] != "path")
            | "FanOut" >> beam.Reshuffle()
        )

    from crfiqa_tf.data.schema import parse_example_bytes

    return (
        pipeline
        | "ReadPaths" >> beam.io.ReadFromTFRecord(args.input_tfrecords)
        | "ParseRecords" >> beam.Map(parse_example_bytes)
    )


def build_pipeline(pipeline, args) -> dict:
    """Adds every stage to `pipeline`; returns the ``rows`` and ``failures`` PCollections."""
    in_graph = in_graph_alignment(args)
    logging.info("faces: %s", "score_photos, inside the SavedModel" if in_graph else "LiteRT/Python aligner")
    decode = ReadAndDecode(args.max_pixels, as_photo_bytes=in_graph)
    decoded = read_paths(pipeline, args) | "ReadAndDecode" >> beam.ParDo(decode).with_outputs(FAILED, main="ok")
    images, failures = decoded.ok, [decoded[FAILED]]
    if args.align and not in_graph:
        rules = read_profile(args.profile) if args.components else None
        align = Align(args.model, args.detector, args.faces, rules, args.min_face, args.model_cache_dir)
        aligned = images | "Align" >> beam.ParDo(align).with_outputs(FAILED, main="ok")
        images = aligned.ok
        failures.append(aligned[FAILED])
    handler_class = PhotoModelHandler if in_graph else CRFIQAModelHandler
    handler = KeyedModelHandler(
        handler_class(
            args.model,
            precision=args.precision,
            threads=args.threads,
            providers=args.providers.split(",") if args.providers else None,
            calibration=read_calibration(args.calibration) if args.calibration else None,
            cache_dir=args.model_cache_dir,
            min_batch_size=args.min_batch_size,
            max_batch_size=args.max_batch_size,
            large_model=args.share_model_across_processes,
            model_copies=args.model_copies,
        )
    )
    scored, dead_letters = images | "RunInference" >> RunInference(handler).with_exception_handling()
    failures.append(dead_letters.failed_inferences | "InferenceFailures" >> beam.FlatMap(_inference_failures))
    if in_graph:
        formatted = scored | "Format" >> beam.ParDo(FormatPhotos(args.with_embeddings, args.faces)).with_outputs(
            FAILED, main="ok"
        )
        rows = formatted.ok
        failures.append(formatted[FAILED])
    else:
        rows = scored | "Format" >> beam.ParDo(Format(args.with_embeddings))
    all_failures = failures | "AllFailures" >> beam.Flatten()
    return {"rows": rows, "failures": all_failures}


def output_columns(args) -> list[str]:
    """Columns in Parquet order (the nested component columns; CSV and JSON Lines get the flat ones instead)."""
    columns = list(BEAM_COLUMNS) + (list(FACE_COLUMNS) if args.align else [])
    columns += list(NESTED_COLUMNS) if args.components else []
    return columns + (["embedding"] if args.with_embeddings else [])


def _parquet_schema(columns: list[str]):
    import pyarrow as pa

    types = {"path": pa.string(), "model": pa.string(), "warning": pa.string(), "face_index": pa.int32()}
    types.update({name: pa.list_(pa.float32()) for name in ("landmarks", "embedding")})
    if "components" in columns:
        types.update(parquet_types())
    return pa.schema([(name, types.get(name, pa.float32())) for name in columns])


def write_outputs(outputs: dict, args) -> None:
    rows, failures = outputs["rows"], outputs["failures"]
    columns = output_columns(args)
    if args.components and args.format != "parquet":
        rows = rows | "FlattenComponents" >> beam.Map(flatten_nested)
        columns = [c for c in columns if c not in NESTED_COLUMNS]
        at = len(BEAM_COLUMNS) + len(FACE_COLUMNS)
        columns[at:at] = FLAT_COLUMNS
    if args.format == "parquet":
        rows | "Write" >> beam.io.WriteToParquet(args.output, _parquet_schema(columns), file_name_suffix=".parquet")
    elif args.format == "csv":
        (
            rows
            | "ToCsv" >> beam.Map(lambda r: ",".join(_csv_cell(r.get(c, "")) for c in columns))
            | "Write" >> beam.io.WriteToText(args.output, file_name_suffix=".csv", header=",".join(columns))
        )
    else:
        rows | "ToJson" >> beam.Map(json.dumps) | "Write" >> beam.io.WriteToText(args.output, file_name_suffix=".jsonl")
    (
        failures
        | "FailuresToJson" >> beam.Map(json.dumps)
        | "WriteFailures" >> beam.io.WriteToText(f"{args.output}-failures", file_name_suffix=".jsonl")
    )


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return '"' + " ".join(f"{v:.6f}" for v in value) + '"'
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def read_calibration(path: str) -> dict:
    """A calibration JSON from any filesystem; raises ValueError naming the path and the cause."""
    from crfiqa_tf.calibration import validate_calibration

    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            calibration = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"--calibration {path}: cannot be read ({type(error).__name__}: {error})") from None
    return validate_calibration(calibration, path)


def read_profile(path: str | None) -> list:
    """The reasons profile's rules (the shipped profile when `path` is None), read through FileSystems; raises
    ValueError naming the path and the cause."""
    from crfiqa_tf.components.reasons import DEFAULT_PROFILE, parse_profile

    path = path or DEFAULT_PROFILE
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            text = handle.read().decode("utf-8")
    except (OSError, ValueError) as error:
        raise ValueError(f"--profile {path}: cannot be read ({type(error).__name__}: {error})") from None
    return parse_profile(text, path)


def check_inputs(args) -> None:
    """Fails before any work when the model, the calibration, the reasons profile or the input list cannot be
    used."""
    FaceOptions.from_args(args)  # the one validation of the face options, as every command runs it
    describe_model(args.model)
    if args.calibration:
        read_calibration(args.calibration)
    if args.components:
        read_profile(args.profile)
    if args.input_list and not FileSystems.exists(args.input_list):
        raise FileNotFoundError(f"--input-list {args.input_list}: no such file")


def clear_previous_outputs(prefix: str) -> int:
    """Deletes files of an earlier run with this prefix, so a re-run replaces rather than adds rows."""
    matches = FileSystems.match([f"{prefix}-*"])[0].metadata_list
    if matches:
        FileSystems.delete([m.path for m in matches])
    return len(matches)


def counters(result) -> dict[str, int]:
    values = {name: 0 for name in COUNTERS}
    for counter in result.metrics().query(MetricsFilter().with_namespace(NAMESPACE))["counters"]:
        values[counter.key.metric.name] = counter.committed if counter.committed is not None else counter.attempted
    return values


def run(argv: Sequence[str] | None = None, test_pipeline=None) -> dict[str, int]:
    """Runs the job; returns the counters (and, locally, checks read + extra_faces = scored + failed)."""
    args, beam_args = parse_args(argv)
    check_inputs(args)
    clear_previous_outputs(args.output)
    local = test_pipeline is not None or not any(a.startswith("--runner") for a in beam_args)
    if test_pipeline is not None:
        pipeline = test_pipeline
    else:
        options = PipelineOptions(beam_args, save_main_session=False)
        if not any(a.startswith("--runner") for a in beam_args):
            from apache_beam.runners.portability.fn_api_runner import FnApiRunner

            pipeline = beam.Pipeline(runner=FnApiRunner(), options=options)  # no Prism download offline
        else:
            pipeline = beam.Pipeline(options=options)
    write_outputs(build_pipeline(pipeline, args), args)
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
