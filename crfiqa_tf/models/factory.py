"""Builds the CR-FIQA training model (and its backbone) from a `ModelConfig`."""

from __future__ import annotations

from crfiqa_tf.config import ModelConfig
from crfiqa_tf.models.backbone import IResNet
from crfiqa_tf.models.crfiqa_model import CRFIQAModel
from crfiqa_tf.models.margin_head import ArcFaceMarginHead
from crfiqa_tf.models.mobilefacenet import MobileFaceNet
from crfiqa_tf.models.quality_head import CRQualityHead


def build_crfiqa_model(
    config: ModelConfig,
    num_classes: int,
    backbone_clip_norm: float | None = None,
    weight_decay: float = 0.0,
) -> CRFIQAModel:
    """An untrained `CRFIQAModel` for `num_classes` identities, shaped by `config`."""
    return CRFIQAModel(
        build_backbone(config),
        ArcFaceMarginHead(num_classes, scale=config.scale, margin=config.margin),
        CRQualityHead(),
        alpha=config.alpha,
        beta=config.beta,
        cr_mode=config.cr_mode,
        backbone_clip_norm=backbone_clip_norm,
        weight_decay=weight_decay,
    )


def build_backbone(config: ModelConfig):
    """The backbone `config.backbone` names: `IResNet` or `MobileFaceNet`."""
    shape = (config.image_size, config.image_size, 3)
    if config.backbone != "iresnet":  # a MobileFaceNet variant
        return MobileFaceNet.variant(
            config.backbone, config.embedding_dim, input_shape=shape, synchronized_bn=config.synchronized_bn
        )
    return IResNet(
        depth=config.depth,
        width=config.width,
        embedding_dim=config.embedding_dim,
        use_se=config.use_se,
        dropout=config.dropout,
        input_shape=shape,
        synchronized_bn=config.synchronized_bn,
    )
