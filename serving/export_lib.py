"""`crfiqa-tf export`: a trained model → SavedModel (TF Serving layout), TFLite (fp32 / dynamic / int8) and ONNX,
each non-SavedModel file with a JSON sidecar and a parity report against the SavedModel on held-out images."""

from __future__ import annotations

import json
import os

import numpy as np

from crfiqa_tf import signatures as sig
from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.image_io import read_image
from crfiqa_tf.inference.saved_model import SavedModelScorer
from serving.export_saved_model import export_saved_model
from serving.parity import parity_report, write_sidecar


def load_inference_model(path: str):
    """The inference model from a run directory, a training ``model.keras`` or an ``inference.keras``."""
    from crfiqa_tf.evaluation.evaluate import is_training_model, load_keras_model

    if os.path.isdir(path) and os.path.isfile(os.path.join(path, "model.keras")):
        path = os.path.join(path, "model.keras")
    model = load_keras_model(path)
    return model.inference_model() if is_training_model(model) else model


def synthetic_images(count: int, size: int, seed: int) -> np.ndarray:
    """Face-like images of the synthetic set (fresh identities), for representative data and parity checks."""
    rng = np.random.default_rng(seed)
    faces = identity_faces(max(count // 4, 1), seed=seed + 1000)
    images = [read_image(make_sample(faces[i % len(faces)], rng)[0], size=size) for i in range(count)]
    return np.stack(images)


def images_from_shards(data_dir: str, count: int, size: int) -> np.ndarray:
    import tensorflow as tf

    from crfiqa_tf.data import schema
    from crfiqa_tf.data.pipeline import shard_files

    images = []
    for raw in tf.data.TFRecordDataset(shard_files(data_dir)).take(count):
        record = tf.io.parse_single_example(raw, schema.feature_spec())
        images.append(read_image(record[schema.IMAGE_ENCODED].numpy(), size=size))
    return np.stack(images)


def export(
    model_path: str,
    out_dir: str,
    formats=("saved_model", "tflite", "onnx"),
    quantize=("fp32", "dynamic", "int8"),
    version: int = 1,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    calibration_path: str | None = None,
    representative_dir: str | None = None,
) -> dict:
    inference = load_inference_model(model_path)
    size = int(inference.input_shape[1])
    calibration = None
    if calibration_path:
        from crfiqa_tf.evaluation.calibration import load_calibration

        calibration = load_calibration(calibration_path)
    representative = (
        images_from_shards(representative_dir, 64, size) if representative_dir else synthetic_images(64, size, seed=11)
    )
    held_out = synthetic_images(32, size, seed=23)
    saved = export_saved_model(inference, out_dir, model_name, version, calibration, warmup_images=held_out[:4])
    result = {"saved_model": saved, "files": []}
    reference = SavedModelScorer(saved).predict(held_out)
    if "tflite" in formats:
        from crfiqa_tf.inference.litert import LiteRTScorer
        from serving.export_tflite import export_tflite

        for mode in quantize:
            path = export_tflite(saved, os.path.join(out_dir, "tflite"), mode, representative, model_name)
            parity = parity_report(reference, LiteRTScorer(path).predict(held_out), path)
            write_sidecar(path, size, mode, saved, parity, calibration, {"runtime": "ai-edge-litert (XNNPACK)"})
            result["files"].append({"path": path, "parity": parity})
    if "onnx" in formats:
        from crfiqa_tf.inference.onnx import OnnxScorer
        from serving.export_onnx import OPSET, export_onnx

        path = export_onnx(saved, os.path.join(out_dir, "onnx"), model_name)
        parity = parity_report(reference, OnnxScorer(path).predict(held_out), path)
        write_sidecar(path, size, "fp32", saved, parity, calibration, {"opset": OPSET, "runtime": "onnxruntime"})
        result["files"].append({"path": path, "parity": parity})
    with open(os.path.join(out_dir, "export_report.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    return result
