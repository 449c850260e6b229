"""crfiqa_tf.models.preprocessing_layer: the exported models' preprocessing is the contract's (`preprocess_images`),
in RGB and BGR, float32 whatever the global precision policy, and it survives serialization."""

import keras
import numpy as np
import pytest
from support.helpers import run_serialization_test

from crfiqa_tf.models.preprocessing_layer import FacePreprocessing
from crfiqa_tf.preprocess import preprocess_images_np


def pixels():
    return np.random.default_rng(0).integers(0, 256, (2, 4, 4, 3), dtype=np.uint8)


@pytest.mark.parametrize("order", ["RGB", "BGR"])
def test_the_layer_is_the_preprocessing_contract(order):
    images = pixels()
    out = FacePreprocessing(channel_order=order)(images)
    np.testing.assert_array_equal(np.asarray(out), preprocess_images_np(images, order))
    assert FacePreprocessing()(np.full((1, 2, 2, 3), 255, np.uint8)).numpy().max() == 1.0


def test_float32_under_a_mixed_precision_policy():
    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        layer = FacePreprocessing()
        assert layer(pixels()).dtype == "float32"
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_serialization_keeps_the_channel_order():
    layer = FacePreprocessing(channel_order="BGR")
    run_serialization_test(layer)
    assert FacePreprocessing.from_config(layer.get_config()).channel_order == "BGR"
