"""ONNX export with tf2onnx from the SavedModel's uint8 ``predict_images`` signature (dynamic batch, opset 17).

The JPEG-decoding ``serving_default`` signature is not exported: tf2onnx cannot convert DecodeJpeg.
"""

from __future__ import annotations

import os

import tensorflow as tf
import tf2onnx

from crfiqa_tf import signatures as sig

OPSET = 17


def export_onnx(saved_model_dir: str, out_dir: str, name: str = sig.DEFAULT_MODEL_NAME, opset: int = OPSET) -> str:
    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[sig.PREDICT_IMAGES]
    spec = signature.structured_input_signature[1][sig.INPUT_IMAGES]
    input_spec = [tf.TensorSpec([None, *spec.shape[1:]], tf.uint8, name=sig.INPUT_IMAGES)]
    os.makedirs(out_dir, exist_ok=True)
    path = os.path.join(out_dir, f"{name}.onnx")
    function = tf.function(lambda images: signature(**{sig.INPUT_IMAGES: images}))
    tf2onnx.convert.from_function(function, input_signature=input_spec, opset=opset, output_path=path)
    return path
