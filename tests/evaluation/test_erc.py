"""crfiqa_tf.evaluation.erc: the paper's ERC on comparisons written by hand, so every step's threshold and FNMR
is known."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.edc import threshold_at_fmr
from crfiqa_tf.evaluation.erc import erc_curve

SCORES = np.array([0.9, 0.8, 0.2, 0.7, 0.1, 0.3, 0.5, 0.6])
ISSAME = np.array([1, 1, 1, 1, 0, 0, 0, 0], bool)
QUALITY = np.array([5, 6, 0, 7, 1, 2, 3, 8])


def test_the_default_fmr_is_the_papers_1e_3():
    curve = erc_curve(SCORES, ISSAME, QUALITY, step=0.25, max_discard=0.5)
    explicit = erc_curve(SCORES, ISSAME, QUALITY, fmr=1e-3, step=0.25, max_discard=0.5)
    assert curve.fmr == 1e-3 and curve.area == explicit.area
    np.testing.assert_array_equal(curve.thresholds, explicit.thresholds)
    default_steps = erc_curve(SCORES, ISSAME, QUALITY)  # 5 % steps up to 95 %, stopping where a side runs out
    np.testing.assert_allclose(default_steps.discard_fractions[:3], [0.0, 0.05, 0.1])


def test_each_steps_threshold_is_recomputed_on_the_retained_non_mated_scores():
    curve = erc_curve(SCORES, ISSAME, QUALITY, fmr=0.0, step=0.25, max_discard=0.5)
    expected = [threshold_at_fmr([0.1, 0.3, 0.5, 0.6], 0.0), threshold_at_fmr([0.3, 0.5, 0.6], 0.0)]
    expected.append(threshold_at_fmr([0.6], 0.0))
    np.testing.assert_array_equal(curve.thresholds, expected)
    np.testing.assert_allclose(curve.fnmr, [0.25, 0.0, 0.0])


def test_a_mated_score_at_the_threshold_is_accepted():
    # non-mated 0.5 at FMR 0.5 of two: threshold just above 0.3 → mated 0.5 accepted, 0.3 rejected
    curve = erc_curve([0.5, 0.3, 0.5, 0.3], [1, 1, 0, 0], [1, 1, 1, 1], fmr=0.5, step=0.5, max_discard=0.0)
    assert curve.thresholds[0] == np.nextafter(0.3, 1.0) and curve.fnmr[0] == 0.5
    # a mated score exactly at the threshold is accepted too
    at = erc_curve([np.nextafter(0.3, 1.0), 0.3, 0.5, 0.3], [1, 1, 0, 0], [1] * 4, fmr=0.5, step=0.5, max_discard=0.0)
    assert at.thresholds[0] == np.nextafter(0.3, 1.0) and at.fnmr[0] == 0.5


def test_the_curve_stops_where_either_side_runs_out():
    # the two lowest qualities are the only non-mated comparisons: at 50 % discarded none are left
    scores, issame, quality = [0.9, 0.8, 0.1, 0.2], [1, 1, 0, 0], [3, 4, 1, 2]
    curve = erc_curve(scores, issame, quality, fmr=0.0, step=0.25, max_discard=0.75)
    np.testing.assert_allclose(curve.discard_fractions, [0.0, 0.25])
    assert len(curve.fnmr) == len(curve.thresholds) == 2
    mated_last = erc_curve([0.1, 0.8, 0.2, 0.3], [1, 0, 0, 0], [1, 2, 3, 4], fmr=0.0, step=0.25, max_discard=0.75)
    np.testing.assert_allclose(mated_last.discard_fractions, [0.0])  # the one mated comparison is discarded first


def test_equal_qualities_are_discarded_in_input_order():
    # two mated comparisons share the lowest quality: the first given goes first
    first_bad = erc_curve([0.1, 0.9, 0.9, 0.2], [1, 1, 1, 0], [0, 0, 5, 5], fmr=0.0, step=0.25, max_discard=0.25)
    second_bad = erc_curve([0.9, 0.1, 0.9, 0.2], [1, 1, 1, 0], [0, 0, 5, 5], fmr=0.0, step=0.25, max_discard=0.25)
    assert first_bad.fnmr[1] == 0.0 and second_bad.fnmr[1] == 0.5
    # and in a set large enough for NumPy's default sort to reorder ties: 20 comparisons share the lowest quality,
    # the first ten given (mated, failing) go first, the next ten (non-mated) stay
    quality = np.tile([0.0, 1.0], 20)
    issame = np.ones(40, bool)
    issame[20:40:2] = False  # the later half of the lowest-quality ones
    issame[1::4] = False  # and half of the others
    scores = np.where(issame, 0.9, 0.0)
    scores[0:20:2], scores[20:40:2] = 0.1, 0.2  # failing mated first, then non-mated
    curve = erc_curve(scores, issame, quality, fmr=0.0, step=0.25, max_discard=0.25)
    assert curve.fnmr[0] == 0.5 and curve.fnmr[1] == 0.0


def test_inputs_of_any_shape_are_flattened():
    curve = erc_curve(SCORES.reshape(2, 4), ISSAME.reshape(2, 4), QUALITY.reshape(4, 2), fmr=0.0, step=0.25)
    flat = erc_curve(SCORES, ISSAME, QUALITY, fmr=0.0, step=0.25)
    assert curve.area == flat.area


@pytest.mark.parametrize(
    "scores, issame, quality, message",
    [
        ([0.1, 0.2], [1, 0, 1], [1, 2], r"^2 scores, 3 labels and 2 qualities must match$"),
        ([0.1, 0.2], [1, 0], [1, np.nan], r"^scores or qualities contain NaN or infinity$"),
        ([0.1, np.inf], [1, 0], [1, 2], r"^scores or qualities contain NaN or infinity$"),
        ([0.1, 0.2], [1, 1], [1, 2], r"^the ERC needs both mated and non-mated comparisons$"),
        ([0.1, 0.2], [0, 0], [1, 2], r"^the ERC needs both mated and non-mated comparisons$"),
    ],
)
def test_bad_inputs_are_refused_with_their_cause(scores, issame, quality, message):
    with pytest.raises(ValueError, match=message):
        erc_curve(scores, issame, quality)
