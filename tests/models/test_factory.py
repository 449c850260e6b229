"""crfiqa_tf.models.factory: the training model and its backbone follow every field of a `ModelConfig` (iResNet and
both MobileFaceNet variants)."""

import numpy as np

from crfiqa_tf.config import ModelConfig
from crfiqa_tf.models import IResNet
from crfiqa_tf.models.factory import build_backbone, build_crfiqa_model
from crfiqa_tf.models.mobilefacenet import MobileFaceNet


def test_the_training_model_carries_every_field_of_its_config():
    config = ModelConfig(
        depth=18, width=0.5, embedding_dim=16, use_se=True, dropout=0.2, image_size=32, scale=32.0, margin=0.3,
        alpha=5.0, beta=0.25, cr_mode="paper", synchronized_bn=False,
    )  # fmt: skip
    model = build_crfiqa_model(config, num_classes=7, backbone_clip_norm=3.0, weight_decay=1e-4)
    backbone = model.backbone.get_config()
    keys = ("depth", "width", "embedding_dim", "use_se", "dropout", "synchronized_bn")
    assert {k: backbone[k] for k in keys} == {
        "depth": 18, "width": 0.5, "embedding_dim": 16, "use_se": True, "dropout": 0.2, "synchronized_bn": False,
    }  # fmt: skip
    assert backbone["input_shape"] == [32, 32, 3] and isinstance(model.backbone, IResNet)
    head = model.margin_head.get_config()
    assert (head["num_classes"], head["scale"], head["margin"]) == (7, 32.0, 0.3)
    assert (model.alpha, model.beta, model.cr_mode) == (5.0, 0.25, "paper")
    assert (model.backbone_clip_norm, model.weight_decay) == (3.0, 1e-4)


def test_mobilefacenet_variants_by_name():
    for name in ("mobilefacenet", "mobilefacenet-edge"):
        backbone = build_backbone(ModelConfig(backbone=name, embedding_dim=8, image_size=32, synchronized_bn=False))
        assert isinstance(backbone, MobileFaceNet) and backbone.name == name.replace("-", "_")
        assert backbone(np.zeros((1, 32, 32, 3), np.float32)).shape == (1, 8)
