"""Scorer over an exported SavedModel's ``predict_images`` signature (TensorFlow); with ``FaceOptions(align=True)``
and a SavedModel that has ``score_photos``, the faces are detected and aligned inside the SavedModel too."""

from __future__ import annotations

import contextlib
import json
import threading
import warnings

import numpy as np
import tensorflow as tf

from crfiqa_tf import environment, paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.faces.alignment_path import uses_graph_alignment
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS, ImageReadError, graph_photo_bytes, png_bytes, read_bytes
from crfiqa_tf.inference.base import Scorer, ScoreRecord
from crfiqa_tf.model_files import resolve_saved_model_dir

PRECISIONS = ("float32", "bfloat16")
_BF16_REWRITE = "auto_mixed_precision_onednn_bfloat16"
_OPTIONS_LOCK = threading.Lock()
IN_GRAPH = "score_photos (detection and alignment inside the SavedModel)"


def photo_bytes(item, index: int, max_pixels: int = DEFAULT_MAX_PIXELS) -> tuple[str, bytes]:
    """(source name, bytes for ``score_photos``) of a path (`crfiqa_tf.image_io.graph_photo_bytes`) or of an RGB
    uint8 array (sent as PNG). Raises `ImageReadError` as `read_image` does."""
    if isinstance(item, np.ndarray):
        source = f"array[{index}]"
        if item.ndim != 3 or item.shape[-1] != 3 or item.dtype != np.uint8:
            raise ImageReadError(source, "bad_shape", f"expected uint8 [H, W, 3], got {item.dtype} {item.shape}")
        return source, png_bytes(item)
    source = str(item)
    return source, graph_photo_bytes(read_bytes(source), source, max_pixels)


@contextlib.contextmanager
def _onednn_bfloat16():
    """Grappler's oneDNN auto-mixed-precision rewrite for the calls inside: convolutions, matmuls and their
    element-wise neighbours run in bfloat16, the rest stays float32. The option is process-wide state, so it is set
    and restored under a lock; TensorFlow caches one optimised graph per option set, so switching costs nothing
    after the first call of each."""
    with _OPTIONS_LOCK:
        before = tf.config.optimizer.get_experimental_options()
        tf.config.optimizer.set_experimental_options({_BF16_REWRITE: True})
        try:
            yield
        finally:
            tf.config.optimizer.set_experimental_options({_BF16_REWRITE: bool(before.get(_BF16_REWRITE, False))})


