"""crfiqa_tf.models.inference_model: the deployable model is preprocessing → backbone → quality head, with the
embedding L2-normalised, the same outputs for uint8 and float32 pixels, and an unknown input dtype refused."""

import keras
import numpy as np
import pytest

from crfiqa_tf.models import CRQualityHead, IResNet
from crfiqa_tf.models.inference_model import build_inference_model
from crfiqa_tf.preprocess import preprocess_images_np


@pytest.fixture(scope="module")
def parts():
    keras.utils.set_random_seed(0)
    backbone = IResNet(18, 8, input_shape=(32, 32, 3))
    head = CRQualityHead()
    head.build((None, 8))
    return backbone, head


def test_outputs_are_the_backbone_and_head_on_the_preprocessed_pixels(parts):
    backbone, head = parts
    model = build_inference_model(backbone, head)
    images = np.random.default_rng(1).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    out = model(images)
    embedding = backbone(preprocess_images_np(images), training=False)
    np.testing.assert_allclose(out["quality"], head(embedding), rtol=1e-5, atol=1e-5)
    expected = np.asarray(embedding) / np.linalg.norm(embedding, axis=1, keepdims=True)
    np.testing.assert_allclose(out["embedding"], expected, rtol=1e-5, atol=1e-5)
    as_float = build_inference_model(backbone, head, input_dtype="float32")(images.astype(np.float32))
    np.testing.assert_allclose(as_float["quality"], out["quality"], rtol=1e-5, atol=1e-5)
    bgr = build_inference_model(backbone, head, channel_order="BGR")(images[..., ::-1])
    np.testing.assert_allclose(bgr["quality"], out["quality"], rtol=1e-5, atol=1e-5)


def test_an_unknown_input_dtype_is_refused(parts):
    with pytest.raises(ValueError, match="input_dtype must be 'uint8' or 'float32', got 'int16'"):
        build_inference_model(*parts, input_dtype="int16")
