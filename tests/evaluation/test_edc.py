import numpy as np
import pytest

from crfiqa_tf.evaluation.edc import edc_curve, pair_quality, step_area, threshold_at_fmr


def test_hand_worked_example_with_ties():
    # 6 mated comparisons, threshold 0.5 (starting FNMR 2/6 via scores): errors at scores 0.1 and 0.3.
    scores = np.array([0.1, 0.9, 0.3, 0.8, 0.7, 0.6])
    quality = np.array([1.0, 1.0, 2.0, 3.0, 3.0, 4.0])  # ties at 1.0 and 3.0
    curve = edc_curve(scores, quality, starting_fnmr=2 / 6)
    assert curve.threshold == 0.6  # the third lowest mated score: two below it
    # discard steps only where quality changes: 0, 2/6, 3/6, 5/6
    np.testing.assert_allclose(curve.discard_fractions, [0, 2 / 6, 3 / 6, 5 / 6])
    # errors (< 0.6): scores 0.1 (q 1) and 0.3 (q 2) -> FNMR 2/6, 1/4, 0/3, 0/1
    np.testing.assert_allclose(curve.fnmr, [2 / 6, 1 / 4, 0, 0])
    # pAUC up to 0.2: 0.2 × 1/3
    assert curve.pauc[0.2] == pytest.approx(0.2 / 3)
    # up to 0.3: still on the first step
    assert curve.pauc[0.3] == pytest.approx(0.3 / 3)


def test_perfect_ranking_equals_theoretical_best():
    rng = np.random.default_rng(0)
    scores = rng.random(200)
    errors = scores < 0.3
    quality = np.where(errors, scores, 10 + rng.random(200))  # every false non-match ranked lowest, no ties
    curve = edc_curve(scores, quality, starting_fnmr=float(errors.mean()))
    for limit in (0.2, 0.3):
        assert curve.pauc_minus_best[limit] == pytest.approx(0.0, abs=1e-12)


def test_reverse_ranking_is_worse_than_random_and_best():
    rng = np.random.default_rng(1)
    scores = rng.random(500)
    best = edc_curve(scores, scores, starting_fnmr=0.2)
    reverse = edc_curve(scores, -scores, starting_fnmr=0.2)
    assert reverse.pauc[0.2] > best.pauc[0.2]
    assert reverse.fnmr[-1] == 1.0 or reverse.fnmr[1] > reverse.fnmr[0]


def test_all_pairs_mated_with_starting_fnmr_threshold():
    curve = edc_curve([0.2, 0.4, 0.6, 0.8], [1, 2, 3, 4], starting_fnmr=0.25)
    np.testing.assert_allclose(curve.fnmr, [0.25, 0, 0, 0])


def test_random_quality_gives_a_near_flat_curve():
    rng = np.random.default_rng(2)
    scores = rng.normal(0.6, 0.2, 20_000)
    nonmated = rng.normal(0.0, 0.1, 20_000)
    curve = edc_curve(scores, rng.random(20_000), nonmated, fmr=1e-3)
    at = np.searchsorted(curve.discard_fractions, [0.0, 0.3, 0.6])
    values = curve.fnmr[np.minimum(at, len(curve.fnmr) - 1)]
    assert np.ptp(values) < 0.02


def test_threshold_at_fmr():
    nonmated = np.arange(1000) / 1000.0
    threshold = threshold_at_fmr(nonmated, 1e-2)
    assert np.mean(nonmated >= threshold) <= 1e-2
    assert np.mean(nonmated >= np.nextafter(nonmated[-11], -np.inf)) > 1e-2


def test_step_area():
    assert step_area(np.array([0.0, 0.5]), np.array([1.0, 0.0]), 0.8) == pytest.approx(0.5)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(mated_scores=[0.1, 0.2], mated_pair_quality=[1.0]), "2 scores but 1 qualities"),
        (dict(mated_scores=[0.1, 0.2], mated_pair_quality=[1.0, np.nan]), "NaN"),
        (dict(mated_scores=[], mated_pair_quality=[]), "no mated comparisons"),
        (dict(mated_scores=[0.1], mated_pair_quality=[1.0], nonmated_scores=[]), "non-mated"),
    ],
)
def test_malformed_input(kwargs, message):
    with pytest.raises(ValueError, match=message):
        edc_curve(**kwargs)


def test_pair_quality_combinations():
    np.testing.assert_allclose(pair_quality([1, 5], [3, 2]), [1, 2])
    np.testing.assert_allclose(pair_quality([1, 5], [3, 2], "mean"), [2, 3.5])
    with pytest.raises(ValueError, match="combination"):
        pair_quality([1], [2], "max")


def test_threshold_at_fmr_known_answers():
    # accepting floor(fmr·n) of the highest non-mated scores: the threshold sits just above the next one
    assert threshold_at_fmr([0.1, 0.4, 0.2, 0.3], 0.0) == np.nextafter(0.4, np.inf)
    assert threshold_at_fmr([0.1, 0.4, 0.2, 0.3], 0.25) == np.nextafter(0.3, np.inf)
    assert threshold_at_fmr([0.1, 0.4, 0.2, 0.3], 0.5) == np.nextafter(0.2, np.inf)
    assert threshold_at_fmr([0.1, 0.4, 0.2, 0.3], 0.99) == np.nextafter(0.1, np.inf)
    assert threshold_at_fmr([3, 1, 2], 0.0) == np.nextafter(3.0, np.inf)  # integers are scores too
    with pytest.raises(ValueError, match=r"^target FMR must be in \[0, 1\), got 1.0$"):
        threshold_at_fmr([0.1, 0.2], 1.0)
    with pytest.raises(ValueError, match=r"^target FMR must be in \[0, 1\), got -0.1$"):
        threshold_at_fmr([0.1, 0.2], -0.1)
    message = r"^a threshold at a target FMR needs non-mated comparison scores; none were given$"
    with pytest.raises(ValueError, match=message):
        threshold_at_fmr([], 0.1)


