import numpy as np
import pytest
from support.helpers import run_serialization_test

from crfiqa_tf.models import CRQualityHead, IResNet
from crfiqa_tf.models.backbone import DEPTHS
from crfiqa_tf.models.width import scaled


def official_modules(depth):
    """Module prefixes of the official CR-FIQA iResNet state_dict, written from its architecture."""
    modules = {"conv1": "conv", "bn1": "bn", "prelu": "prelu", "bn2": "bn", "fc": "linear", "features": "bn1d"}
    for stage, blocks in enumerate(DEPTHS[depth], start=1):
        for block in range(blocks):
            prefix = f"layer{stage}.{block}"
            modules.update(
                {
                    f"{prefix}.bn1": "bn",
                    f"{prefix}.conv1": "conv",
                    f"{prefix}.bn2": "bn",
                    f"{prefix}.prelu": "prelu",
                    f"{prefix}.conv2": "conv",
                    f"{prefix}.bn3": "bn",
                }
            )
            if block == 0:
                modules.update({f"{prefix}.downsample.0": "conv", f"{prefix}.downsample.1": "bn"})
    return modules


@pytest.mark.parametrize("depth", [18, 50])
def test_every_official_module_maps_to_one_keras_layer(depth):
    backbone = IResNet(depth, 32, input_shape=(32, 32, 3))
    with_weights = {layer.name: layer for layer in backbone.layers if layer.weights}
    modules = official_modules(depth)
    assert set(with_weights) == set(modules)
    expected_weights = {"conv": 1, "bn": 4, "bn1d": 3, "prelu": 1, "linear": 2}
    for name, kind in modules.items():
        assert len(with_weights[name].weights) == expected_weights[kind], name


@pytest.mark.parametrize("depth,published", [(50, 43.6e6), (100, 65.2e6)])
def test_parameter_counts_match_published(depth, published):
    backbone = IResNet(depth)
    head = CRQualityHead()
    head.build((None, 512))
    total = backbone.count_params() + head.count_params()
    assert abs(total - published) / published < 0.01, total


def test_output_shape_stride_and_se():
    backbone = IResNet(18, 24, use_se=True, input_shape=(32, 32, 3))
    assert backbone(np.zeros((2, 32, 32, 3), np.float32)).shape == (2, 24)
    fc = backbone.get_layer("fc")
    assert fc.kernel.shape == (2 * 2 * 512, 24)  # four stride-2 stages: 32 -> 2
    assert backbone.get_layer("layer1.0.se_block.fc1").kernel.shape == (1, 1, 64, 4)


def test_width_scales_every_stage_and_keeps_the_layers():
    full = IResNet(18, 24, use_se=True, input_shape=(32, 32, 3))
    quarter = IResNet(18, 24, use_se=True, input_shape=(32, 32, 3), width=0.25)
    assert [layer.name for layer in quarter.layers] == [layer.name for layer in full.layers]
    channels = [quarter.get_layer(f"layer{stage}.1.conv2").kernel.shape[-1] for stage in range(1, 5)]
    assert channels == [16, 32, 64, 128] and quarter.get_layer("conv1").kernel.shape == (3, 3, 3, 16)
    assert quarter.get_layer("fc").kernel.shape == (2 * 2 * 128, 24)
    assert quarter.get_layer("layer1.0.se_block.fc1").kernel.shape == (1, 1, 16, 1)  # at least one SE channel
    assert IResNet(18, 8, input_shape=(16, 16, 3), width=0.4).get_layer("conv1").kernel.shape[-1] == 24  # 25.6 → 24
    assert IResNet(18, 8, input_shape=(16, 16, 3), width=0.01).get_layer("layer4.0.conv1").kernel.shape[-1] == 8


def test_scaled_rounds_to_the_nearest_multiple_of_eight_and_never_below_eight():
    assert [scaled(64, w) for w in (1.0, 0.5, 0.25, 0.4, 0.3, 0.1, 2.0)] == [64, 32, 16, 24, 16, 8, 128]
    assert scaled(61, 1.0) == 64 and scaled(59, 1.0) == 56 and scaled(128, 0.01) == 8


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        IResNet(42)
    with pytest.raises(ValueError, match="input_shape"):
        IResNet(18, input_shape=(112, 112))
    for width in (0.0, -0.5, float("nan"), float("inf")):
        with pytest.raises(ValueError, match=f"width must be a positive number, got {width}"):
            IResNet(18, input_shape=(32, 32, 3), width=width)


def test_config_round_trip():
    clone = run_serialization_test(IResNet(18, 16, dropout=0.4, input_shape=(32, 32, 3), width=0.5))
    assert clone.dropout == 0.4 and clone.image_shape == (32, 32, 3) and clone.width == 0.5
    assert clone.get_layer("conv1").kernel.shape[-1] == 32
    del_width = {k: v for k, v in IResNet(18, 16, input_shape=(32, 32, 3)).get_config().items() if k != "width"}
    assert IResNet.from_config(del_width).width == 1.0  # a model saved before the option was added
