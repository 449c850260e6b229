"""The one rescoring every path calls (`crfiqa_tf.calibration`): known answers, its TF twin, the thresholds."""

import re

import numpy as np
import pytest

from crfiqa_tf import signatures as sig
from crfiqa_tf.calibration import apply_calibration, fit_with_thresholds, rescore

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


@pytest.mark.tensorflow
def test_the_graph_twin_equals_the_numpy_mapping():
    import tensorflow as tf

    quality = np.linspace(-1.0, 2.0, 31).astype(np.float32)
    from crfiqa_tf.calibration import rescore_in_graph

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


# --- refusals: every degenerate field, named ----------------------------------------------------------------------

GOOD = fit_with_thresholds(np.linspace(0.2, 0.8, 100), "ramp")


@pytest.mark.parametrize(
    "field,value,message",
    [
        ("scale", 0.0, "scale must be a finite number above 0, got 0.0"),
        ("scale", -0.1, "scale must be a finite number above 0, got -0.1"),
        ("scale", float("nan"), "scale must be a finite number above 0, got nan"),
        ("scale", float("inf"), "scale must be a finite number above 0, got inf"),
        ("scale", "0.1", "scale must be a finite number above 0, got '0.1'"),
        ("scale", True, "scale must be a finite number above 0, got True"),
        ("centre", float("nan"), "centre must be a finite number, got nan"),
        ("centre", float("-inf"), "centre must be a finite number, got -inf"),
        ("centre", None, "centre must be a finite number, got None"),
        ("type", "isotonic", "unsupported calibration type 'isotonic'"),
        ("rejection_thresholds", {"0.05": 1}, "rejection_thresholds must be a list, got dict"),
    ],
)
def test_a_degenerate_field_is_refused_naming_the_file_and_the_field(tmp_path, field, value, message):
    import json

    from crfiqa_tf.calibration import load_calibration

    path = tmp_path / "calibration.json"
    path.write_text(json.dumps({**GOOD, field: value}))  # json writes NaN and Infinity, and reads them back
    with pytest.raises(ValueError) as error:
        load_calibration(str(path))
    assert str(error.value).startswith(f"{path}: ") and message in str(error.value)


@pytest.mark.parametrize(
    "key,value",
    [("reject_fraction", 0.0), ("reject_fraction", 1.0), ("quality", float("nan")), ("quality_score", 101.0),
     ("quality_score", -1.0), ("quality_score", None)],
)  # fmt: skip
def test_a_degenerate_rejection_threshold_is_refused_naming_its_row_and_field(key, value):
    from crfiqa_tf.calibration import validate_calibration

    rows = [dict(row) for row in GOOD["rejection_thresholds"]]
    rows[1][key] = value
    with pytest.raises(ValueError, match=rf"^thresholds\.json: rejection_thresholds\[1\]\.{key} is "):
        validate_calibration({**GOOD, "rejection_thresholds": rows}, "thresholds.json")


def test_a_missing_field_and_a_non_object_are_refused():
    from crfiqa_tf.calibration import validate_calibration

    for key in ("type", "centre", "scale"):
        with pytest.raises(ValueError, match=rf"^c\.json: not a calibration file \(missing '{key}'\)$"):
            validate_calibration({k: v for k, v in GOOD.items() if k != key}, "c.json")
    with pytest.raises(ValueError, match=r"a JSON object is expected"):
        validate_calibration([GOOD], "c.json")


@pytest.mark.tensorflow  # ram://
def test_a_fitted_calibration_saved_anywhere_loads_back_equal():
    from crfiqa_tf.calibration import load_calibration, save_calibration

    save_calibration(GOOD, "ram://calibration/fitted.json")  # TensorFlow's in-memory file system: a non-local path
    assert load_calibration("ram://calibration/fitted.json") == GOOD
    without_thresholds = {k: v for k, v in GOOD.items() if k != "rejection_thresholds"}
    assert validate_calibration_ok(without_thresholds)


