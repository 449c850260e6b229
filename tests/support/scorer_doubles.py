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


class SharpnessScorer(Scorer):
    """quality = the spread of the grey aligned crop's Laplacian / 10 (a sharper crop scores higher; known in
    closed form), no 0–100 score unless calibrated; embedding = the crop's mean colour. For the best-shot selector:
    a real network's ranking is not what those tests check."""

    def __init__(self, image_size: int = 112, calibration: dict | None = None):
        self.image_size = image_size
        self.calibration = calibration

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        grey = images.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
        laplacian = (
            grey[:, 1:-1, :-2] + grey[:, 1:-1, 2:] + grey[:, :-2, 1:-1] + grey[:, 2:, 1:-1] - 4 * grey[:, 1:-1, 1:-1]
        )
        colour = images.reshape(len(images), -1, 3).mean(axis=1) + 1.0
        return {
            sig.OUTPUT_QUALITY: (laplacian.reshape(len(images), -1).std(axis=1) / 10.0).astype(np.float32),
            sig.OUTPUT_EMBEDDING: (colour / np.linalg.norm(colour, axis=1, keepdims=True)).astype(np.float32),
        }
