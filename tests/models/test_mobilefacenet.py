"""crfiqa_tf.models.mobilefacenet: each variant's shape, parameters and round trip, the global depthwise convolution
against the valid depthwise one, the training recipe building each variant, and the edge student training with the
CR-FIQA loss."""

import keras
import numpy as np
import pytest

from crfiqa_tf.models import MobileFaceNet
from crfiqa_tf.models.mobilefacenet import VARIANTS, GlobalDepthwiseConv


@pytest.mark.parametrize("variant", ["mobilefacenet", "mobilefacenet-edge"])
def test_mobilefacenet_shape_parameters_and_round_trip(variant, tmp_path):
    backbone = MobileFaceNet.variant(variant, 128)
    low, high = {"mobilefacenet": (0.95e6, 1.1e6), "mobilefacenet-edge": (0.3e6, 0.45e6)}[variant]
    assert low < backbone.count_params() < high  # the paper's ~1 M (0.99 M) at 128-d; the edge one 0.37 M
    relus = [layer for layer in backbone.layers if isinstance(layer, keras.layers.ReLU)]
    assert bool(relus) == (variant == "mobilefacenet-edge")
    small = MobileFaceNet.variant(variant, 16, input_shape=(32, 32, 3))
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert small(images).shape == (2, 16)
    small.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    assert (loaded.width, loaded.activation) == (small.width, small.activation)
    np.testing.assert_allclose(loaded(images), small(images), atol=1e-6)
    with pytest.raises(ValueError, match="unknown MobileFaceNet variant 'tiny'"):
        MobileFaceNet.variant("tiny", 16)


def test_global_depthwise_conv_equals_the_valid_depthwise_convolution():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 7, 7, 24)).astype("float32")
    gd = GlobalDepthwiseConv()
    gd.build(x.shape)
    kernel = rng.normal(size=(7, 7, 24, 1)).astype("float32")
    gd.kernel.assign(kernel)
    reference = keras.layers.DepthwiseConv2D(7, padding="valid", use_bias=False)
    reference.build(x.shape)
    reference.set_weights([kernel])
    np.testing.assert_allclose(gd(x), reference(x), rtol=1e-5, atol=1e-5)
    assert gd(x).shape == (2, 1, 1, 24)


def _model_from_recipe(variant, tmp_path):
    from crfiqa_tf.config import load_config
    from crfiqa_tf.models.factory import build_crfiqa_model

    overrides = [f"model.backbone={variant}", "model.image_size=32", "model.embedding_dim=16"]
    overrides += [f"data.train_dir={tmp_path}", "data.verification_bins=[]"]  # the recipe's paths are not here
    config = load_config("training/configs/mobilefacenet_casia.yaml", overrides).model
    return build_crfiqa_model(config, num_classes=4, backbone_clip_norm=5.0, weight_decay=5e-4)


@pytest.mark.parametrize("variant", ["mobilefacenet", "mobilefacenet-edge"])
def test_mobilefacenet_recipe_builds_each_variant(variant, tmp_path):
    from crfiqa_tf.config import BACKBONES

    assert BACKBONES == ("iresnet", *VARIANTS)  # the light config module names the variants without importing Keras
    backbone = _model_from_recipe(variant, tmp_path).backbone
    assert (backbone.width, backbone.activation) == tuple(VARIANTS[variant].values())


def test_mobilefacenet_edge_trains_with_the_cr_fiqa_loss(tmp_path):
    model = _model_from_recipe("mobilefacenet-edge", tmp_path)
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    images = np.random.default_rng(0).uniform(-1, 1, (8, 32, 32, 3)).astype("float32")
    before = [np.array(w) for w in model.backbone.trainable_weights]
    logs = model.train_on_batch(images, np.arange(8) % 4, return_dict=True)
    assert np.isfinite(logs["loss"])
    assert any(not np.allclose(a, b) for a, b in zip(before, model.backbone.trainable_weights))


def test_an_unknown_variant_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown MobileFaceNet variant 'mobilefacenet-xl'; choose from mobilefacenet"):
        MobileFaceNet.variant("mobilefacenet-xl", 8)
