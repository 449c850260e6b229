"""crfiqa_tf.inference.keras_model: the batched forward pass gives the model's own outputs for any batch split and
image size (a training model's embeddings left un-normalised, an inference model's normalised), and the Keras
scorer scores with it."""

import keras
import numpy as np
import pytest
from support.helpers import tiny_model

from crfiqa_tf.inference.keras_model import KerasScorer, model_image_size, model_outputs
from crfiqa_tf.preprocess import preprocess_images_np


@pytest.fixture(scope="module")
def models():
    keras.utils.set_random_seed(0)
    training = tiny_model(num_classes=4, size=32)
    training(np.zeros((1, 32, 32, 3), np.float32))
    return training, training.inference_model()


def test_batched_outputs_equal_one_call_for_any_split(models):
    training, inference = models
    images = np.random.default_rng(0).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    assert model_image_size(training) == model_image_size(inference) == 32
    direct = inference(images, training=False)
    for batch in (1, 2, 64):
        embeddings, quality = model_outputs(inference, images, batch=batch)
        np.testing.assert_allclose(quality, direct["quality"], rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(np.linalg.norm(embeddings, axis=1), 1.0, rtol=1e-5)
    raw, raw_quality = model_outputs(training, images, batch=2)
    expected = training.backbone(preprocess_images_np(images), training=False)
    np.testing.assert_allclose(raw, expected, rtol=1e-4, atol=1e-4)  # not normalised: the norm baseline needs it
    np.testing.assert_allclose(raw_quality, direct["quality"], rtol=1e-4, atol=1e-4)


def test_other_sizes_are_resized_to_the_models(models):
    _, inference = models
    large = np.random.default_rng(1).integers(0, 256, (2, 64, 64, 3), dtype=np.uint8)
    _, quality = model_outputs(inference, large)
    assert quality.shape == (2,)


def test_the_keras_scorer_predicts_the_models_outputs(models):
    _, inference = models
    scorer = KerasScorer(inference, source="tiny.keras")
    images = np.random.default_rng(2).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    out = scorer.predict(images)
    np.testing.assert_allclose(out["quality"], inference(images, training=False)["quality"], rtol=1e-6)
    assert scorer.image_size == 32 and scorer.path == "tiny.keras"
