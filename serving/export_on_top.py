"""Export of a `train-on-top` run: the user's matcher and the on-top quality head as one SavedModel with the
package's usual signatures (aligned images, image bytes, raw photos; TF Serving files beside it), and a float TFLite
model converted from it on request — so that `score`, `calibrate`, the Beam job, TF Serving and best shots score
with the user's matcher as they do with the package's own models."""

from __future__ import annotations

import json

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.on_top.matcher_quality_model import MatcherQualityModel
from crfiqa_tf.on_top.on_top_run import load_run


def export_on_top(
    run_dir: str,
    out_dir: str | None = None,
    tflite: bool = False,
    calibration_path: str | None = None,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    version: int = 1,
) -> dict:
    """Writes ``OUT/saved_model/<model_name>/<version>`` (OUT: `out_dir`, default ``run_dir/export``) and, with
    `tflite`, ``OUT/tflite/<model_name>_fp32.tflite``; returns their paths (also in ``export_report.json``)."""
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model
    from crfiqa_tf_apps.serving.export_tflite import export_tflite

    head, matcher_path, spec, names = load_run(run_dir)
    model = MatcherQualityModel(matcher_path, spec, head, **names)
    calibration = None
    if calibration_path:
        from crfiqa_tf.calibration import load_calibration

        calibration = load_calibration(calibration_path)
    out_dir = out_dir or paths.join(run_dir, "export")
    # fold=False: the matcher is the user's graph, not the package's iResNet layout
    saved = export_saved_model(model, out_dir, model_name, version, calibration, fold=False)
    files = []
    if tflite:
        try:
            files.append(export_tflite(saved, paths.join(out_dir, "tflite"), "fp32", None, model_name))
        except Exception as error:  # the converter's own error class lives in a private module
            first = next((line for line in str(error).splitlines() if "op is neither" in line), str(error)[:300])
            raise ValueError(f"matcher {matcher_path}: TFLite cannot convert its graph ({first.strip()})") from None
    result = {"saved_model": saved, "files": files, "matcher": matcher_path, "run": run_dir}
    paths.write_text(paths.join(out_dir, "export_report.json"), json.dumps(result, indent=2))
    return result
