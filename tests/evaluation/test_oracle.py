"""crfiqa_tf.evaluation.oracle and quality_table: the oracle's curve, the random expectation and the share of the
gap closed, by hand."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.oracle import gap_closed, oracle_curve, random_pauc
from crfiqa_tf.evaluation.protocols import ComparisonSet
from crfiqa_tf.evaluation.quality_table import ORACLE, markdown, quality_rows


def test_the_oracle_discards_the_failing_comparisons_first():
    scores = np.array([0.9, 0.1, 0.8, 0.2, 0.7, 0.6, 0.95, 0.85, 0.75, 0.65])  # two failures below 0.5
    curve = oracle_curve(scores, threshold=0.5, pauc_limits=(0.2,))
    assert curve.starting_fnmr == pytest.approx(0.2)
    # discarding 0, 1, 2 of 10: FNMR 2/10, 1/9, 0/8 → area 0.1·0.2 + 0.1·(1/9)
    assert curve.pauc[0.2] == pytest.approx(0.1 * 0.2 + 0.1 / 9)
    assert curve.pauc_minus_best[0.2] == pytest.approx(0.0)


def test_gap_closed_is_zero_for_random_one_for_the_oracle_and_nan_without_failures():
    assert random_pauc(0.2, 0.3) == pytest.approx(0.06)
    assert gap_closed(0.06, 0.2, 0.01, 0.3) == pytest.approx(0.0)
    assert gap_closed(0.01, 0.2, 0.01, 0.3) == pytest.approx(1.0)
    assert gap_closed(0.035, 0.2, 0.01, 0.3) == pytest.approx(0.5)
    assert gap_closed(0.08, 0.2, 0.01, 0.3) == pytest.approx(-0.4)  # worse than random
    assert np.isnan(gap_closed(0.0, 0.0, 0.0, 0.3))


def comparisons():
    # 6 samples; mated pairs (0,1) (2,3) (4,5); non-mated scores spread so that FMR 0.1 sets the threshold at 0.5
    return ComparisonSet(
        np.array([0, 2, 4]), np.array([1, 3, 5]), np.array([0.9, 0.3, 0.8]), np.linspace(-0.4, 0.5, 10), 10
    )


def test_quality_rows_pair_the_minimum_quality_and_add_the_oracle():
    good = np.array([5, 5, 1, 9, 6, 7])  # pair (2,3) has the lowest minimum: the failure goes first
    bad = np.array([1, 9, 8, 9, 9, 9])  # pair (0,1) goes first: a success
    rows, curves = quality_rows(comparisons(), {"good": good, "bad": bad}, fmrs=(0.1,), limits=(0.4,))
    assert [row["method"] for row in rows] == ["good", "bad", ORACLE]
    by_name = {row["method"]: row for row in rows}
    assert by_name["good"]["starting_fnmr"] == pytest.approx(1 / 3)
    assert by_name["good"]["gap_closed@0.4"] == pytest.approx(1.0)
    # bad: discards (0,1) at 1/3, FNMR 1/2 after it → area 1/3·1/3 + (0.4 − 1/3)·1/2; random 0.4/3; oracle 1/3·1/3
    random, oracle, bad_area = 0.4 / 3, 1 / 9, 1 / 9 + (0.4 - 1 / 3) / 2
    assert by_name["bad"]["pauc@0.4"] == pytest.approx(bad_area)
    assert by_name["bad"]["gap_closed@0.4"] == pytest.approx((random - bad_area) / (random - oracle))
    assert rows[-1]["random_expected@0.4"] == pytest.approx(random)
    assert set(curves[0.1]) == {"good", "bad", ORACLE}
    assert curves[0.1]["good"].pauc[0.4] == pytest.approx(1 / 9) and curves[0.1][ORACLE].pauc[0.4] == pytest.approx(
        1 / 9
    )
    table = markdown(rows, limits=(0.4,))
    assert table.splitlines()[:2] == [
        "| method | FMR | FNMR | pAUC@0.4 | gap closed@0.4 |",
        "|---|---|---|---|---|",
    ]
    assert "| good | 0.1 | 0.3333 | 0.1111 | 100.0 % |" in table and table.count("\n") == 4


def test_a_set_without_failures_has_no_gap_to_close_and_says_so():
    perfect = ComparisonSet(np.array([0, 2]), np.array([1, 3]), np.array([0.9, 0.8]), np.linspace(-0.4, 0.5, 10), 10)
    rows, _ = quality_rows(perfect, {"q": np.array([1, 2, 3, 4])}, fmrs=(0.1,), limits=(0.2,))
    assert np.isnan(rows[0]["gap_closed@0.2"])
    assert "| q | 0.1 | 0.0000 | 0.0000 | – |" in markdown(rows, limits=(0.2,))
    rows[0]["gap_closed@0.2"] = 0.25
    assert "| q | 0.1 | 0.0000 | 0.0000 | 25.0 % |" in markdown(rows[:1], limits=(0.2,))
