"""Baseline quality measures to compare CR-FIQA against on the same EDC plot."""

from __future__ import annotations

import numpy as np


def sharpness(images) -> np.ndarray:
    """Variance of the Laplacian of the grey image (higher = sharper), per image of ``[n, H, W, 3]`` uint8."""
    images = np.asarray(images, np.float64)
    grey = images @ np.array([0.299, 0.587, 0.114])
    laplacian = (
        grey[:, :-2, 1:-1] + grey[:, 2:, 1:-1] + grey[:, 1:-1, :-2] + grey[:, 1:-1, 2:] - 4.0 * grey[:, 1:-1, 1:-1]
    )
    return laplacian.reshape(len(images), -1).var(axis=1)


def embedding_norm(embeddings) -> np.ndarray:
    """L2 norm of the un-normalised embedding (MagFace-style quality proxy)."""
    return np.linalg.norm(np.asarray(embeddings, np.float64), axis=1)


def random_quality(count: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).random(count)


def mirror_agreement(pairs) -> np.ndarray:
    """Cosine similarity of the matcher's embeddings of each face and of its mirror image (``[n, 2, D]``, as
    `crfiqa_tf.on_top.head_inputs.head_inputs` gives them with ``mirror=True``): the flip test's agreement, a
    training-free quality proxy (higher = the matcher sees the same face both ways)."""
    pairs = np.asarray(pairs, np.float64)
    unit = pairs / np.linalg.norm(pairs, axis=2, keepdims=True)
    return np.sum(unit[:, 0] * unit[:, 1], axis=1)
