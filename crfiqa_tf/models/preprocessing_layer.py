"""A Keras layer that applies the preprocessing contract inside exported models."""

from __future__ import annotations

import keras

from crfiqa_tf.preprocess import preprocess_images


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class FacePreprocessing(keras.layers.Layer):
    """Pixel values (uint8 or float in 0..255, RGB or BGR) → float32 in [−1, 1] via `preprocess_images`.

    Args:
        channel_order: ``"RGB"`` (default) or ``"BGR"`` — the channel order of the incoming pixels.

    Call arguments:
        images: ``[batch, height, width, 3]`` pixel values.

    Examples:
    >>> FacePreprocessing()(np.full((1, 4, 4, 3), 255, "uint8")).numpy().max()
    1.0
    """

    def __init__(self, channel_order: str = "RGB", **kwargs):
        kwargs["dtype"] = "float32"
        super().__init__(**kwargs)
        self.channel_order = channel_order

    def call(self, images):
        return preprocess_images(images, self.channel_order)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        config = super().get_config()
        config.pop("dtype", None)
        config["channel_order"] = self.channel_order
        return config
