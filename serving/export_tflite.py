"""TFLite export from the SavedModel's uint8 ``predict_images`` signature: fp32, dynamic-range and full-int8."""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig


def convert(saved_model_dir: str, mode: str, representative: np.ndarray | None = None) -> bytes:
    if mode not in sig.TFLITE_MODES:
        raise ValueError(f"TFLite quantization must be one of {sig.TFLITE_MODES}, got {mode!r}")
    converter = tf.lite.TFLiteConverter.from_saved_model(saved_model_dir, signature_keys=[sig.PREDICT_IMAGES])
    if mode in ("dynamic", "int8"):
        converter.optimizations = [tf.lite.Optimize.DEFAULT]
    if mode == "int8":
        if representative is None or len(representative) == 0:
            raise ValueError("full-int8 conversion needs representative images")

        def dataset():
            for image in representative:
                yield {sig.INPUT_IMAGES: image[None].astype(np.uint8)}

        converter.representative_dataset = dataset
        converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
        converter.inference_output_type = tf.int8  # the input is already uint8 pixels
    return converter.convert()


def export_tflite(
    saved_model_dir: str, out_dir: str, mode: str, representative=None, name: str = sig.DEFAULT_MODEL_NAME
) -> str:
    paths.makedirs(out_dir)
    path = paths.join(out_dir, f"{name}_{mode}.tflite")
    paths.write_bytes(path, convert(saved_model_dir, mode, representative))
    return path
