"""`crfiqa-tf export`: a trained model → SavedModel (TF Serving layout), TFLite (fp32 / dynamic / int8) and ONNX,
each non-SavedModel file with a JSON sidecar and a parity report against the SavedModel on held-out images.

int8 ranges are fitted on `representative` images (a folder of aligned faces, TFRecord shards or a ``.bin`` set)
and parity is measured on other images of the same source. Without one, the synthetic set serves only a model
trained on it (known from its run's config); any other model's int8 export is refused, since ranges fitted on
synthetic faces say nothing about real ones. The sidecars and ``export_report.json`` name the images used.
"""

from __future__ import annotations

import json

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.data.samples import ImageSample, sample_images, synthetic_images
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf.model_io import load_inference_model, training_data_info
from crfiqa_tf_apps.serving.export_saved_model import export_saved_model
from crfiqa_tf_apps.serving.parity import parity_report, write_sidecar

REPRESENTATIVE_COUNT, HELD_OUT_COUNT = 64, 32


def sample_sets(model_path: str, size: int, representative: str | None, int8: bool) -> tuple[ImageSample, ImageSample]:
    """(images for int8 ranges, held-out images for parity), disjoint and from one source."""
    if representative:
        sample = sample_images(representative, REPRESENTATIVE_COUNT + HELD_OUT_COUNT, size, seed=0)
        if len(sample.images) < 12:
            raise ValueError(f"--representative {representative}: {len(sample.images)} readable images; need >= 12")
        first = min(REPRESENTATIVE_COUNT, len(sample.images) * 2 // 3)
        return sample.split(first)
    info = training_data_info(model_path)
    if int8 and not (info and "synthetic" in info):
        raise ValueError(
            f"int8 export of {model_path} needs --representative: a folder of aligned face images, TFRecord shards or "
            "a .bin set like the faces it will score (nothing on record shows it was trained on the synthetic set, so "
            "synthetic faces would fit its int8 ranges to the wrong images); or leave int8 out with --quantize "
            "fp32,dynamic"
        )
    name = "synthetic faces (fresh identities)"
    return (
        ImageSample(synthetic_images(REPRESENTATIVE_COUNT, size, seed=11), name, "synthetic"),
        ImageSample(synthetic_images(HELD_OUT_COUNT, size, seed=23), name, "synthetic"),
    )


def export(
    model_path: str,
    out_dir: str,
    formats=sig.EXPORT_FORMATS,
    quantize=sig.TFLITE_MODES,
    version: int = 1,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    calibration_path: str | None = None,
    representative: str | None = None,
    max_faces: int = sig.DEFAULT_MAX_FACES,
    min_face: float | None = DEFAULT_MIN_FACE,
) -> dict:
    for what, given, known in (("formats", formats, sig.EXPORT_FORMATS), ("quantize", quantize, sig.TFLITE_MODES)):
        unknown = sorted(set(given) - set(known))
        if unknown:
            raise ValueError(f"export {what}: unknown {unknown}; choose from {', '.join(known)}")
    inference = load_inference_model(model_path)
    size = int(inference.input_shape[1])
    calibration = None
    if calibration_path:
        from crfiqa_tf.calibration import load_calibration

        calibration = load_calibration(calibration_path)
    fitting, held_out = sample_sets(model_path, size, representative, "tflite" in formats and "int8" in quantize)
    images_used = {"int8_representative": fitting.describe(), "parity_held_out": held_out.describe()}
    saved = export_saved_model(
        inference,
        out_dir,
        model_name,
        version,
        calibration,
        warmup_images=held_out.images[:4],
        max_faces=max_faces,
        min_face=min_face,
    )
    score_photos = {"max_faces": max_faces, "min_face": min_face}
    result = {"saved_model": saved, "score_photos": score_photos, "images": images_used, "files": []}
    reference = SavedModelScorer(saved).predict(held_out.images)
    converted = {}  # (format, mode) → path, each made from the predict_images graph alone
    if "tflite" in formats or "onnx" in formats:
        from crfiqa_tf_apps.serving.predict_images_graph import predict_images_only

        with predict_images_only(saved) as graph:
            if "tflite" in formats:
                from crfiqa_tf_apps.serving.export_tflite import export_tflite

                for mode in quantize:
                    tflite_dir = paths.join(out_dir, "tflite")
                    converted["tflite", mode] = export_tflite(graph, tflite_dir, mode, fitting.images, model_name)
            if "onnx" in formats:
                from crfiqa_tf_apps.serving.export_onnx import export_onnx

                converted["onnx", "fp32"] = export_onnx(graph, paths.join(out_dir, "onnx"), model_name)
    for (kind, mode), path in converted.items():
        if kind == "tflite":
            from crfiqa_tf.inference.litert import LiteRTScorer

            parity = parity_report(reference, LiteRTScorer(path).predict(held_out.images), path)
            extra = {"runtime": "ai-edge-litert (XNNPACK)", "parity_images": images_used["parity_held_out"]}
            if mode == "int8":
                extra["int8_representative"] = images_used["int8_representative"]
        else:
            from crfiqa_tf.inference.onnx import OnnxScorer
            from crfiqa_tf_apps.serving.export_onnx import OPSET

            parity = parity_report(reference, OnnxScorer(path).predict(held_out.images), path)
            extra = {"opset": OPSET, "runtime": "onnxruntime", "parity_images": images_used["parity_held_out"]}
        write_sidecar(path, size, mode, saved, parity, calibration, extra)
        result["files"].append({"path": path, "parity": parity})
    paths.write_text(paths.join(out_dir, "export_report.json"), json.dumps(result, indent=2))
    return result
