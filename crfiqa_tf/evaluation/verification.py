"""Pair verification: 10-fold accuracy as insightface reports it on LFW-style ``.bin`` sets, and TAR at FAR."""

from __future__ import annotations

import numpy as np


def cosine_scores(embeddings: np.ndarray) -> np.ndarray:
    """Cosine similarity of consecutive pairs ``(0, 1), (2, 3), ...`` of `embeddings` ``[2·pairs, D]``."""
    embeddings = np.asarray(embeddings, np.float64)
    if embeddings.ndim != 2 or len(embeddings) % 2:
        raise ValueError(f"embeddings must be [2*pairs, D], got shape {embeddings.shape}")
    norm = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    return np.sum(norm[0::2] * norm[1::2], axis=1)


def _check(scores, issame):
    scores = np.asarray(scores, np.float64).reshape(-1)
    issame = np.asarray(issame, bool).reshape(-1)
    if scores.shape != issame.shape:
        raise ValueError(f"{scores.size} scores for {issame.size} pair labels")
    if not np.all(np.isfinite(scores)):
        raise ValueError("scores contain NaN or infinite values")
    if issame.all() or not issame.any():
        raise ValueError("verification needs both mated and non-mated pairs")
    return scores, issame


def _best_threshold(scores, issame):
    """The accuracy-maximising threshold, placed midway between consecutive distinct scores."""
    order = np.argsort(scores, kind="mergesort")
    s, same = scores[order], issame[order]
    # Threshold below position i: the first i pairs are rejected. Correct = non-mated rejected + mated accepted.
    rejected_nonmated = np.concatenate([[0], np.cumsum(~same)])
    accepted_mated = same.sum() - np.concatenate([[0], np.cumsum(same)])
    correct = rejected_nonmated + accepted_mated
    valid = np.concatenate([[True], s[1:] > s[:-1], [True]])  # never split equal scores
    best = int(np.argmax(np.where(valid, correct, -1)))
    if best == 0:
        return s[0] - 1.0
    if best == len(s):
        return s[-1] + 1.0
    return (s[best - 1] + s[best]) / 2.0


def ten_fold_accuracy(scores, issame, folds: int = 10) -> tuple[float, float]:
    """Mean and standard deviation of accuracy over `folds` folds, each thresholded at the accuracy-maximising
    similarity found on the other folds (insightface's protocol; contiguous folds, no shuffling)."""
    scores, issame = _check(scores, issame)
    if len(scores) < folds:
        raise ValueError(f"{len(scores)} pairs cannot be split into {folds} folds")
    accuracies = []
    for test in np.array_split(np.arange(len(scores)), folds):
        train = np.setdiff1d(np.arange(len(scores)), test)
        threshold = _best_threshold(scores[train], issame[train])
        accuracies.append(np.mean((scores[test] >= threshold) == issame[test]))
    return float(np.mean(accuracies)), float(np.std(accuracies))


def tar_at_far(scores, issame, far: float) -> float:
    """True-accept rate at the threshold where the false-accept rate on the non-mated pairs is at most `far`."""
    scores, issame = _check(scores, issame)
    impostor = np.sort(scores[~issame])[::-1]
    allowed = int(np.floor(far * len(impostor)))
    threshold = impostor[allowed] if allowed < len(impostor) else -np.inf
    return float(np.mean(scores[issame] > threshold))
