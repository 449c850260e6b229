"""BatchNorm and PReLU as the training step runs them fastest in TensorFlow: the same maths and weights as the Keras
layers they subclass, fewer kernels.

Keras 3's BatchNormalization casts bf16 inputs to fp32 and normalises them with about ten separate element-wise and
reduction ops (and as many again for the gradient); TensorFlow's FusedBatchNormV3 takes bf16/fp16 inputs with fp32
statistics in one kernel. Keras' PReLU computes ``relu(x) - alpha * relu(-x)`` in five ops; ``where(x > 0, x,
alpha * x)`` needs three. benchmarks/train_throughput.py measures the training step with and without them against
PyTorch (docs/BENCHMARKS.md).
"""

from __future__ import annotations

import keras
import tensorflow as tf


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class FusedBatchNormalization(keras.layers.BatchNormalization):
    """`keras.layers.BatchNormalization` whose training-mode call on a 4-D channels-last input is TensorFlow's fused
    kernel. Same statistics: the batch's mean and biased variance normalise the input and update the moving averages
    with `momentum`, as the Keras layer does. Inference, other ranks, masks, renorm and synchronised statistics
    across several replicas take the Keras path (a synchronised layer under one replica is the plain one)."""

    def _fused_applies(self, inputs, training, mask) -> bool:
        if not (training and self.trainable) or mask is not None or self.renorm or len(inputs.shape) != 4:
            return False
        if self.axis not in (3, -1):
            return False
        return not self.synchronized or tf.distribute.get_strategy().num_replicas_in_sync == 1

    def call(self, inputs, training=None, mask=None):
        if not self._fused_applies(inputs, training, mask):
            return super().call(inputs, training=training, mask=mask)
        x = inputs if inputs.dtype in (tf.float32, tf.bfloat16, tf.float16) else tf.cast(inputs, tf.float32)
        gamma = tf.cast(self.gamma, tf.float32) if self.scale else tf.ones_like(self.moving_mean)
        beta = tf.cast(self.beta, tf.float32) if self.center else tf.zeros_like(self.moving_mean)
        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            x, gamma, beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )[:3]
        count = tf.cast(tf.size(x) // tf.shape(x)[-1], tf.float32)
        variance = variance * (count - 1.0) / tf.maximum(count, 1.0)  # the kernel returns the Bessel-corrected one
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class SelectPReLU(keras.layers.PReLU):
    """`keras.layers.PReLU` computed as ``where(x > 0, x, alpha * x)``: exact for every slope, same weight. At
    ``x = 0`` the input gradient is ``alpha``, as in PyTorch's PReLU (Keras' form gives 0 there)."""

    def call(self, inputs):
        return keras.ops.where(inputs > 0, inputs, inputs * keras.ops.cast(self.alpha, inputs.dtype))
