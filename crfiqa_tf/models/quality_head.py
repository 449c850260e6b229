"""The CR-FIQA quality head: one linear unit on the batch-normalised embedding."""

from __future__ import annotations

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class CRQualityHead(layers.Layer):
    """Predicts the certainty ratio of a sample from its embedding (the official ``qs = nn.Linear(512, 1)``).

    The output is the raw quality score: higher means a more useful face image. It has no fixed range.

    Call arguments:
        embedding: float tensor ``[batch, embedding_dim]`` — the backbone output before L2 normalisation.

    Returns:
        float tensor ``[batch]``.

    Examples:
    >>> head = CRQualityHead()
    >>> head(np.ones((4, 512), "float32")).shape
    TensorShape([4])
    """

    def __init__(self, **kwargs):
        kwargs.setdefault("name", "qs")
        super().__init__(**kwargs)
        self.dense = layers.Dense(1, dtype=self.dtype_policy, name="dense")

    def build(self, input_shape):
        self.dense.build(input_shape)
        self.built = True

    def call(self, embedding):
        return keras.ops.squeeze(self.dense(embedding), axis=-1)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape[:-1])
