"""Scorer over an in-memory Keras model (a ``.keras`` file, a training run or a convert-torch folder), and the
batched forward pass that evaluation and calibration use on a Keras model."""

from __future__ import annotations

import numpy as np

from crfiqa_tf import signatures as sig
from crfiqa_tf.image_io import resize_rgb
from crfiqa_tf.inference.base import Scorer
from crfiqa_tf.preprocess import preprocess_images_np


def _is_training_model(model) -> bool:
    from crfiqa_tf.models import CRFIQAModel

    return isinstance(model, CRFIQAModel)


def model_image_size(model) -> int:
    """Input side of a training model (its backbone's) or an inference model."""
    return int((model.backbone if _is_training_model(model) else model).input_shape[1])


def model_outputs(model, images: np.ndarray, batch: int = 64) -> tuple[np.ndarray, np.ndarray]:
    """``(embeddings, quality)`` for uint8 images of any size (resized to the model's); a training model gives
    un-normalised embeddings (so the embedding-norm baseline is meaningful), an inference model normalised ones."""
    import tensorflow as tf

    size = model_image_size(model)
    training_model = _is_training_model(model)
    # one graph for every batch (the last, shorter one too): about 1.4x the eager per-batch calls
    spec = tf.TensorSpec([None, size, size, 3], tf.float32 if training_model else tf.uint8)
    forward = tf.function(lambda x: model(x, training=False), input_signature=[spec])
    embeddings, quality = [], []
    for start in range(0, len(images), batch):
        chunk = np.stack([resize_rgb(x, size) for x in images[start : start + batch]])
        out = forward(preprocess_images_np(chunk) if training_model else chunk)
        embeddings.append(np.asarray(out[sig.OUTPUT_EMBEDDING]))
        quality.append(np.asarray(out[sig.OUTPUT_QUALITY]).reshape(-1))
    return np.concatenate(embeddings), np.concatenate(quality)


class KerasScorer(Scorer):
    """Scores with a Keras inference model (uint8 images in, preprocessing inside), e.g. straight from
    ``crfiqa-tf convert-torch`` before any export."""

    def __init__(self, model, source: str = "<keras model>"):
        self.path = source
        self._model = model
        self.image_size = model_image_size(model)

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        out = self._model(np.asarray(images, np.uint8), training=False)
        return {name: np.asarray(value) for name, value in out.items()}
