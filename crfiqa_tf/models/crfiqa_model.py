"""The CR-FIQA training model: backbone + ArcFace margin head + quality head, trained jointly."""

from __future__ import annotations

import keras
import tensorflow as tf

from crfiqa_tf.config import CR_MODES
from crfiqa_tf.losses import cr_fiqa_loss
from crfiqa_tf.models.inference_model import build_inference_model

_METRICS = ("loss", "ce", "cr_loss", "accuracy", "mean_cr", "mean_quality")


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class CRFIQAModel(keras.Model):
    """Trains a face-recognition backbone and its CR-FIQA quality head together.

    The loss per example is ``CE(ArcFace logits, y) + alpha · SmoothL1_beta(stop_gradient(CR), quality)`` with
    ``CR = certainty_ratio(CCS, NNCCS, cr_mode)``. It is reduced with `tf.nn.compute_average_loss`, so the step is
    the same under a distribution strategy as on one device with the global batch.

    Optimisation follows the official PyTorch recipe:

    - ``backbone_clip_norm``: global-norm clipping of the backbone and quality-head gradients together, the margin
      head's left alone: the official ``clip_grad_norm_(backbone.parameters(), 5)``, whose backbone module holds the
      ``qs`` quality layer. Leaving the head out lets the α-weighted CR regression kick it far off in early steps
      (seen: ``cr_loss`` rising from 0.5 to 3.4 in 60 steps on the synthetic set). Under a strategy the norm must
      be that of the *summed* gradient, so the step all-reduces the gradients itself, clips, and hands each replica
      ``1/replicas`` of the result to the optimizer (which sums again). Exact, at the price of a second all-reduce
      when clipping is on.
    - ``weight_decay``: *coupled* L2 decay, ``g ← g + wd · w`` after clipping and before momentum, which is what
      ``torch.optim.SGD(weight_decay=5e-4)`` does. Keras' own ``weight_decay`` argument is decoupled
      (``w ← w − lr · wd · w``); with momentum 0.9 the coupled form decays ~10× more in steady state, so using
      Keras' argument with 5e-4 would silently weaken the official recipe. Leave the optimizer's own
      ``weight_decay`` unset.

    Both respect loss scaling (``mixed_float16``): they act on scaled gradients with scaled constants.

    Metrics: ``loss``, ``ce``, ``cr_loss``, ``accuracy`` (``CCS > NNCCS``, i.e. the nearest centre is the true
    one), ``mean_cr`` and ``mean_quality``.

    Args:
        backbone: an `IResNet` (any Keras model mapping preprocessed images to embeddings).
        margin_head: an `ArcFaceMarginHead`.
        quality_head: a `CRQualityHead`.
        alpha: weight of the quality regression term (10 in CR-FIQA).
        beta: Smooth-L1 transition point (0.5 in CR-FIQA).
        cr_mode: ``"code"`` (official script, default) or ``"paper"``; see `crfiqa_tf.losses`.
        backbone_clip_norm: global-norm clip of the backbone and quality-head gradients, or None.
        weight_decay: coupled L2 weight decay on every trainable weight (0 disables).

    Call arguments:
        images: preprocessed images ``[batch, H, W, 3]`` in [−1, 1].
        training: training mode for BatchNorm and dropout.

    Returns (from ``call``):
        ``{"embedding": [batch, D] (not normalised), "quality": [batch]}``.

    Examples:
    >>> model = CRFIQAModel(IResNet(18, 64, input_shape=(32, 32, 3)), ArcFaceMarginHead(5), CRQualityHead())
    >>> model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    >>> logs = model.train_on_batch(np.zeros((4, 32, 32, 3), "float32"), np.array([0, 1, 2, 3]), return_dict=True)
    """

    def __init__(
        self,
        backbone,
        margin_head,
        quality_head,
        alpha: float = 10.0,
        beta: float = 0.5,
        cr_mode: str = "code",
        backbone_clip_norm: float | None = None,
        weight_decay: float = 0.0,
        **kwargs,
    ):
        kwargs.setdefault("name", "crfiqa")
        super().__init__(**kwargs)
        if cr_mode not in CR_MODES:
            raise ValueError(f"cr_mode must be one of {CR_MODES}, got {cr_mode!r}")
        if backbone_clip_norm is not None and backbone_clip_norm <= 0:
            raise ValueError(f"backbone_clip_norm must be positive or None, got {backbone_clip_norm}")
        if weight_decay < 0:
            raise ValueError(f"weight_decay must be >= 0, got {weight_decay}")
        self.backbone = backbone
        self.margin_head = margin_head
        self.quality_head = quality_head
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.cr_mode = cr_mode
        self.backbone_clip_norm = None if backbone_clip_norm is None else float(backbone_clip_norm)
        self.weight_decay = float(weight_decay)
        self._trackers = {name: keras.metrics.Mean(name=name) for name in _METRICS}
        self.build(backbone.input_shape)

    def build(self, input_shape):
        # The margin head is not used by call(); build it here or its centres and slots are dropped on reload.
        embedding_shape = (None, self.backbone.embedding_dim)
        if not self.margin_head.built:
            self.margin_head.build(embedding_shape)
        if not self.quality_head.built:
            self.quality_head.build(embedding_shape)
        self.built = True

    @property
    def metrics(self):
        return list(self._trackers.values())

    def call(self, images, training=False):
        embedding = self.backbone(images, training=training)
        return {"embedding": embedding, "quality": self.quality_head(embedding)}

    def _forward_losses(self, images, labels, training: bool):
        embedding = self.backbone(images, training=training)
        quality = self.quality_head(embedding)
        head = self.margin_head(embedding, labels)
        parts = cr_fiqa_loss(
            labels, head["logits"], head["ccs"], head["nnccs"], quality, self.alpha, self.beta, self.cr_mode
        )
        parts["quality"] = tf.cast(quality, tf.float32)
        parts["correct"] = tf.cast(head["ccs"] > head["nnccs"], tf.float32)
        return parts

    def _update_metrics(self, parts):
        for name, key in (("loss", "loss"), ("ce", "ce"), ("cr_loss", "cr_loss"), ("accuracy", "correct")):
            self._trackers[name].update_state(parts[key])
        self._trackers["mean_cr"].update_state(parts["cr"])
        self._trackers["mean_quality"].update_state(parts["quality"])
        results = {name: tracker.result() for name, tracker in self._trackers.items()}
        if isinstance(tf.distribute.get_strategy(), tf.distribute.MultiWorkerMirroredStrategy):
            # Keras reduces multi-worker step outputs with reduce("MEAN", axis=0), which rejects scalars.
            results = {name: tf.reshape(value, [1]) for name, value in results.items()}
        return results

    def train_step(self, data):
        images, labels = data[0], data[1]
        with tf.GradientTape() as tape:
            parts = self._forward_losses(images, labels, training=True)
            loss = tf.nn.compute_average_loss(parts["loss"])
            scaled_loss = self.optimizer.scale_loss(loss)
        variables = self.trainable_variables
        grads = tape.gradient(scaled_loss, variables)
        grads = self._condition_gradients(grads, variables)
        self.optimizer.apply_gradients(zip(grads, variables))
        return self._update_metrics(parts)

    def _condition_gradients(self, grads, variables):
        loss_scale = tf.cast(self.optimizer.scale_loss(tf.constant(1.0)), tf.float32)
        context = tf.distribute.get_replica_context()
        replicas = context.num_replicas_in_sync if context is not None else 1
        if self.backbone_clip_norm is not None:
            if replicas > 1:
                grads = context.all_reduce(tf.distribute.ReduceOp.SUM, grads)
            clipped_ids = {id(v) for v in self.backbone.trainable_variables + self.quality_head.trainable_variables}
            picked = [i for i, v in enumerate(variables) if id(v) in clipped_ids]
            clipped, _ = tf.clip_by_global_norm([grads[i] for i in picked], self.backbone_clip_norm * loss_scale)
            grads = list(grads)
            for i, g in zip(picked, clipped):
                grads[i] = g
            if replicas > 1:
                grads = [g / replicas for g in grads]
        if self.weight_decay:
            coefficient = self.weight_decay * loss_scale / replicas
            grads = [g + tf.cast(coefficient, g.dtype) * tf.cast(v, g.dtype) for g, v in zip(grads, variables)]
        return grads

    def test_step(self, data):
        images, labels = data[0], data[1]
        return self._update_metrics(self._forward_losses(images, labels, training=False))

    def inference_model(self, input_dtype: str = "uint8", channel_order: str = "RGB") -> keras.Model:
        """A Keras model for deployment: pixel values → ``{"embedding": L2-normalised, "quality": [batch]}``.

        It holds the preprocessing, the backbone and the quality head; the class centres are left out.
        ``input_dtype`` is ``"uint8"`` or ``"float32"`` (pixel values in 0..255 either way).
        """
        return build_inference_model(
            self.backbone, self.quality_head, input_dtype, channel_order, name=f"{self.name}_inference"
        )

    def get_config(self):
        return {
            "name": self.name,
            "backbone": keras.saving.serialize_keras_object(self.backbone),
            "margin_head": keras.saving.serialize_keras_object(self.margin_head),
            "quality_head": keras.saving.serialize_keras_object(self.quality_head),
            "alpha": self.alpha,
            "beta": self.beta,
            "cr_mode": self.cr_mode,
            "backbone_clip_norm": self.backbone_clip_norm,
            "weight_decay": self.weight_decay,
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("backbone", "margin_head", "quality_head"):
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
