import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.losses import certainty_ratio, cr_fiqa_loss, smooth_l1


def test_certainty_ratio_modes_against_numpy():
    rng = np.random.default_rng(0)
    ccs = rng.uniform(-1, 1, 50).astype(np.float32)
    nnccs = rng.uniform(0.05, 1, 50).astype(np.float32)
    np.testing.assert_allclose(certainty_ratio(tf.constant(ccs), tf.constant(nnccs), "code"), ccs / nnccs, rtol=1e-6)
    np.testing.assert_allclose(
        certainty_ratio(tf.constant(ccs), tf.constant(nnccs), "paper"), ccs / (nnccs + 1 + 1e-9), rtol=1e-6
    )
    with pytest.raises(ValueError, match="cr_mode"):
        certainty_ratio(ccs, nnccs, "other")


def test_smooth_l1_matches_torch_definition():
    target = np.array([0.0, 0.0, 0.0, 1.0], np.float32)
    pred = np.array([0.1, 0.5, 2.0, -1.0], np.float32)
    beta = 0.5
    diff = np.abs(pred - target)
    expected = np.where(diff < beta, 0.5 * diff**2 / beta, diff - 0.5 * beta)
    np.testing.assert_allclose(smooth_l1(target, pred, beta), expected, rtol=1e-6)


def test_loss_is_stop_gradient_in_cr_and_not_in_quality():
    labels = tf.constant([0, 1])
    logits = tf.constant([[5.0, 1.0], [0.5, 2.0]])
    ccs = tf.Variable([0.6, 0.3])
    nnccs = tf.Variable([0.2, 0.4])
    quality = tf.Variable([1.0, 0.2])
    with tf.GradientTape() as tape:
        parts = cr_fiqa_loss(labels, logits, ccs, nnccs, quality, alpha=10.0, beta=0.5)
        loss = tf.reduce_mean(parts["loss"])
    g_ccs, g_nnccs, g_q = tape.gradient(loss, [ccs, nnccs, quality])
    assert g_ccs is None and g_nnccs is None
    assert np.all(np.abs(g_q.numpy()) > 0)


def test_loss_parts_against_numpy():
    labels = np.array([0, 2])
    logits = np.array([[3.0, 1.0, 0.0], [0.0, 1.0, 2.5]], np.float32)
    ccs, nnccs, q = np.array([0.7, 0.5]), np.array([0.35, 0.25]), np.array([1.5, 2.5])
    parts = cr_fiqa_loss(labels, logits, ccs, nnccs, q, alpha=10.0, beta=0.5)
    log_softmax = logits - np.log(np.exp(logits).sum(1, keepdims=True))
    ce = -log_softmax[np.arange(2), labels]
    cr = ccs / nnccs
    diff = np.abs(q - cr)
    sl1 = np.where(diff < 0.5, 0.5 * diff**2 / 0.5, diff - 0.25)
    np.testing.assert_allclose(parts["ce"], ce, rtol=1e-5)
    np.testing.assert_allclose(parts["loss"], ce + 10 * sl1, rtol=1e-5)
