"""The scorer interface: paths or arrays in, one `ScoreRecord` per input out, the same for every backend.

Imports NumPy and Pillow only (through `crfiqa_tf.image_io`), so the TensorFlow-free edge scorer can use it.
"""

from __future__ import annotations

import abc
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.align.detection import DEFAULT_DETECTOR
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.calibration import rescore
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS, ImageReadError, read_image, resize_rgb


@dataclass
class ScoreRecord:
    """One input scored whole, as an aligned face, or one input that could not be scored (`error` set, scores None):
    the fields every output kind has. `warning` says how to read the score (an input that was not the model's size
    and was stretched; more faces in a photo than were scored).

    A face found in a photo (``FaceOptions(align=True)``, the SavedModel's ``score_photos``) is a `FaceRecord`, which
    holds where the face is and what it shows; on any other record those fields read None.
    """

    source: str
    quality: float | None = None
    quality_score: float | None = None
    embedding: np.ndarray | None = None
    error: str | None = None
    warning: str | None = None

    # The face fields of `FaceRecord`, read on a record that has no face (class attributes, not fields).
    face_index = detection_score = box = landmarks = mesh = components = reasons = None


@dataclass(kw_only=True)
class FaceRecord(ScoreRecord):
    """One face found in a photo: its number among the faces kept (largest 0), the detector's score, the face box
    ``(x0, y0, x1, y1)`` and the five alignment points (``[5, 2]``, template order) in source pixels, all required;
    the detector's Face Mesh (``[468, 3]``, BlazeFace only) and, with ``components=True``, the quality components
    (`crfiqa_tf.components`: name → raw, 0–100 value, note) and the reasons they give under a profile."""

    # field(): without it the dataclass would take ScoreRecord's class attributes (None) as these fields' defaults
    face_index: int = field()
    detection_score: float = field()
    box: tuple[float, float, float, float] = field()
    landmarks: np.ndarray = field()
    mesh: np.ndarray | None = None
    components: dict | None = None
    reasons: list | None = None


def size_warning(shape, size: int) -> str | None:
    """The row warning for an input that is not ``size × size`` and is scored without alignment."""
    height, width = shape[:2]
    if (height, width) == (size, size):
        return None
    return (
        f"input is {width}x{height}, not the model's {size}x{size}: resized as if it were an aligned face; "
        "use --align (align=True) for raw photos"
    )


def load_sidecar(model_path: str) -> dict:
    """The JSON written beside an exported ``.tflite`` / ``.onnx`` file (empty if absent)."""
    path = model_path + sig.SIDECAR_SUFFIX
    if not paths.exists(path):
        return {}
    try:
        return json.loads(paths.read_text(path))
    except ValueError as error:
        raise ValueError(f"{path}: not a JSON sidecar ({error})") from None


