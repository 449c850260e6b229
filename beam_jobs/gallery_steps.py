"""The gallery job's steps as Beam DoFns: decode (dead letters: path, error class, message), align (the
LiteRT/Python aligner), and format a model's outputs into rows — for aligned faces and for the SavedModel's
``score_photos`` — with the counters that make ``read + extra_faces = scored + failed`` checkable."""

from __future__ import annotations

import apache_beam as beam
import numpy as np
from apache_beam.io.filesystems import FileSystems
from apache_beam.metrics import Metrics

from crfiqa_tf import signatures as sig
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.components.component_columns import nested
from crfiqa_tf.image_io import ImageReadError, graph_photo_bytes, open_image
from crfiqa_tf.inference.base import ScoreRecord
from crfiqa_tf.output_rows import beam_row, face_values
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model, localize
from crfiqa_tf_apps.beam_jobs.model_handler import WARNING

NAMESPACE = "crfiqa"
# read = photos in; extra_faces = faces past the first of a photo (--faces all), each then scored or failed on its
# own; so read + extra_faces = scored + failed, always.
COUNTERS = ("read", "extra_faces", "scored", "failed_decode", "failed_align", "failed_inference")
FAILED = "failed"  # the tag of every step's dead letters


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


def inference_failures(element):
    """RunInference's dead letter is (failed batch, exception): one failure row per element of the batch."""
    batch, error = element
    counter = Metrics.counter(NAMESPACE, "failed_inference")
    for item in batch:
        counter.inc()
        path = item[0]["path"] if isinstance(item, tuple) else "?"
        yield {"path": str(path), "stage": "inference", "error": type(error).__name__, "message": str(error)}
