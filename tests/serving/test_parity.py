"""Parity reports and sidecars of exported files, on outputs whose differences are known."""

import json

import numpy as np
import pytest

from crfiqa_tf import signatures as sig
from crfiqa_tf_apps.serving.parity import parity_report, write_sidecar


def test_parity_report_measures_known_differences(tmp_path):
    model = tmp_path / "m.tflite"
    model.write_bytes(b"0123456789")
    reference = {
        sig.OUTPUT_QUALITY: np.array([0.1, 0.2, 0.3, 0.4], np.float32),
        sig.OUTPUT_EMBEDDING: np.eye(4, dtype=np.float32),
    }
    rotated = np.eye(4, dtype=np.float32)
    rotated[0] = [np.cos(0.5), np.sin(0.5), 0, 0]  # one embedding turned by 0.5 rad
    candidate = {sig.OUTPUT_QUALITY: np.array([0.1, 0.25, 0.3, 0.2], np.float32), sig.OUTPUT_EMBEDDING: rotated}
    report = parity_report(reference, candidate, str(model))
    assert report["images"] == 4 and report["size_bytes"] == 10
    assert report["max_abs_diff_quality"] == pytest.approx(0.2)
    assert report["max_abs_diff_embedding"] == pytest.approx(np.sin(0.5))  # the larger of 1 - cos, sin
    assert report["spearman_quality"] == pytest.approx(0.4)  # ranks 1 2 3 4 against 1 3 4 2
    assert report["mean_cosine_embedding"] == pytest.approx((3 + np.cos(0.5)) / 4)


def test_sidecar_names_input_outputs_quantization_and_calibration(tmp_path):
    model = tmp_path / "m_int8.tflite"
    model.write_bytes(b"x")
    calibration = {"type": "logistic", "centre": 0.0, "scale": 1.0}
    path = write_sidecar(str(model), 64, "int8", "saved/1", {"images": 3}, calibration, {"runtime": "litert"})
    sidecar = json.loads(open(path).read())
    assert path == str(model) + sig.SIDECAR_SUFFIX
    assert sidecar["input"]["shape"] == [None, 64, 64, 3] and sidecar["input"]["dtype"] == "uint8"
    assert sidecar["outputs"] == [sig.OUTPUT_QUALITY, sig.OUTPUT_EMBEDDING, sig.OUTPUT_QUALITY_SCORE]
    assert sidecar["quantization"] == "int8" and sidecar["format"] == "tflite" and sidecar["runtime"] == "litert"
    assert sidecar["calibration"] == calibration and sidecar["parity_vs_saved_model"] == {"images": 3}
    uncalibrated = json.loads(open(write_sidecar(str(model), 64, "fp32", "s", {}, None)).read())
    assert sig.OUTPUT_QUALITY_SCORE not in uncalibrated["outputs"]
