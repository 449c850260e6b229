import numpy as np
import pytest
from scipy.stats import spearmanr

from crfiqa_tf.evaluation.rank_correlation import spearman


def test_matches_scipy_with_ties():
    rng = np.random.default_rng(0)
    a = rng.integers(0, 5, 200).astype(float)
    b = a + rng.normal(0, 2, 200)
    assert spearman(a, b) == pytest.approx(spearmanr(a, b).statistic, abs=1e-12)
    assert spearman(a, -a) == pytest.approx(-1.0)


def test_errors():
    with pytest.raises(ValueError, match="3 values against 2"):
        spearman([1, 2, 3], [1, 2])
    with pytest.raises(ValueError, match="NaN"):
        spearman([1, np.nan], [1, 2])


def test_average_ranks_known_answers():
    from crfiqa_tf.evaluation.rank_correlation import average_ranks

    # tied groups of different sizes: 0-based ranks, each tie their mean
    np.testing.assert_array_equal(average_ranks([30, 10, 20, 20, 40, 40, 40]), [3, 0, 1.5, 1.5, 5, 5, 5])
    np.testing.assert_array_equal(average_ranks([[2, 1], [1, 3]]), [2, 0.5, 0.5, 3])  # any shape, flattened
    assert average_ranks([1, 2]).dtype == np.float64


def test_spearman_known_answers_and_edges():
    assert spearman([1, 2], [5, 7]) == 1.0 and spearman([1, 2], [7, 5]) == -1.0  # two values: ranks ±0.5
    assert spearman([[1, 2], [3, 4]], [1, 2, 3, 4]) == pytest.approx(1.0)  # any shape, flattened
    # ties on both sides: ranks [0, 1.5, 1.5, 3] and [0.5, 0.5, 2, 3] (Pearson of the ranks)
    ra, rb = np.array([0, 1.5, 1.5, 3]) - 1.5, np.array([0.5, 0.5, 2, 3]) - 1.5
    expected = np.sum(ra * rb) / np.sqrt(np.sum(ra**2) * np.sum(rb**2))
    assert spearman([1, 2, 2, 3], [1, 1, 2, 3]) == pytest.approx(expected, abs=1e-15)
    assert np.isnan(spearman([1, 1, 1], [1, 2, 3])) and np.isnan(spearman([1, 2, 3], [4, 4, 4]))
    with pytest.raises(ValueError, match=r"^spearman: inputs contain NaN or infinite values$"):
        spearman([1, 2], [1, np.inf])


def test_flags_rank_as_numbers_and_either_side_may_come_in_any_shape():
    from crfiqa_tf.evaluation.rank_correlation import average_ranks

    np.testing.assert_array_equal(average_ranks([True, False, True, False]), [2.5, 0.5, 2.5, 0.5])
    assert spearman([True, False, True], [3, 1, 2]) == pytest.approx(np.corrcoef([1.5, 0, 1.5], [2, 0, 1])[0, 1])
    assert spearman([1, 2, 3, 4], [[1, 2], [3, 4]]) == pytest.approx(1.0)


def test_a_constant_side_gives_nan_without_a_division_warning():
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert np.isnan(spearman([2, 2, 2], [1, 2, 3]))
