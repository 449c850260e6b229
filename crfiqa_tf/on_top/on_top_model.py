"""`OnTopQuality`: the quality head and the class centres learned on a frozen matcher's embeddings."""

from __future__ import annotations

import keras
import tensorflow as tf

from crfiqa_tf.config import CENTRES
from crfiqa_tf.losses import cr_fiqa_loss, smooth_l1
from crfiqa_tf.models.margin_head import ArcFaceMarginHead


def mirror_averaged(embeddings):
    """The head's features from ``[batch, 2, D]`` raw embeddings of each face and its mirror image: the sum of the
    two L2-normalised embeddings (the flip test of face recognition). Its length is 2 where the matcher sees the
    same face both ways and shrinks as the two turn apart: a face the matcher is unsure of. NumPy or TF in."""
    embeddings = keras.ops.convert_to_tensor(embeddings, "float32")
    return keras.ops.sum(keras.ops.normalize(embeddings, axis=-1, order=2), axis=1)


def mirror_agreement(embeddings):
    """``[batch, 1]``: the cosine between the matcher's embeddings of each face and of its mirror image, from
    ``[batch, 2, D]`` raw embeddings. `mirror_averaged` holds it only in its length, which a head's standardised
    units cannot read back; given as a feature of its own, the heads use it (measured on LFW's validation people:
    docs/guides/own-matcher.md). NumPy or TF in; the TF twin of `crfiqa_tf.evaluation.baselines.mirror_agreement`
    (the training-free baseline), tested equal."""
    unit = keras.ops.normalize(keras.ops.convert_to_tensor(embeddings, "float32"), axis=-1, order=2)
    return keras.ops.sum(unit[:, 0] * unit[:, 1], axis=-1, keepdims=True)


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class OnTopQuality(keras.Model):
    """Predicts the certainty ratio of a face from its matcher embedding.

    The features — the raw embedding, or with `mirror` the mirror-averaged embedding (`mirror_averaged`), and with
    `agreement` also the mirror agreement (`mirror_agreement`) — are standardised (mean and spread of the training
    features, kept in the model), then each of `members` quality heads — one linear unit (``hidden=0``, the
    official head's shape) or one hidden ReLU layer of `hidden` units — gives a quality, and the model gives their
    mean. Each member learns its own class centres (`ArcFaceMarginHead`) from its own initial weights, so the
    members' CR targets and fits differ as separate runs would; at inference only the heads run.

    With ``centres="leave-one-out"`` the class centres are not learned: each sample arrives with its CR against the
    matcher's own identity means without itself (`crfiqa_tf.on_top.matcher_centres`), and the heads regress that
    CR alone (the model has no margin heads).

    Args:
        embedding_dim: the matcher's embedding size.
        num_classes: identities of the training set.
        hidden: units of each head's hidden layer (0: linear).
        alpha: weight of the CR regression (the paper's 10).
        beta: Smooth-L1's beta (0.5).
        cr_mode: ``"paper"`` (bounded, default here: a labelled set of a few thousand people leaves NNCCS near 0
            for some samples) or ``"code"`` (`crfiqa_tf.losses`).
        members: quality heads averaged (each with its own class centres where they are learned).
        mirror: the input holds each face's embedding and its mirror image's, ``[batch, 2, D]``.
        centres: ``"learned"`` (an ArcFace margin head per member, the paper's way) or ``"leave-one-out"``.
        target_shift, target_scale: each head gives ``target_shift + target_scale · unit output``: with
            leave-one-out centres the mean and spread of the training CR targets (the heads learn in standard units
            and answer in CR units), else 0 and 1.
        agreement: the heads also take the mirror agreement (needs `mirror`; what `train_on_top` builds with
            `mirror` since 0.10.0 — files saved before it have none and load as they were).

    Call arguments:
        embeddings: float ``[batch, embedding_dim]`` (``[batch, 2, embedding_dim]`` with `mirror`: the face, then
            its mirror image), as the matcher gives them (un-normalised).

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
        members: int = 1,
        mirror: bool = False,
        centres: str = "learned",
        target_shift: float = 0.0,
        target_scale: float = 1.0,
        agreement: bool = False,
        **kwargs,
    ):
        super().__init__(**kwargs)
        self.embedding_dim, self.num_classes, self.hidden = int(embedding_dim), int(num_classes), int(hidden)
        self.alpha, self.beta, self.cr_mode = float(alpha), float(beta), cr_mode
        self.members, self.mirror = int(members), bool(mirror)
        self.centres, self.agreement = centres, bool(agreement)
        if self.agreement and not self.mirror:
            raise ValueError("OnTopQuality's mirror agreement needs mirror=True (the face and its mirror image)")
        self.target_shift, self.target_scale = float(target_shift), float(target_scale)
        if self.members < 1:
            raise ValueError(f"OnTopQuality needs at least one member, got members={members}")
        if centres not in CENTRES:
            raise ValueError(f"OnTopQuality centres must be one of {', '.join(CENTRES)}, got {centres!r}")
        self.standardise = keras.layers.Normalization(name="standardise")
        # member 0's layers keep the attribute and layer names of 0.7.0's one-member model, so its saved runs load
        for member in range(self.members):
            end = f"_{member}" if member else ""
            hidden = keras.layers.Dense(self.hidden, "relu", name=f"hidden{end}") if self.hidden else None
            setattr(self, f"hidden_layer{end}", hidden)
            setattr(self, f"quality{end}", keras.layers.Dense(1, name=f"quality{end}"))
            learned = ArcFaceMarginHead(self.num_classes, name=f"margin_head{end}") if centres == "learned" else None
            setattr(self, f"margin_head{end}", learned)

    def _per_member(self, name: str) -> list:
        found = [getattr(self, f"{name}_{m}" if m else name) for m in range(self.members)]
        return [layer for layer in found if layer is not None]

    @property
    def hidden_layers(self) -> list:
        """Each member's hidden layer (empty for linear heads)."""
        return self._per_member("hidden_layer")

    @property
    def quality_units(self) -> list:
        """Each member's output unit."""
        return self._per_member("quality")

    @property
    def margin_heads(self) -> list:
        """Each member's class centres (`ArcFaceMarginHead`; none with leave-one-out centres)."""
        return self._per_member("margin_head")

    def build(self, input_shape=None):
        # the margin heads are not used in call(): built here so their centres are saved and reloaded
        features = (None, self.embedding_dim + int(self.agreement))
        self.standardise.build(features)
        for layer in self.hidden_layers:
            layer.build(features)
        for unit in self.quality_units:
            unit.build((None, self.hidden) if self.hidden else features)
        for head in self.margin_heads:
            head.build((None, self.embedding_dim))
        self.built = True

    def features(self, embeddings):
        """The margin heads' input (mirror-averaged where `mirror`), before standardising."""
        return mirror_averaged(embeddings) if self.mirror else keras.ops.convert_to_tensor(embeddings, "float32")

    def head_features(self, embeddings):
        """The quality heads' input before standardising: `features`, then the mirror agreement where `agreement`."""
        features = self.features(embeddings)
        if not self.agreement:
            return features
        return keras.ops.concatenate([features, mirror_agreement(embeddings)], axis=-1)

    def member_qualities(self, embeddings):
        """``[batch, members]``: each member's quality."""
        features = self.standardise(self.head_features(embeddings))
        hidden = [layer(features) for layer in self.hidden_layers] or [features] * self.members
        heads = keras.ops.concatenate([unit(h) for unit, h in zip(self.quality_units, hidden)], axis=-1)
        return self.target_shift + self.target_scale * heads

    def call(self, embeddings, training=False):
        return keras.ops.mean(self.member_qualities(embeddings), axis=-1)

    def train_step(self, data):
        embeddings, labels, weights, centre_weights, given_cr = data
        with tf.GradientTape() as tape:
            features = self.features(embeddings)
            qualities = self.member_qualities(embeddings)
            ce_sum, cr_sum = 0.0, 0.0
            if self.centres == "leave-one-out":  # regressed in standard units: the targets are known up front
                target = (given_cr - self.target_shift) / self.target_scale
                for member in range(self.members):
                    standard = (qualities[:, member] - self.target_shift) / self.target_scale
                    cr_loss = smooth_l1(target, standard, self.beta)
                    cr_sum += tf.reduce_sum(cr_loss * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)
            for member, margin_head in enumerate(self.margin_heads):  # none with leave-one-out centres
                heads = margin_head(features, labels)
                parts = cr_fiqa_loss(
                    labels, heads["logits"], heads["ccs"], heads["nnccs"], qualities[:, member], 0.0, self.beta,
                    self.cr_mode,
                )  # fmt: skip
                # the CR regression only where the sample's class has other samples: a singleton's centre is itself
                cr_sum += tf.reduce_sum(parts["cr_loss"] * weights) / tf.maximum(tf.reduce_sum(weights), 1.0)
                # the class centres are fitted by the samples that stand for their identity (augmented copies do
                # not pull them); every sample gets a CR target against them
                ce_sum += tf.reduce_sum(parts["ce"] * centre_weights) / tf.maximum(tf.reduce_sum(centre_weights), 1.0)
            # members are independent: the sum of their losses trains each as its own run would
            loss = ce_sum + self.alpha * cr_sum
        variables = self.trainable_variables
        self.optimizer.apply_gradients(zip(tape.gradient(loss, variables), variables))
        return {"loss": loss, "ce": ce_sum / self.members, "cr_loss": cr_sum / self.members}

    def get_config(self):
        return {
            "embedding_dim": self.embedding_dim,
            "num_classes": self.num_classes,
            "hidden": self.hidden,
            "alpha": self.alpha,
            "beta": self.beta,
            "cr_mode": self.cr_mode,
            "members": self.members,
            "mirror": self.mirror,
            "centres": self.centres,
            "target_shift": self.target_shift,
            "target_scale": self.target_scale,
            "agreement": self.agreement,
            "name": self.name,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
