"""A `Scorer` test double with outputs known in closed form, for the scorer plumbing (batching, order, errors,
calibration, CSV rows) without any model runtime."""

from __future__ import annotations

import numpy as np

from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.base import Scorer


class MeanPixelScorer(Scorer):
    """quality = mean pixel / 255; embedding = the image's mean colour, L2-normalised. Records every batch size."""

    def __init__(self, image_size: int = 8, calibration: dict | None = None):
        self.image_size = image_size
        self.calibration = calibration
        self.batches: list[int] = []

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        assert images.dtype == np.uint8 and images.shape[1:] == (self.image_size, self.image_size, 3)
        self.batches.append(len(images))
        colour = images.reshape(len(images), -1, 3).mean(axis=1) + 1.0
        return {
            sig.OUTPUT_QUALITY: images.reshape(len(images), -1).mean(axis=1).astype(np.float32) / 255.0,
            sig.OUTPUT_EMBEDDING: (colour / np.linalg.norm(colour, axis=1, keepdims=True)).astype(np.float32),
        }
