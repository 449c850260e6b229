"""Verification and baselines against answers computed independently: insightface's published 10-fold procedure,
a hand-built TAR@FAR case, and images whose sharpness order is known."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.verification import cosine_scores, tar_at_far, ten_fold_accuracy


def _insightface_accuracy(embeddings_a, embeddings_b, issame, folds=10):
    """insightface's `verification.calculate_roc` as published: squared L2 distance of L2-normalised embeddings,
    thresholds np.arange(0, 4, 0.01), contiguous folds (KFold without shuffling), the best train-fold threshold
    applied to the test fold. Written from the procedure, independently of crfiqa_tf."""
    a = embeddings_a / np.linalg.norm(embeddings_a, axis=1, keepdims=True)
    b = embeddings_b / np.linalg.norm(embeddings_b, axis=1, keepdims=True)
    distance = np.sum((a - b) ** 2, axis=1)
    thresholds = np.arange(0, 4, 0.01)
    accuracies = []
    for test in np.array_split(np.arange(len(issame)), folds):
        train = np.setdiff1d(np.arange(len(issame)), test)
        train_accuracy = [np.mean((distance[train] < t) == issame[train]) for t in thresholds]
        best = thresholds[int(np.argmax(train_accuracy))]
        accuracies.append(np.mean((distance[test] < best) == issame[test]))
    return float(np.mean(accuracies))


def test_ten_fold_accuracy_matches_insightface_on_overlapping_pairs():
    rng = np.random.default_rng(0)
    pairs, dim = 600, 8
    issame = rng.random(pairs) < 0.5
    a = rng.normal(size=(pairs, dim))
    noise = np.where(issame[:, None], 0.9, 2.5)  # mated pairs are closer, but the two populations overlap
    b = a + noise * rng.normal(size=(pairs, dim))
    embeddings = np.empty((2 * pairs, dim))
    embeddings[0::2], embeddings[1::2] = a, b
    ours, _ = ten_fold_accuracy(cosine_scores(embeddings), issame)
    reference = _insightface_accuracy(a, b, issame)
    assert 0.6 < reference < 0.95  # overlapping: the answer is neither trivial nor chance
    # the two differ only in where the threshold sits between neighbouring scores (a 0.01 grid against midpoints)
    assert ours == pytest.approx(reference, abs=0.01)


def test_tar_at_far_hand_built():
    impostor = np.arange(1000) / 1000.0  # FAR 1 % allows the ten highest (0.990 … 0.999): threshold 0.989
    genuine = np.array([0.9895, 0.9885, 0.5, 0.995])  # above 0.989: the first and the last
    scores = np.concatenate([impostor, genuine])
    issame = np.concatenate([np.zeros(1000, bool), np.ones(4, bool)])
    assert tar_at_far(scores, issame, 1e-2) == 0.5
    assert tar_at_far(scores, issame, 5e-3) == 0.25  # five allowed: threshold 0.994, only 0.995 above it
    assert tar_at_far(scores, issame, 1e-3) == 0.0  # one allowed: threshold 0.998, no genuine score above it
