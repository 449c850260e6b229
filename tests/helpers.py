"""Shared test helpers: tiny models and save/load round trips."""

from __future__ import annotations

import os

import keras
import numpy as np

from crfiqa_tf.models import ArcFaceMarginHead, CRFIQAModel, CRQualityHead, IResNet


def tiny_model(num_classes: int = 5, size: int = 32, embedding_dim: int = 16, depth: int = 18, **kwargs):
    backbone = IResNet(depth, embedding_dim, input_shape=(size, size, 3), synchronized_bn=kwargs.pop("sync", False))
    return CRFIQAModel(backbone, ArcFaceMarginHead(num_classes), CRQualityHead(), **kwargs)


def run_serialization_test(obj):
    """`get_config` → `from_config` gives an object whose config is the same."""
    config = obj.get_config()
    clone = obj.__class__.from_config(config)
    assert clone.get_config() == config
    return clone


def run_saving_test(model, inputs, tmp_path, compare=None):
    """Saves `model` as .keras, loads it, and checks that outputs and every weight are unchanged."""
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    expected = model(inputs, training=False)
    actual = loaded(inputs, training=False)
    keras.tree.map_structure(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), expected, actual)
    assert len(model.weights) == len(loaded.weights)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)
    return loaded
