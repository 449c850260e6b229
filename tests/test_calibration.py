"""The one rescoring every path calls (`crfiqa_tf.calibration`): known answers, its TF twin, the thresholds."""

import numpy as np
import pytest

from crfiqa_tf import signatures as sig
from crfiqa_tf.calibration import apply_calibration, fit_with_thresholds, rescore, rescore_in_graph

CALIBRATION = {"type": "logistic", "centre": 0.5, "scale": 0.1}


def test_known_answers_of_the_mapping():
    # centre → 50; one scale above → 100 / (1 + e^-1); ln(9) scales → 90
    scores = apply_calibration([0.5, 0.6, 0.5 + 0.1 * np.log(9), 0.5 - 0.1 * np.log(9)], CALIBRATION)
    np.testing.assert_allclose(scores, [50.0, 100 / (1 + np.exp(-1)), 90.0, 10.0], atol=1e-9)


def test_rescore_recomputes_from_the_raw_quality_over_the_models_own_score():
    quantized = {sig.OUTPUT_QUALITY: np.array([0.5, 0.7], np.float32), sig.OUTPUT_QUALITY_SCORE: np.array([47.1, 98.0])}
    np.testing.assert_allclose(rescore(quantized, CALIBRATION), apply_calibration([0.5, 0.7], CALIBRATION), atol=1e-5)
    np.testing.assert_array_equal(rescore(quantized, None), [47.1, 98.0])  # no calibration known: the model's own
    assert rescore({sig.OUTPUT_QUALITY: np.array([0.5])}, None) is None
    grid = {sig.OUTPUT_QUALITY: np.array([[0.4, 0.5], [0.6, 0.0]], np.float32)}  # score_photos: [photos, faces]
    assert rescore(grid, CALIBRATION).shape == (2, 2)


def test_the_graph_twin_equals_the_numpy_mapping():
    import tensorflow as tf

    quality = np.linspace(-1.0, 2.0, 31).astype(np.float32)
    graph = rescore_in_graph(tf.constant(quality), CALIBRATION).numpy()
    np.testing.assert_allclose(graph, apply_calibration(quality, CALIBRATION), atol=1e-4)


def test_thresholds_reject_their_share_and_carry_their_score():
    quality = np.arange(1000) / 1000.0
    calibration = fit_with_thresholds(quality, "ramp")
    shares = {t["reject_fraction"]: t for t in calibration["rejection_thresholds"]}
    assert sorted(shares) == [0.05, 0.10, 0.20]
    for share, threshold in shares.items():
        assert np.mean(quality < threshold["quality"]) == pytest.approx(share, abs=0.002)
        assert threshold["quality_score"] == pytest.approx(float(apply_calibration(threshold["quality"], calibration)))
    assert calibration["reference_percentiles"]["50"] == pytest.approx(0.4995)
