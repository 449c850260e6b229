"""Quality-weighted templates: several face embeddings of one subject fused with their qualities as weights
(IJB-C style, quality as the embedding weighting term)."""

from __future__ import annotations

import numpy as np


def fuse_template(embeddings, weights) -> np.ndarray:
    """L2-normalised sum of L2-normalised embeddings ``[n, D]`` weighted by non-negative `weights` ``[n]``.

    Use calibrated 0–100 scores (or any non-negative quality) as weights; all-zero weights fall back to the mean.
    """
    embeddings = np.asarray(embeddings, np.float64)
    weights = np.asarray(weights, np.float64).reshape(-1)
    if embeddings.ndim != 2 or embeddings.shape[0] != weights.size:
        raise ValueError(f"{weights.size} weights for embeddings of shape {embeddings.shape}")
    if not np.all(np.isfinite(weights)) or np.any(weights < 0):
        raise ValueError("template weights must be finite and non-negative (use calibrated scores)")
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    if weights.sum() == 0:
        weights = np.ones_like(weights)
    template = (weights[:, None] * unit).sum(axis=0)
    return template / max(np.linalg.norm(template), 1e-12)
