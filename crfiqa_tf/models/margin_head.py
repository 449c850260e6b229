"""ArcFace margin head that also reports CCS and NNCCS, the two similarities behind the certainty ratio."""

from __future__ import annotations

import math

import keras
import tensorflow as tf

# Floor on sin^2(theta): keeps sqrt differentiable at cos = ±1 (an embedding on its centre) while changing the
# logit by under 1e-6 there.
_SIN_FLOOR = 1e-12


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class ArcFaceMarginHead(keras.layers.Layer):
    """Class centres with the additive angular margin of ArcFace, as in the official ``CR_FIQA_LOSS`` header.

    For the L2-normalised embedding ``x`` and centres ``W_j`` (columns of a ``[embedding_dim, num_classes]`` kernel,
    L2-normalised) it computes ``cos_j = <x, W_j>``, clipped to [−1, 1], and returns:

    - ``logits``: ``scale · cos_j`` for ``j ≠ y`` and ``scale · cos(θ_y + margin)`` for the true class. The official
      code computes ``cos(acos(cos_y) + m)``; here the same value comes from ``cos·cos m − sin·sin m``, whose
      gradient stays finite at ``cos = ±1``.
    - ``ccs``: ``cos_y``, the class-centre similarity (no margin), ``[batch]``.
    - ``nnccs``: ``max_{j ≠ y} cos_j``, the nearest negative class-centre similarity, ``[batch]``.

    ``ccs`` and ``nnccs`` are returned without gradient: they only feed the stop-gradient certainty-ratio target.
    All arithmetic runs in float32 whatever the mixed-precision policy, because ``scale · cos`` with scale 64
    loses the margin in float16.

    Args:
        num_classes: number of identities (at least 2: NNCCS needs a negative class).
        scale: logit scale ``s`` (64 in CR-FIQA).
        margin: additive angular margin ``m`` in radians (0.5 in CR-FIQA).

    Call arguments:
        embeddings: float tensor ``[batch, embedding_dim]``.
        labels: integer tensor ``[batch]`` with values in ``[0, num_classes)``; anything else raises
            ``InvalidArgumentError`` naming the range.

    Examples:
    >>> head = ArcFaceMarginHead(num_classes=10)
    >>> out = head(np.random.randn(4, 512).astype("float32"), np.array([0, 1, 2, 3]))
    >>> sorted(out)
    ['ccs', 'logits', 'nnccs']
    """

    def __init__(self, num_classes: int, scale: float = 64.0, margin: float = 0.5, **kwargs):
        kwargs.setdefault("name", "margin_head")
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        if int(num_classes) < 2:
            raise ValueError(f"ArcFaceMarginHead needs num_classes >= 2 (NNCCS needs a negative), got {num_classes}")
        if not 0.0 <= float(margin) < math.pi / 2:
            raise ValueError(f"margin must be in [0, pi/2) radians, got {margin}")
        self.num_classes = int(num_classes)
        self.scale = float(scale)
        self.margin = float(margin)

    def build(self, embeddings_shape, labels_shape=None):
        self.kernel = self.add_weight(
            name="kernel",
            shape=(int(embeddings_shape[-1]), self.num_classes),
            initializer=keras.initializers.RandomNormal(stddev=0.01),
            trainable=True,
        )
        self.built = True

    def cosine(self, embeddings):
        """``[batch, num_classes]`` cosine similarity of each embedding to each class centre, in [−1, 1]."""
        x = tf.math.l2_normalize(tf.cast(embeddings, tf.float32), axis=1)
        w = tf.math.l2_normalize(self.kernel, axis=0)
        return tf.clip_by_value(tf.matmul(x, w), -1.0, 1.0)

    def call(self, embeddings, labels):
        labels = tf.cast(tf.reshape(labels, [-1]), tf.int32)
        check = tf.debugging.assert_less(
            labels,
            self.num_classes,
            message=f"ArcFaceMarginHead: labels must be in [0, {self.num_classes})",
        )
        check_neg = tf.debugging.assert_non_negative(
            labels, message=f"ArcFaceMarginHead: labels must be in [0, {self.num_classes})"
        )
        with tf.control_dependencies([check, check_neg]):
            labels = tf.identity(labels)
        cos = self.cosine(embeddings)
        one_hot = tf.one_hot(labels, self.num_classes, on_value=True, off_value=False, dtype=tf.bool)
        cos_y = tf.reduce_sum(tf.where(one_hot, cos, 0.0), axis=1)
        sin_y = tf.sqrt(tf.maximum(1.0 - tf.square(cos_y), _SIN_FLOOR))
        cos_y_margin = cos_y * math.cos(self.margin) - sin_y * math.sin(self.margin)
        logits = self.scale * tf.where(one_hot, cos_y_margin[:, None], cos)
        negatives = tf.where(one_hot, tf.constant(-2.0, tf.float32), cos)
        return {
            "logits": logits,
            "ccs": tf.stop_gradient(cos_y),
            "nnccs": tf.stop_gradient(tf.reduce_max(negatives, axis=1)),
        }

    def compute_output_spec(self, embeddings, labels):
        batch = embeddings.shape[0]
        return {
            "logits": keras.KerasTensor((batch, self.num_classes), dtype="float32"),
            "ccs": keras.KerasTensor((batch,), dtype="float32"),
            "nnccs": keras.KerasTensor((batch,), dtype="float32"),
        }

    def get_config(self):
        config = super().get_config()
        config.update({"num_classes": self.num_classes, "scale": self.scale, "margin": self.margin})
        config.pop("dtype", None)
        return config
