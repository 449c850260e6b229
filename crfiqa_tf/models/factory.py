"""Builds the CR-FIQA training model from a `ModelConfig`."""

from __future__ import annotations

from crfiqa_tf.config import ModelConfig
from crfiqa_tf.models.backbone import IResNet
from crfiqa_tf.models.crfiqa_model import CRFIQAModel
from crfiqa_tf.models.margin_head import ArcFaceMarginHead
from crfiqa_tf.models.quality_head import CRQualityHead


def build_crfiqa_model(
    config: ModelConfig,
    num_classes: int,
    backbone_clip_norm: float | None = None,
    weight_decay: float = 0.0,
) -> CRFIQAModel:
    """An untrained `CRFIQAModel` for `num_classes` identities, shaped by `config`."""
    backbone = IResNet(
        depth=config.depth,
        embedding_dim=config.embedding_dim,
        use_se=config.use_se,
        dropout=config.dropout,
        input_shape=(config.image_size, config.image_size, 3),
        synchronized_bn=config.synchronized_bn,
    )
    return CRFIQAModel(
        backbone,
        ArcFaceMarginHead(num_classes, scale=config.scale, margin=config.margin),
        CRQualityHead(),
        alpha=config.alpha,
        beta=config.beta,
        cr_mode=config.cr_mode,
        backbone_clip_norm=backbone_clip_norm,
        weight_decay=weight_decay,
    )
