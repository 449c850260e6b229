"""Scorer over an exported SavedModel's ``predict_images`` signature (TensorFlow)."""

from __future__ import annotations

import contextlib
import json
import threading
import warnings

import numpy as np
import tensorflow as tf

from crfiqa_tf import environment, paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.base import Scorer
from crfiqa_tf.model_io import resolve_saved_model_dir

PRECISIONS = ("float32", "bfloat16")
_BF16_REWRITE = "auto_mixed_precision_onednn_bfloat16"
_OPTIONS_LOCK = threading.Lock()


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

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        rewrite = _onednn_bfloat16() if self.precision == "bfloat16" else contextlib.nullcontext()
        with rewrite:
            outputs = self._signature(**{sig.INPUT_IMAGES: tf.constant(images, tf.uint8)})
            return {name: value.numpy() for name, value in outputs.items()}
