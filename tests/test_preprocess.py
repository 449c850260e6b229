import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.preprocess import preprocess_images, preprocess_images_np


def test_tf_and_numpy_twins_are_bit_identical():
    images = np.random.default_rng(0).integers(0, 256, size=(3, 112, 112, 3), dtype=np.uint8)
    np_out = preprocess_images_np(images)
    tf_out = preprocess_images(tf.constant(images)).numpy()
    assert np_out.dtype == tf_out.dtype == np.float32
    np.testing.assert_array_equal(np_out, tf_out)


def test_value_range_and_formula():
    pixels = np.array([[[[0, 127, 255]]]], np.uint8)
    out = preprocess_images_np(pixels)
    np.testing.assert_allclose(out[0, 0, 0], [-1.0, 127 / 127.5 - 1.0, 1.0], atol=1e-7)


def test_channel_order_is_honoured():
    rgb = np.random.default_rng(1).integers(0, 256, size=(2, 8, 8, 3), dtype=np.uint8)
    bgr = rgb[..., ::-1].copy()
    np.testing.assert_array_equal(preprocess_images_np(bgr, "BGR"), preprocess_images_np(rgb))
    np.testing.assert_array_equal(preprocess_images(bgr, "BGR").numpy(), preprocess_images(rgb).numpy())
    assert not np.array_equal(preprocess_images_np(bgr), preprocess_images_np(rgb))


def test_bad_channel_order_and_shape():
    with pytest.raises(ValueError, match="channel_order"):
        preprocess_images_np(np.zeros((1, 4, 4, 3), np.uint8), "RGBA")
    with pytest.raises(ValueError, match="3 channels"):
        preprocess_images_np(np.zeros((1, 4, 4, 4), np.uint8))
