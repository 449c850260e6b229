import math

import numpy as np
import pytest
import tensorflow as tf
from support.helpers import run_serialization_test

from crfiqa_tf.models import ArcFaceMarginHead


def numpy_reference(x, w, labels, s, m):
    xn = x / np.linalg.norm(x, axis=1, keepdims=True)
    wn = w / np.linalg.norm(w, axis=0, keepdims=True)
    cos = np.clip(xn @ wn, -1, 1)
    rows = np.arange(len(labels))
    ccs = cos[rows, labels]
    masked = cos.copy()
    masked[rows, labels] = -np.inf
    nnccs = masked.max(axis=1)
    theta = np.arccos(cos)
    theta[rows, labels] += m
    return s * np.cos(theta), ccs, nnccs


def _head(num_classes, dim, seed=0):
    head = ArcFaceMarginHead(num_classes, scale=64.0, margin=0.5)
    head.build((None, dim))
    head.kernel.assign(np.random.default_rng(seed).normal(size=(dim, num_classes)).astype(np.float32))
    return head


@pytest.mark.parametrize("num_classes", [2, 7])
def test_against_numpy(num_classes):
    rng = np.random.default_rng(num_classes)
    x = rng.normal(size=(16, 8)).astype(np.float32)
    labels = rng.integers(0, num_classes, 16)
    head = _head(num_classes, 8)
    out = head(x, labels)
    logits, ccs, nnccs = numpy_reference(x, head.kernel.numpy(), labels, 64.0, 0.5)
    np.testing.assert_allclose(out["logits"], logits, atol=1e-3)  # scale 64 · 1e-5 in cos
    np.testing.assert_allclose(out["logits"] / 64.0, logits / 64.0, atol=1e-5)
    np.testing.assert_allclose(out["ccs"], ccs, atol=1e-5)
    np.testing.assert_allclose(out["nnccs"], nnccs, atol=1e-5)


def test_ties_between_negative_centres_and_exact_centre():
    head = ArcFaceMarginHead(3, scale=64.0, margin=0.5)
    head.build((None, 3))
    # centres: e0, and two negatives at equal angle to the sample
    head.kernel.assign(np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1]], np.float32).T)
    x = np.array([[1.0, 0.5, 0.5], [1.0, 0.0, 0.0]], np.float32)
    out = head(x, np.array([0, 0]))
    logits, ccs, nnccs = numpy_reference(x, head.kernel.numpy(), np.array([0, 0]), 64.0, 0.5)
    np.testing.assert_allclose(out["nnccs"], nnccs, atol=1e-6)
    np.testing.assert_allclose(out["ccs"], [1 / math.sqrt(1.5), 1.0], atol=1e-6)
    np.testing.assert_allclose(out["logits"] / 64.0, logits / 64.0, atol=1e-5)


def test_nnccs_excludes_true_class_even_when_all_negatives_are_negative():
    head = ArcFaceMarginHead(2)
    head.build((None, 2))
    head.kernel.assign(np.array([[1.0, -1.0], [0.0, 0.1]], np.float32))
    out = head(np.array([[1.0, 0.0]], np.float32), np.array([0]))
    assert out["nnccs"].numpy()[0] < 0  # the official code would report -1e-12 here


@pytest.mark.parametrize("sign", [1.0, -1.0])
def test_no_nan_gradient_when_embedding_is_on_a_centre(sign):
    head = ArcFaceMarginHead(3)
    head.build((None, 4))
    centres = np.eye(4, 3, dtype=np.float32)
    head.kernel.assign(centres)
    x = tf.Variable(sign * centres[:, :1].T.copy())
    with tf.GradientTape() as tape:
        out = head(x, np.array([0]))
        loss = tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=[0], logits=out["logits"]))
    grads = tape.gradient(loss, [x, head.kernel])
    for g in grads:
        assert np.all(np.isfinite(g.numpy()))
    assert np.all(np.isfinite(out["logits"].numpy()))


@pytest.mark.parametrize("bad", [-1, 3])
def test_labels_out_of_range_raise(bad):
    head = ArcFaceMarginHead(3)
    with pytest.raises(tf.errors.InvalidArgumentError, match=r"labels must be in \[0, 3\)"):
        head(np.ones((2, 4), np.float32), np.array([0, bad]))


def test_construction_errors_and_config():
    with pytest.raises(ValueError, match="num_classes >= 2"):
        ArcFaceMarginHead(1)
    clone = run_serialization_test(ArcFaceMarginHead(11, scale=32.0, margin=0.3))
    assert (clone.num_classes, clone.scale, clone.margin) == (11, 32.0, 0.3)
