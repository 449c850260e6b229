"""Scorer over an exported SavedModel's ``predict_images`` signature (TensorFlow)."""

from __future__ import annotations

import json
import os

import numpy as np
import tensorflow as tf

from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.base import Scorer


class SavedModelScorer(Scorer):
    """Loads ``<dir>`` (a SavedModel version folder, or the TF Serving base holding numbered versions: the
    highest is used) once with `tf.saved_model.load`."""

    def __init__(self, path: str):
        path = resolve_version_dir(path)
        self.path = path
        self._model = tf.saved_model.load(path)
        if sig.PREDICT_IMAGES not in self._model.signatures:
            raise ValueError(f"{path}: no '{sig.PREDICT_IMAGES}' signature; was it exported by crfiqa-tf export?")
        self._signature = self._model.signatures[sig.PREDICT_IMAGES]
        spec = self._signature.structured_input_signature[1][sig.INPUT_IMAGES]
        self.image_size = int(spec.shape[1])
        calibration = os.path.join(path, "assets.extra", sig.CALIBRATION_FILE)
        if os.path.isfile(calibration):
            with open(calibration, encoding="utf-8") as handle:
                self.calibration = json.load(handle)

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        outputs = self._signature(**{sig.INPUT_IMAGES: tf.constant(images, tf.uint8)})
        return {name: value.numpy() for name, value in outputs.items()}


def resolve_version_dir(path: str) -> str:
    if os.path.isfile(os.path.join(path, "saved_model.pb")):
        return path
    versions = sorted((int(d) for d in os.listdir(path) if d.isdigit()), reverse=True) if os.path.isdir(path) else []
    for version in versions:
        candidate = os.path.join(path, str(version))
        if os.path.isfile(os.path.join(candidate, "saved_model.pb")):
            return candidate
    raise FileNotFoundError(f"no SavedModel at {path} (expected saved_model.pb or numbered version folders)")
