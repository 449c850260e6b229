"""`OnTopQuality`: the quality head and the class centres learned on a frozen matcher's embeddings."""

from __future__ import annotations

import keras
import tensorflow as tf

from crfiqa_tf.losses import cr_fiqa_loss
from crfiqa_tf.models.margin_head import ArcFaceMarginHead


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class OnTopQuality(keras.Model):
    """Predicts the certainty ratio of a face from its matcher embedding.

    The embedding is standardised (mean and spread of the training embeddings, kept in the model), then a quality
    head — one linear unit (``hidden=0``, the official head's shape) or one hidden ReLU layer of `hidden` units —
    gives the quality. Training also learns the class centres (`ArcFaceMarginHead`) that give each training sample
    its CCS and NNCCS; at inference only the head runs.

    Args:
        embedding_dim: the matcher's embedding size.
        num_classes: identities of the training set.
        hidden: units of the head's hidden layer (0: linear).
        alpha: weight of the CR regression (the paper's 10).
        beta: Smooth-L1's beta (0.5).
        cr_mode: ``"paper"`` (bounded, default here: a labelled set of a few thousand people leaves NNCCS near 0
            for some samples) or ``"code"`` (`crfiqa_tf.losses`).

    Call arguments:
        embeddings: float ``[batch, embedding_dim]``, as the matcher gives them (un-normalised).

    Returns:
        float ``[batch]``: the quality (higher is better).

    Examples:
        >>> model = OnTopQuality(256, num_classes=1000)
        >>> model(np.zeros((2, 256), "float32")).shape
        TensorShape([2])
    """

    def __init__(
        self,
        embedding_dim: int,
        num_classes: int,
        hidden: int = 0,
        alpha: float = 10.0,
        beta: float = 0.5,
        cr_mode: str = "paper",
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.embedding_dim, self.num_classes, self.hidden = int(embedding_dim), int(num_classes), int(hidden)
        self.alpha, self.beta, self.cr_mode = float(alpha), float(beta), cr_mode
        self.standardise = keras.layers.Normalization(name="standardise")
        self.hidden_layer = keras.layers.Dense(self.hidden, "relu", name="hidden") if self.hidden else None
        self.quality = keras.layers.Dense(1, name="quality")
        self.margin_head = ArcFaceMarginHead(self.num_classes, name="margin_head")

    def build(self, input_shape):
        # the margin head is not used in call(): built here so its centres are saved and reloaded
        self.standardise.build(input_shape)
        features = (input_shape[0], self.hidden) if self.hidden else input_shape
        if self.hidden_layer is not None:
            self.hidden_layer.build(input_shape)
        self.quality.build(features)
        self.margin_head.build(input_shape)
        self.built = True

    def call(self, embeddings, training=False):
        features = self.standardise(embeddings)
        if self.hidden_layer is not None:
            features = self.hidden_layer(features)
        return keras.ops.squeeze(self.quality(features), axis=-1)

    def train_step(self, data):
        embeddings, labels, weights, centre_weights = data
        with tf.GradientTape() as tape:
            quality = self(embeddings, training=True)
            heads = self.margin_head(embeddings, labels)
            parts = cr_fiqa_loss(
                labels, heads["logits"], heads["ccs"], heads["nnccs"], quality, 0.0, self.beta, self.cr_mode
            )
            # the CR regression only where the sample's class has other samples: a singleton's centre is itself
            cr_loss = tf.reduce_sum(parts["cr_loss"] * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)
            # the class centres are fitted by the samples that stand for their identity (augmented copies do not
            # pull them); every sample gets a CR target against them
            ce = tf.reduce_sum(parts["ce"] * centre_weights) / tf.maximum(tf.reduce_sum(centre_weights), 1.0)
            loss = ce + self.alpha * cr_loss
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return {"loss": loss, "ce": ce, "cr_loss": cr_loss}

    def get_config(self):
        return {
            "embedding_dim": self.embedding_dim,
            "num_classes": self.num_classes,
            "hidden": self.hidden,
            "alpha": self.alpha,
            "beta": self.beta,
            "cr_mode": self.cr_mode,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
