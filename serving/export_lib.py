"""`crfiqa-tf export`: a trained model → SavedModel (TF Serving layout), TFLite (fp32 / dynamic / int8) and ONNX,
each non-SavedModel file with a JSON sidecar and a parity report against the SavedModel on held-out images."""

from __future__ import annotations

import json
import os

from crfiqa_tf import signatures as sig
from crfiqa_tf.data.samples import images_from_shards, synthetic_images
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf.model_io import load_inference_model
from crfiqa_tf_apps.serving.export_saved_model import export_saved_model
from crfiqa_tf_apps.serving.parity import parity_report, write_sidecar


def export(
    model_path: str,
    out_dir: str,
    formats=sig.EXPORT_FORMATS,
    quantize=sig.TFLITE_MODES,
    version: int = 1,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    calibration_path: str | None = None,
    representative_dir: str | None = None,
) -> dict:
    for what, given, known in (("formats", formats, sig.EXPORT_FORMATS), ("quantize", quantize, sig.TFLITE_MODES)):
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"export {what}: unknown {unknown}; choose from {', '.join(known)}")
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
        from crfiqa_tf_apps.serving.export_tflite import export_tflite

        for mode in quantize:
            path = export_tflite(saved, os.path.join(out_dir, "tflite"), mode, representative, model_name)
            parity = parity_report(reference, LiteRTScorer(path).predict(held_out), path)
            write_sidecar(path, size, mode, saved, parity, calibration, {"runtime": "ai-edge-litert (XNNPACK)"})
            result["files"].append({"path": path, "parity": parity})
    if "onnx" in formats:
        from crfiqa_tf.inference.onnx import OnnxScorer
        from crfiqa_tf_apps.serving.export_onnx import OPSET, export_onnx

        path = export_onnx(saved, os.path.join(out_dir, "onnx"), model_name)
        parity = parity_report(reference, OnnxScorer(path).predict(held_out), path)
        write_sidecar(path, size, "fp32", saved, parity, calibration, {"opset": OPSET, "runtime": "onnxruntime"})
        result["files"].append({"path": path, "parity": parity})
    with open(os.path.join(out_dir, "export_report.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    return result
