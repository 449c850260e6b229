"""The deployable model: pixel values → ``{"embedding": L2-normalised, "quality": [batch]}``."""

from __future__ import annotations

import keras

from crfiqa_tf.models.preprocessing_layer import FacePreprocessing


def build_inference_model(
    backbone: keras.Model,
    quality_head: keras.layers.Layer,
    input_dtype: str = "uint8",
    channel_order: str = "RGB",
    name: str = "crfiqa_inference",
) -> keras.Model:
    """Preprocessing, backbone and quality head in one Keras model (the class centres are left out).

    ``input_dtype`` is ``"uint8"`` or ``"float32"`` (pixel values in 0..255 either way).
    """
    if input_dtype not in ("uint8", "float32"):
        raise ValueError(f"input_dtype must be 'uint8' or 'float32', got {input_dtype!r}")
    images = keras.Input(shape=backbone.input_shape[1:], dtype=input_dtype, name="images")
    x = FacePreprocessing(channel_order=channel_order, name="preprocess")(images)
    embedding = backbone(x, training=False)
    quality = quality_head(embedding)
    return keras.Model(
        images,
        {
            "embedding": keras.layers.UnitNormalization(axis=-1, dtype="float32", name="embedding")(embedding),
            "quality": keras.layers.Activation("linear", dtype="float32", name="quality")(quality),
        },
        name=name,
    )
