"""The fused training layers compute what the Keras layers they replace compute: outputs, moving statistics and
gradients, in fp32 and under mixed_bfloat16."""

import keras
import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.models.fused_layers import FusedBatchNormalization, SelectPReLU


def _pair(cls_a, cls_b, shape, **kwargs):
    a, b = cls_a(**kwargs), cls_b(**kwargs)
    a.build(shape)
    b.build(shape)
    b.set_weights(a.get_weights())
    return a, b


def _run(layer, x, training):
    with tf.GradientTape() as tape:
        inputs = tf.constant(x)
        tape.watch(inputs)
        y = tf.cast(layer(inputs, training=training), tf.float32)
        # a loss whose input gradient does not cancel through the batch statistics (a sum of squares would)
        target = np.random.default_rng(7).normal(size=y.shape).astype("float32")
        loss = tf.reduce_sum(y * target + 0.1 * y**3)
    grads = tape.gradient(loss, [inputs, *layer.trainable_weights])
    return np.asarray(y), [np.asarray(tf.cast(g, tf.float32)) for g in grads]


@pytest.mark.parametrize("policy", ["float32", "mixed_bfloat16"])
def test_fused_batch_norm_matches_keras(policy):
    x = np.random.default_rng(0).normal(2.0, 3.0, (4, 6, 5, 8)).astype("float32")
    keras.mixed_precision.set_global_policy(policy)
    try:
        ref, fused = _pair(keras.layers.BatchNormalization, FusedBatchNormalization, x.shape, momentum=0.9)
        for layer in (ref, fused):
            layer.gamma.assign(np.linspace(0.5, 2.0, 8))
            layer.beta.assign(np.linspace(-1.0, 1.0, 8))
        y_ref, g_ref = _run(ref, x, training=True)
        y_fused, g_fused = _run(fused, x, training=True)
    finally:
        keras.mixed_precision.set_global_policy("float32")
    tol = 1e-5 if policy == "float32" else 3e-2  # bf16 outputs carry 8 bits of mantissa
    np.testing.assert_allclose(y_fused, y_ref, atol=tol * 4, rtol=tol)
    # the moving averages take the batch's biased variance, as Keras does (the kernel returns the unbiased one)
    np.testing.assert_allclose(fused.moving_mean, ref.moving_mean, rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(fused.moving_variance, ref.moving_variance, rtol=1e-3, atol=1e-5)
    biased = 0.1 * x.var(axis=(0, 1, 2)) + 0.9
    np.testing.assert_allclose(fused.moving_variance, biased, rtol=1e-3)
    for a, b in zip(g_fused, g_ref):
        scale = np.abs(b).max()
        np.testing.assert_allclose(a / scale, b / scale, atol=tol * 4)
    x_infer = x[:2]
    np.testing.assert_allclose(fused(x_infer, training=False), ref(x_infer, training=False), atol=1e-5)


def test_fused_batch_norm_keeps_the_keras_path_where_the_kernel_does_not_apply(two_cpu_strategy):
    layer = FusedBatchNormalization()
    layer.build((None, 6))
    assert not layer._fused_applies(tf.zeros((3, 6)), True, None)  # the embedding's BatchNorm1d
    conv = FusedBatchNormalization(synchronized=True)
    conv.build((None, 4, 4, 6))
    assert conv._fused_applies(tf.zeros((2, 4, 4, 6)), True, None)  # synchronised, one replica
    assert not conv._fused_applies(tf.zeros((2, 4, 4, 6)), False, None)
    with two_cpu_strategy.scope():
        assert not conv._fused_applies(tf.zeros((2, 4, 4, 6)), True, None)  # statistics across 2 replicas


def test_select_prelu_matches_keras_prelu_for_every_slope():
    x = np.random.default_rng(1).normal(0.0, 2.0, (3, 4, 4, 5)).astype("float32")
    x[0, 0, 0] = 0.0
    ref, select = _pair(keras.layers.PReLU, SelectPReLU, x.shape, shared_axes=[1, 2])
    slopes = np.array([-0.5, 0.0, 0.25, 1.0, 1.7], "float32").reshape(1, 1, 5)
    ref.alpha.assign(slopes)
    select.alpha.assign(slopes)
    y_ref, g_ref = _run(ref, x, training=True)
    y_select, g_select = _run(select, x, training=True)
    np.testing.assert_allclose(y_select, y_ref, atol=1e-6)
    away = np.ones_like(x, bool)
    away[0, 0, 0] = False  # at 0 Keras' form has gradient 0, PyTorch's (and this one) the slope
    np.testing.assert_allclose(g_select[0][away], g_ref[0][away], rtol=1e-5, atol=1e-5)
    target = np.random.default_rng(7).normal(size=x.shape).astype("float32")
    np.testing.assert_allclose(g_select[0][0, 0, 0], slopes.reshape(-1) * target[0, 0, 0], rtol=1e-6)
    np.testing.assert_allclose(g_select[1], g_ref[1], rtol=1e-5, atol=1e-4)  # the slopes' gradient
