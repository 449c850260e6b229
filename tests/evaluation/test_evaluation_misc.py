"""Evaluation measures with known answers: the ERC by hand, verification on a separable set, the calibration's
percentiles and round trip, template fusion weights."""

import numpy as np
import pytest

from crfiqa_tf.calibration import apply_calibration, fit_calibration, load_calibration, save_calibration
from crfiqa_tf.evaluation.erc import erc_curve
from crfiqa_tf.evaluation.fusion import fuse_template
from crfiqa_tf.evaluation.verification import tar_at_far, ten_fold_accuracy


def test_erc_hand_computed():
    # 4 mated (scores .9 .8 .2 .7) and 4 non-mated (.1 .3 .5 .6); qualities put the bad mated pair lowest.
    scores = np.array([0.9, 0.8, 0.2, 0.7, 0.1, 0.3, 0.5, 0.6])
    issame = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
    quality = np.array([5, 6, 0, 7, 1, 2, 3, 8])
    curve = erc_curve(scores, issame, quality, fmr=0.0, step=0.25, max_discard=0.5)
    # step 0: threshold above 0.6 → FNMR 1/4 (0.2); step 0.25 discards q 0,1 (mated .2, non-mated .1): 0/3;
    # step 0.5 discards also q 2,3: non-mated left {.6} → threshold above .6 → FNMR 0/3.
    np.testing.assert_allclose(curve.discard_fractions, [0, 0.25, 0.5])
    np.testing.assert_allclose(curve.fnmr, [0.25, 0, 0])
    assert curve.area == pytest.approx(0.25 * 0.25 / 2)


def test_verification_on_separable_set_is_perfect():
    scores = np.concatenate([np.linspace(0.6, 0.9, 50), np.linspace(-0.2, 0.3, 50)])
    issame = np.array([True] * 50 + [False] * 50)
    order = np.random.default_rng(0).permutation(100)
    accuracy, _ = ten_fold_accuracy(scores[order], issame[order])
    assert accuracy == 1.0
    assert tar_at_far(scores, issame, 1e-3) == 1.0
    with pytest.raises(ValueError, match="both mated and non-mated"):
        ten_fold_accuracy(scores[:50], issame[:50])


def test_calibration_maps_percentiles_and_round_trips(tmp_path):
    reference = np.random.default_rng(0).normal(2.0, 0.5, 1000)
    calibration = fit_calibration(reference, "synthetic")
    low, mid, high = np.percentile(reference, [5, 50, 95])
    mapped = apply_calibration([low, mid, high], calibration)
    assert mapped[1] == pytest.approx(50.0)
    assert mapped[0] == pytest.approx(5.0, abs=1.0) and mapped[2] == pytest.approx(95.0, abs=1.0)
    assert np.all(np.diff(apply_calibration(np.sort(reference), calibration)) >= 0)
    save_calibration(calibration, tmp_path / "c.json")
    assert load_calibration(tmp_path / "c.json") == calibration
    with pytest.raises(ValueError, match="constant"):
        fit_calibration(np.ones(20))


def test_fusion_weights():
    e = np.array([[1.0, 0.0], [0.0, 1.0]])
    np.testing.assert_allclose(fuse_template(e, [1.0, 0.0]), [1.0, 0.0])
    np.testing.assert_allclose(fuse_template(e, [1.0, 1.0]), [2**-0.5, 2**-0.5])
    with pytest.raises(ValueError, match="non-negative"):
        fuse_template(e, [1.0, -1.0])