def validate_calibration_ok(calibration):
    from crfiqa_tf.calibration import validate_calibration

    return validate_calibration(calibration, "c.json") is calibration


@pytest.mark.parametrize(
    "quality,message",
    [(np.arange(9.0), "at least 10 reference qualities, got 9"), (np.append(np.arange(20.0), np.nan), "NaN"),
     (np.ones(50), "(nearly) constant")],
)  # fmt: skip
def test_fitting_refuses_too_few_non_finite_and_constant_references(quality, message):
    from crfiqa_tf.calibration import fit_calibration

    with pytest.raises(ValueError, match=re.escape(message)):
        fit_calibration(quality)


def test_a_fit_records_its_reference_and_percentiles_by_name():
    from crfiqa_tf.calibration import fit_calibration

    quality = np.arange(10.0)  # exactly the fewest a fit takes
    fitted = fit_calibration(quality, "ten faces")
    assert fitted["reference"] == "ten faces" and fitted["reference_size"] == 10
    assert fitted["reference_percentiles"] == pytest.approx({"5": 0.45, "50": 4.5, "95": 8.55})
    assert fit_with_thresholds(quality)["reference"] == "" and fit_calibration(quality)["reference"] == ""


def test_scores_saturate_at_0_and_100_far_from_the_centre_without_overflow():
    scores = apply_calibration([-1e9, -61 * 0.1 + 0.5, 61 * 0.1 + 0.5, 1e9], CALIBRATION)
    low, high = 100.0 / (1.0 + np.exp(60.0)), 100.0 / (1.0 + np.exp(-60.0))  # the clip at z = ±60
    assert scores.tolist() == [low, low, high, high]
    assert scores.dtype == np.float64 and apply_calibration(np.float32(0.5), CALIBRATION) == 50.0


def test_an_unknown_type_and_a_non_json_file_are_refused_by_name(tmp_path):
    from crfiqa_tf.calibration import load_calibration

    with pytest.raises(ValueError, match=r"^unknown calibration type 'isotonic'$"):
        apply_calibration([0.5], {**CALIBRATION, "type": "isotonic"})
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ValueError, match=rf"^{re.escape(str(bad))}: not a calibration file \(not JSON: "):
        load_calibration(str(bad))


@pytest.mark.parametrize("score", [0.0, 100.0])
def test_thresholds_at_either_end_of_the_scale_are_usable(score):
    from crfiqa_tf.calibration import validate_calibration

    rows = [{"reject_fraction": 0.05, "quality": 0.1, "quality_score": score}]
    assert validate_calibration({**GOOD, "rejection_thresholds": rows}, "c.json")["rejection_thresholds"] == rows
    with pytest.raises(ValueError, match=r"rejection_thresholds\[0\]\.reject_fraction is None"):
        validate_calibration({**GOOD, "rejection_thresholds": ["not a row"]}, "c.json")


def test_rescore_gives_float64_scores():
    quantized = {sig.OUTPUT_QUALITY: np.array([0.5], np.float32), sig.OUTPUT_QUALITY_SCORE: np.array([47], np.uint8)}
    assert rescore(quantized, None).dtype == np.float64 and rescore(quantized, None).tolist() == [47.0]


def test_a_threshold_without_its_score_is_usable_and_one_with_a_null_score_is_not():
    from crfiqa_tf.calibration import validate_calibration

    rows = [{"reject_fraction": 0.1, "quality": 0.3}]  # a threshold as `rejection_thresholds` gives it, unscored
    assert validate_calibration({**GOOD, "rejection_thresholds": rows}, "c.json")["rejection_thresholds"] == rows
    with pytest.raises(ValueError, match=r"rejection_thresholds\[0\]\.quality_score is None"):
        validate_calibration({**GOOD, "rejection_thresholds": [{**rows[0], "quality_score": None}]}, "c.json")