class SavedModelScorer(Scorer):
    """Loads ``<dir>`` (a SavedModel version folder, or the TF Serving base holding numbered versions: the
    highest is used) once with `tf.saved_model.load`.

    ``precision="bfloat16"`` runs the same float32 SavedModel through TensorFlow's oneDNN bfloat16 rewrite: on a CPU
    with AVX512_BF16 it measured 1.5× (batch 1) and 1.8× (batch 32) the float32 rate (``benchmarks/inference.py``),
    with quality within 1e-3 and embeddings at cosine ≈ 0.9998 of float32. Only CPUs with bfloat16 instructions
    (AVX512_BF16, AMX) have anything to gain; elsewhere it warns. The switch is process-wide while a
    bfloat16 call runs: a float32 call made meanwhile from another thread may run in bfloat16 too.
    """

    def __init__(self, path: str, precision: str = "float32"):
        if precision not in PRECISIONS:
            raise ValueError(f"precision: {precision!r} is not one of {PRECISIONS}")
        if precision == "bfloat16" and not environment.cpu_has_bfloat16():
            warnings.warn(
                "precision='bfloat16': this CPU reports neither avx512_bf16 nor amx_bf16, so the bfloat16 rewrite has "
                "no hardware to use and is unlikely to be faster than float32",
                RuntimeWarning,
                stacklevel=2,
            )
        self.precision = precision
        path = resolve_saved_model_dir(path)
        self.path = path
        self._model = tf.saved_model.load(path)
        if sig.PREDICT_IMAGES not in self._model.signatures:
            raise ValueError(f"{path}: no '{sig.PREDICT_IMAGES}' signature; was it exported by crfiqa-tf export?")
        self._signature = self._model.signatures[sig.PREDICT_IMAGES]
        spec = self._signature.structured_input_signature[1][sig.INPUT_IMAGES]
        self.image_size = int(spec.shape[1])
        calibration = paths.join(path, "assets.extra", sig.CALIBRATION_FILE)
        if paths.exists(calibration):
            self.calibration = json.loads(paths.read_text(calibration))
        self._score_photos = self._model.signatures.get(sig.SCORE_PHOTOS)
        settings = paths.join(path, "assets.extra", sig.SCORE_PHOTOS_FILE)
        # The export's score_photos settings (min_face: the smallest face it looks for); None: no such signature.
        self.score_photos_settings = None
        if self._score_photos is not None:
            self.score_photos_settings = json.loads(paths.read_text(settings)) if paths.exists(settings) else {}
        self.align_path: str | None = None  # how the last aligned score found its faces

    @property
    def has_score_photos(self) -> bool:
        return self._score_photos is not None

    def _rewrite(self):
        return _onednn_bfloat16() if self.precision == "bfloat16" else contextlib.nullcontext()

    def score_photos(self, encoded: list[bytes]) -> dict[str, np.ndarray]:
        """The raw ``score_photos`` outputs for JPEG/PNG bytes."""
        with self._rewrite():
            outputs = self._score_photos(**{sig.INPUT_IMAGE_BYTES: tf.constant(encoded, tf.string)})
            return {name: value.numpy() for name, value in outputs.items()}

    def score(self, inputs, batch_size: int = 32, with_embeddings: bool = False, options: FaceOptions | None = None):
        """As `Scorer.score`; with ``options.align``, the default detector, no components and the `min_face` the
        SavedModel was exported with, through ``score_photos`` when the SavedModel has it (so a GPU runs detection
        too): `align_path` says which path was used. The components need the Face Mesh, which the signature does
        not return: they take the Python path, as does another `min_face`."""
        options = options or FaceOptions()
        in_graph = uses_graph_alignment(
            self.score_photos_settings,
            align=options.align,
            detector=options.detector,
            components=options.components,
            min_face=options.min_face,
        )
        if not in_graph:
            self.align_path = f"{options.detector} (LiteRT/Python) + NumPy alignment" if options.align else None
            return super().score(inputs, batch_size, with_embeddings, options)
        self.align_path = IN_GRAPH
        records: list[ScoreRecord] = []
        items = list(inputs)
        for start in range(0, len(items), batch_size):
            ready = []  # per input: (source, bytes) or the record of its read error
            for index, item in enumerate(items[start : start + batch_size], start=start):
                try:
                    ready.append(photo_bytes(item, index))
                except ImageReadError as error:
                    ready.append(ScoreRecord(error.source, error=f"{error.cause}: {error.detail}"))
            photos = [entry for entry in ready if not isinstance(entry, ScoreRecord)]
            scored = iter(self._photo_records(photos, options.faces, with_embeddings))
            for entry in ready:  # back in input order
                records += [entry] if isinstance(entry, ScoreRecord) else next(scored)
        return records

    def _photo_records(self, photos, faces: str, with_embeddings: bool) -> list[list[ScoreRecord]]:
        """Per photo its records; a photo the graph refuses (INVALID_ARGUMENT) is retried alone and gets an error."""
        from crfiqa_tf.inference.photo_outputs import records_from_photo_outputs

        if not photos:
            return []
        try:
            outputs = self.score_photos([data for _, data in photos])
        except tf.errors.InvalidArgumentError as error:
            if len(photos) == 1:
                return [[ScoreRecord(photos[0][0], error=f"corrupt: {' '.join(error.message.split())[:300]}")]]
            return [self._photo_records([photo], faces, with_embeddings)[0] for photo in photos]
        return [
            records_from_photo_outputs(
                {name: value[i : i + 1] for name, value in outputs.items()},
                [source],
                faces,
                with_embeddings,
                self.calibration,
            )
            for i, (source, _) in enumerate(photos)
        ]

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        with self._rewrite():
            outputs = self._signature(**{sig.INPUT_IMAGES: tf.constant(images, tf.uint8)})
            return {name: value.numpy() for name, value in outputs.items()}