class Scorer(abc.ABC):
    """Scores aligned face images. Subclasses implement `predict` on a uint8 batch ``[n, S, S, 3]``."""

    image_size: int = 112
    calibration: dict | None = None
    label: str = ""  # how output rows name the model (the Beam job sets file name, kind and content hash)

    @abc.abstractmethod
    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Raw outputs by name (`crfiqa_tf.signatures`) for a uint8 RGB batch."""

    def score_crops(self, crops: np.ndarray) -> tuple[np.ndarray, np.ndarray | None, dict]:
        """Raw quality ``[n]``, the 0–100 score ``[n]`` (None without a calibration or a built-in score) and the raw
        outputs of aligned crops ``[n, S, S, 3]`` uint8."""
        outputs = self.predict(crops)
        quality = np.asarray(outputs[sig.OUTPUT_QUALITY], np.float32).reshape(-1)
        scores = rescore(outputs, self.calibration)
        return quality, None if scores is None else np.asarray(scores, np.float64).reshape(-1), outputs

    def _load(self, item, index: int) -> tuple[str, np.ndarray]:
        """The input's name and its RGB uint8 pixels at their own size."""
        if isinstance(item, np.ndarray):
            source = f"array[{index}]"
            if item.ndim != 3 or item.shape[-1] != 3:
                raise ImageReadError(source, "bad_shape", f"expected [H, W, 3], got {item.shape}")
            if item.dtype != np.uint8:
                raise ImageReadError(source, "bad_dtype", f"expected uint8 pixels, got {item.dtype}")
            return source, item
        source = os.fspath(item)
        return source, read_image(source, max_pixels=DEFAULT_MAX_PIXELS)

    def aligner(
        self, faces: str = "largest", detector: str = DEFAULT_DETECTOR, min_face=DEFAULT_MIN_FACE, mesh: bool = True
    ):
        """The `FaceAligner` used by ``score`` with ``FaceOptions(align=True)``, made once per (detector, faces,
        min_face, mesh) and kept."""
        from crfiqa_tf.align.aligner import FaceAligner

        cache = self.__dict__.setdefault("_aligners", {})
        key = (detector, faces, min_face, mesh)
        if key not in cache:
            cache[key] = FaceAligner(detector, policy=faces, size=self.image_size, min_face=min_face, mesh=mesh)
        return cache[key]

    def _faces(self, source: str, image: np.ndarray, aligner, rules=None) -> list[tuple[ScoreRecord, np.ndarray]]:
        if aligner is None:
            warning = size_warning(image.shape, self.image_size)
            return [(ScoreRecord(source, warning=warning), resize_rgb(image, self.image_size))]
        from crfiqa_tf.faces.measurement import measure_faces

        faces = []
        for face in measure_faces(image, aligner, rules):
            detection = face.detection
            record = FaceRecord(
                source,
                face_index=face.index,
                detection_score=detection.score,
                box=detection.box,
                landmarks=detection.landmarks,
                mesh=detection.mesh,
                components=face.components,
                reasons=face.reasons,
            )
            faces.append((record, face.crop))
        return faces

    def score(
        self, inputs: Sequence, batch_size: int = 32, with_embeddings: bool = False, options: FaceOptions | None = None
    ) -> list[ScoreRecord]:
        """Records in input order: one `ScoreRecord` per input, or with ``options.align`` one `FaceRecord` per face
        found (`crfiqa_tf.faces.face_options.FaceOptions`: which faces, the detector, the smallest face looked for).
        An unreadable input, or one with no face, gives a `ScoreRecord` with `error` set, never an exception.

        With ``options.components`` each face also gets ``record.components`` and ``record.reasons`` under the
        reasons profile (a JSON path, or its rules already read by `crfiqa_tf.components.load_profile`; default:
        `crfiqa_tf.components.DEFAULT_PROFILE`). The scorer's calibration and precision are its own (`load_scorer`)."""
        options = options or FaceOptions()
        if options.calibration is not None or options.precision != "float32":
            raise ValueError(
                "FaceOptions' calibration and precision belong to the scorer: give them to "
                "crfiqa_tf.load_scorer(path, calibration=..., precision=...); score takes the face options"
            )
        rules = None
        if options.components:
            from crfiqa_tf.components import load_profile

            rules = options.profile if isinstance(options.profile, list) else load_profile(options.profile)
        faces, detector, min_face, align = options.faces, options.detector, options.min_face, options.align
        aligner = self.aligner(faces, detector, min_face, mesh=options.components) if align else None
        records: list[ScoreRecord] = []
        pending: list[tuple[ScoreRecord, np.ndarray]] = []

        def flush():
            if not pending:
                return
            quality, scores, outputs = self.score_crops(np.stack([image for _, image in pending]))
            for row, (record, _) in enumerate(pending):
                record.quality = float(quality[row])
                record.quality_score = None if scores is None else float(scores[row])
                if with_embeddings:
                    record.embedding = np.asarray(outputs[sig.OUTPUT_EMBEDDING][row], np.float32)
            pending.clear()

        for index, item in enumerate(inputs):
            try:
                source, image = self._load(item, index)
            except ImageReadError as error:
                records.append(ScoreRecord(error.source, error=f"{error.cause}: {error.detail}"))
                continue
            found = self._faces(source, image, aligner, rules)
            if not found:
                records.append(ScoreRecord(source, error="no_face: no face detected"))
            for record, crop in found:
                records.append(record)
                pending.append((record, crop))
                if len(pending) >= batch_size:
                    flush()
        flush()
        return records
