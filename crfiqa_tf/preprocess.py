"""The one preprocessing contract, shared by training, every export signature, the Beam job, the CLI and the edge.

Aligned 112×112 face, RGB, uint8 pixel values → float32 ``(x / 255 − 0.5) / 0.5`` in [−1, 1], NHWC — exactly what
the official CR-FIQA code feeds its iResNet. Two twins compute it: `preprocess_images` (TensorFlow) and
`preprocess_images_np` (NumPy, for the TensorFlow-free edge scorer). They run the same float32 operations in the
same order, so their outputs are bit-identical.

Channel order is explicit because BGR arrays from OpenCV are the most common mistake users make with the official
code: pass ``channel_order="BGR"`` and the channels are reversed before normalisation.
"""

from __future__ import annotations

import numpy as np

IMAGE_SIZE = 112
CHANNEL_ORDERS = ("RGB", "BGR")


def _check_order(channel_order: str) -> str:
    order = channel_order.upper()
    if order not in CHANNEL_ORDERS:
        raise ValueError(f"channel_order must be one of {CHANNEL_ORDERS}, got {channel_order!r}")
    return order


def preprocess_images_np(images: np.ndarray, channel_order: str = "RGB") -> np.ndarray:
    """NumPy twin: ``[..., H, W, 3]`` pixel values (uint8 or float in 0..255) → float32 in [−1, 1], RGB."""
    order = _check_order(channel_order)
    images = np.asarray(images)
    if images.shape[-1:] != (3,):
        raise ValueError(f"images must have 3 channels in the last axis, got shape {images.shape}")
    x = images.astype(np.float32)
    if order == "BGR":
        x = x[..., ::-1]
    x = x / np.float32(255.0)
    x = x - np.float32(0.5)
    return x / np.float32(0.5)


def preprocess_images(images, channel_order: str = "RGB"):
    """TensorFlow twin of `preprocess_images_np` (imports TensorFlow only when called)."""
    import tensorflow as tf

    order = _check_order(channel_order)
    x = tf.cast(images, tf.float32)
    if x.shape.rank is not None and x.shape[-1] not in (None, 3):
        raise ValueError(f"images must have 3 channels in the last axis, got shape {x.shape}")
    if order == "BGR":
        x = tf.reverse(x, axis=[-1])
    x = x / tf.constant(255.0, tf.float32)
    x = x - tf.constant(0.5, tf.float32)
    return x / tf.constant(0.5, tf.float32)
