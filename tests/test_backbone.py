import numpy as np
import pytest
from helpers import run_serialization_test

from crfiqa_tf.models import CRQualityHead, IResNet
from crfiqa_tf.models.backbone import DEPTHS


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


def test_bad_arguments():
    with pytest.raises(ValueError, match="depth"):
        IResNet(42)
    with pytest.raises(ValueError, match="input_shape"):
        IResNet(18, input_shape=(112, 112))


def test_config_round_trip():
    clone = run_serialization_test(IResNet(18, 16, dropout=0.4, input_shape=(32, 32, 3)))
    assert clone.dropout == 0.4 and clone.image_shape == (32, 32, 3)
