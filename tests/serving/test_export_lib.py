"""serving.export_lib: every format exported together, TFLite and ONNX equal to the SavedModel, the scorers of every
format give the same records, within absolute bounds, and the quality score is the calibration of the quality."""

import json

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.litert import LiteRTScorer
from crfiqa_tf.inference.onnx import OnnxScorer
from crfiqa_tf.inference.saved_model import SavedModelScorer


def test_tflite_and_onnx_parity(exported):
    files = exported["files"]
    int8 = files["crfiqa_int8.tflite"]["parity"]
    # the fixture trains deterministically: this model's int8 file measures Spearman 0.993 on its 32 held-out images
    assert int8["spearman_quality"] >= 0.98 and int8["mean_cosine_embedding"] >= 0.99, int8
    # int8 weights are a quarter of float32's; the quarter-width model's graph and scales add 2 % (0.273 measured)
    assert int8["size_bytes"] <= 0.28 * files["crfiqa_fp32.tflite"]["parity"]["size_bytes"]
    assert files["crfiqa_fp32.tflite"]["parity"]["max_abs_diff_quality"] <= 1e-4
    assert files["crfiqa.onnx"]["parity"]["max_abs_diff_quality"] <= 1e-4
    assert files["crfiqa.onnx"]["parity"]["max_abs_diff_embedding"] <= 1e-4
    sidecar = json.loads(open(files["crfiqa_int8.tflite"]["path"] + ".json").read())
    assert sidecar["quantization"] == "int8" and sidecar["input"]["dtype"] == "uint8"
    assert sidecar["parity_vs_saved_model"]["images"] == 32
    # the fixture exported with --representative = its training shards: both sets named, drawn from them
    data = str(exported["tmp"] / "data")
    representative = {"source": data, "kind": "tfrecords", "count": 64, "skipped": 0, "skipped_files": []}
    assert sidecar["int8_representative"] == representative
    assert sidecar["parity_images"] == {
        "source": data,
        "kind": "tfrecords",
        "count": 32,
        "skipped": 0,
        "skipped_files": [],
    }
    from ai_edge_litert.interpreter import Interpreter

    ops = {op["op_name"] for op in Interpreter(files["crfiqa_int8.tflite"]["path"])._get_ops_details()}
    assert "MINIMUM" in ops and "PRELU" not in ops  # the folded graph: int8 PReLU would leave XNNPACK


def test_scorers_give_the_same_records(exported, tmp_path):
    images = exported["images"][:5]
    paths = []
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff broken")
    paths.insert(2, str(tmp_path / "broken.jpg"))
    files = exported["files"]
    scorers = [
        SavedModelScorer(exported["saved"]),
        LiteRTScorer(files["crfiqa_fp32.tflite"]["path"]),
        OnnxScorer(files["crfiqa.onnx"]["path"]),
    ]
    results = [s.score(paths, batch_size=4, with_embeddings=True) for s in scorers]
    for records in results:
        assert len(records) == len(paths)
        assert records[2].error.startswith("not_an_image") and records[2].quality is None
    for other in results[1:]:
        for a, b in zip(results[0], other):
            if a.error is None:
                assert abs(a.quality - b.quality) <= 1e-4
                assert abs(a.quality_score - b.quality_score) <= 1e-2
                np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-4)


def test_every_format_absolute_bounds_and_quality_score_is_the_calibration_of_quality(exported):
    """Absolute bounds against the fp32 SavedModel on held-out images. int8: the fp32 quality clipped to the range
    the output tensor can represent (fitted on the representative images; a held-out image beyond it saturates),
    within 10 steps of the output's quantization — measured at most 7.6 on this fixture's model, most images under
    3.5: the error accumulates through the int8 layers, not only in the output's half-step rounding. Its
    quality_score output lies within one step of its own scale (100/255) of apply_calibration(its quality), plus
    one quality step carried through the calibration's local slope (the graph computes the score from the quality
    before that is rounded to its output step; near the logistic's centre one quality step moves the score by more
    than one score step). Every format's built-in quality_score equals apply_calibration(quality) of the same
    format."""
    from crfiqa_tf.calibration import apply_calibration

    images = exported["images"]
    saved = SavedModelScorer(exported["saved"])
    reference = saved.predict(images)
    calibration = saved.calibration
    assert calibration == {"type": "logistic", "centre": 0.2, "scale": 0.3}
    files = exported["files"]
    candidates = {
        "saved_model": (reference, 1e-4),
        "fp32": (LiteRTScorer(files["crfiqa_fp32.tflite"]["path"]).predict(images), 1e-4),
        "onnx": (OnnxScorer(files["crfiqa.onnx"]["path"]).predict(images), 1e-4),
    }
    int8_scorer = LiteRTScorer(files["crfiqa_int8.tflite"]["path"])
    quality_step = int8_scorer._outputs[sig.OUTPUT_QUALITY]["quantization"][0]
    score_step = int8_scorer._outputs[sig.OUTPUT_QUALITY_SCORE]["quantization"][0]
    assert score_step == pytest.approx(100 / 255, rel=1e-3) and 0 < quality_step < 0.1
    int8 = int8_scorer.predict(images)
    for name, (outputs, tolerance) in candidates.items():
        assert np.max(np.abs(outputs[sig.OUTPUT_QUALITY] - reference[sig.OUTPUT_QUALITY])) <= tolerance, name
        expected = apply_calibration(outputs[sig.OUTPUT_QUALITY], calibration)
        np.testing.assert_allclose(outputs[sig.OUTPUT_QUALITY_SCORE], expected, atol=1e-3, err_msg=name)
    zero_point = int8_scorer._outputs[sig.OUTPUT_QUALITY]["quantization"][1]
    low, high = (-128 - zero_point) * quality_step, (127 - zero_point) * quality_step
    clipped = np.clip(reference[sig.OUTPUT_QUALITY], low, high)
    assert np.max(np.abs(int8[sig.OUTPUT_QUALITY] - clipped)) <= 10 * quality_step
    expected = apply_calibration(int8[sig.OUTPUT_QUALITY], calibration)
    p = expected / 100
    slope = 100 * p * (1 - p) / calibration["scale"]  # d score / d quality of the logistic calibration
    error = np.abs(int8[sig.OUTPUT_QUALITY_SCORE] - expected)
    assert np.all(error <= score_step * 1.01 + slope * quality_step), (error, slope * quality_step)