def test_threshold_at_fnmr_known_answers():
    from crfiqa_tf.evaluation.edc import threshold_at_fnmr

    assert threshold_at_fnmr([0.4, 0.1, 0.3, 0.2], 0.0) == 0.1
    assert threshold_at_fnmr([0.4, 0.1, 0.3, 0.2], 0.5) == 0.3
    assert threshold_at_fnmr([0.4, 0.1, 0.3, 0.2], 0.74) == 0.3
    for bad in (1.0, -0.01):
        with pytest.raises(ValueError, match=rf"^starting FNMR must be in \[0, 1\), got {bad}$"):
            threshold_at_fnmr([0.1, 0.2], bad)


def test_edc_with_a_target_fmr_fixes_the_threshold_on_the_non_mated_scores():
    mated, quality = np.array([0.2, 0.9, 0.4, 0.8]), np.array([1.0, 4.0, 2.0, 3.0])
    nonmated = [0.1, 0.3, 0.5, 0.35]
    curve = edc_curve(mated, quality, nonmated, fmr=0.25)  # accept 0.5 only: threshold just above 0.35
    assert curve.threshold == np.nextafter(0.35, np.inf) and curve.starting_fnmr == 0.25
    np.testing.assert_allclose(curve.fnmr, [1 / 4, 0, 0, 0])
    default = edc_curve(mated, quality, nonmated)  # fmr 1e-3 of four: none accepted, threshold above 0.5
    assert default.threshold == np.nextafter(0.5, np.inf) and default.starting_fnmr == 0.5
    fixed = edc_curve(mated.reshape(2, 2), quality.reshape(2, 2), threshold=0.85)  # any shape, flattened
    np.testing.assert_allclose(fixed.fnmr, [3 / 4, 2 / 3, 1 / 2, 0.0])
    assert fixed.starting_fnmr == 0.75


def test_equal_qualities_are_discarded_together():
    curve = edc_curve([0.1, 0.9, 0.9, 0.1], [1.0, 1.0, 2.0, 2.0], threshold=0.5)
    np.testing.assert_allclose(curve.discard_fractions, [0.0, 0.5])
    np.testing.assert_allclose(curve.fnmr, [0.5, 0.5])


def test_the_pauc_against_the_best_case():
    curve = edc_curve([0.1, 0.9, 0.8, 0.7], [4.0, 1.0, 2.0, 3.0], threshold=0.5, pauc_limits=(0.5,))
    # the one error has the highest quality: FNMR 1/4, 1/3, 1/2, 1 at 0, 1/4, 1/2, 3/4
    assert curve.pauc[0.5] == pytest.approx(0.25 * 0.25 + 0.25 / 3)
    # the best case discards the error first: 1/4 then 0
    assert curve.pauc_minus_best[0.5] == pytest.approx(curve.pauc[0.5] - 0.25 * 0.25)


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(mated_scores=[0.1, 0.2], mated_pair_quality=[1.0]), r"^mated comparisons: 2 scores but 1 qualities$"),
        (
            dict(mated_scores=[0.1, np.inf], mated_pair_quality=[1.0, 2.0], threshold=0.5),
            r"^mated comparisons: comparison scores contain NaN or infinity$",
        ),
        (
            dict(mated_scores=[0.1, 0.2], mated_pair_quality=[1.0, np.inf], threshold=0.5),
            r"^mated comparisons: quality values contain NaN or infinity$",
        ),
        (
            dict(mated_scores=[0.1], mated_pair_quality=[1.0], nonmated_scores=[0.5]),
            None,
        ),
        (
            dict(mated_scores=[0.1], mated_pair_quality=[1.0]),
            r"^non-mated comparison scores are required to fix the threshold at a target FMR$",
        ),
        (
            dict(mated_scores=[0.1], mated_pair_quality=[1.0], nonmated_scores=[]),
            r"^non-mated comparison scores are required to fix the threshold at a target FMR$",
        ),
        (
            dict(mated_scores=[0.1], mated_pair_quality=[1.0], nonmated_scores=[0.5, np.nan]),
            r"^non-mated comparison scores contain NaN or infinity$",
        ),
    ],
)
def test_each_refusal_names_its_cause(kwargs, message):
    if message is None:  # one non-mated score is enough
        assert edc_curve(**kwargs).threshold == np.nextafter(0.5, np.inf)
        return
    with pytest.raises(ValueError, match=message):
        edc_curve(**kwargs)


def test_pair_quality_refusals():
    with pytest.raises(ValueError, match=r"^quality_a has 2 values, quality_b 1$"):
        pair_quality([1, 2], [1])
    assert pair_quality([1], [2]).dtype == np.float64
