"""ONNX export with tf2onnx from the SavedModel's uint8 ``predict_images`` signature (dynamic batch, opset 17).

The JPEG-decoding ``serving_default`` signature is not exported: tf2onnx cannot convert DecodeJpeg.
"""

from __future__ import annotations

import logging
import os

import tensorflow as tf
import tf2onnx

from crfiqa_tf import signatures as sig

OPSET = 17


class _PerChannelLeakyReluNoise(logging.Filter):
    """Drops tf2onnx's report that its LeakyRelu rewriter failed on ``max(x, alpha * x)`` with per-channel alpha.

    The rewriter compares the slope constant with 1 as if it were a scalar, raises on a per-channel slope and
    is skipped; the graph keeps Mul + Max, which is exactly the folded PReLU. Only that message is dropped.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not ("rewrite_leakyrelu" in message and "'>=' not supported" in message)


def export_onnx(saved_model_dir: str, out_dir: str, name: str = sig.DEFAULT_MODEL_NAME, opset: int = OPSET) -> str:
    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[sig.PREDICT_IMAGES]
    spec = signature.structured_input_signature[1][sig.INPUT_IMAGES]
    input_spec = [tf.TensorSpec([None, *spec.shape[1:]], tf.uint8, name=sig.INPUT_IMAGES)]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.onnx")
    function = tf.function(lambda images: signature(**{sig.INPUT_IMAGES: images}))
    noise = _PerChannelLeakyReluNoise()
    logger = logging.getLogger("tf2onnx.tfonnx")
    logger.addFilter(noise)
    try:
        tf2onnx.convert.from_function(function, input_signature=input_spec, opset=opset, output_path=path)
    finally:
        logger.removeFilter(noise)
    return path
