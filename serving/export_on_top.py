"""Export of a `train-on-top` run: the user's matcher and the on-top quality head as one SavedModel with the
package's usual signatures (aligned images, image bytes, raw photos; TF Serving files beside it), and a float TFLite
model and an ONNX model converted from it on request (each with the JSON sidecar and parity report the package's own
exports carry) — so that `score`, `calibrate`, the Beam job, TF Serving and best shots score
with the user's matcher as they do with the package's own models."""

from __future__ import annotations

import dataclasses
import json

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.on_top.matcher_quality_model import MatcherQualityModel
from crfiqa_tf.on_top.on_top_run import load_run


def export_on_top(
    run_dir: str,
    out_dir: str | None = None,
    tflite: bool = False,
    onnx: bool = False,
    calibration_path: str | None = None,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    version: int = 1,
) -> dict:
    """Writes ``OUT/saved_model/<model_name>/<version>`` (OUT: `out_dir`, default ``run_dir/export``) and, with
    `tflite`, ``OUT/tflite/<model_name>_fp32.tflite``, with `onnx`, ``OUT/onnx/<model_name>.onnx``; returns their
    paths and parity against the SavedModel (also in ``export_report.json``). A matcher whose graph a converter cannot
    take is refused naming the matcher and the converter's reason."""
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.inference.saved_model import SavedModelScorer
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model
    from crfiqa_tf_apps.serving.parity import parity_report, write_sidecar

    head, matcher_path, spec, names = load_run(run_dir)
    model = MatcherQualityModel(matcher_path, spec, head, **names)
    calibration = None
    if calibration_path:
        from crfiqa_tf.calibration import load_calibration

        calibration = load_calibration(calibration_path)
    out_dir = out_dir or paths.join(run_dir, "export")
    # fold=False: the matcher is the user's graph, not the package's iResNet layout
    saved = export_saved_model(model, out_dir, model_name, version, calibration, fold=False)
    # parity of each converted file with the SavedModel, on faces none of the formats saw (a numerical check)
    held_out = synthetic_images(PARITY_IMAGES, 112, seed=23)
    reference = SavedModelScorer(saved).predict(held_out)
    files = []
    for kind in [kind for kind, wanted in (("tflite", tflite), ("onnx", onnx)) if wanted]:
        path, scorer, extra = _convert(kind, saved, out_dir, model_name, matcher_path)
        parity = parity_report(reference, scorer(path).predict(held_out), path)
        extra.update(
            preprocessing="inside the model: the matcher's declared input (matcher_input)",
            matcher=matcher_path,
            matcher_input=dataclasses.asdict(spec),
            parity_images=f"{PARITY_IMAGES} synthetic faces (seed 23)",
        )
        write_sidecar(path, 112, "fp32", saved, parity, calibration, extra)
        files.append({"path": path, "parity": parity})
    result = {"saved_model": saved, "files": files, "matcher": matcher_path, "run": run_dir}
    paths.write_text(paths.join(out_dir, "export_report.json"), json.dumps(result, indent=2))
    return result


PARITY_IMAGES = 16


def _convert(kind: str, saved: str, out_dir: str, model_name: str, matcher_path: str):
    """(path, scorer class, sidecar extras) of the `kind` file converted from `saved`; ValueError naming the matcher
    when its graph does not convert."""
    try:
        if kind == "tflite":
            from crfiqa_tf.inference.litert import LiteRTScorer
            from crfiqa_tf_apps.serving.export_tflite import export_tflite
            from crfiqa_tf_apps.serving.predict_images_graph import predict_images_only

            with predict_images_only(saved) as graph:
                path = export_tflite(graph, paths.join(out_dir, "tflite"), "fp32", None, model_name)
            return path, LiteRTScorer, {"runtime": "ai-edge-litert (XNNPACK)"}
        from crfiqa_tf.inference.onnx import OnnxScorer
        from crfiqa_tf_apps.serving.export_onnx import OPSET, export_onnx

        path = export_onnx(saved, paths.join(out_dir, "onnx"), model_name)
        return path, OnnxScorer, {"opset": OPSET, "runtime": "onnxruntime"}
    except Exception as error:  # each converter raises its own (private) error classes
        lines = str(error).splitlines() or [type(error).__name__]
        first = next((line for line in lines if "op is neither" in line or "Unsupported" in line), lines[0][:300])
        name = "TFLite" if kind == "tflite" else "ONNX (tf2onnx)"
        raise ValueError(f"matcher {matcher_path}: {name} cannot convert its graph ({first.strip()})") from None
