"""Quality per group: the disparity flag on synthetic sets where one group's images are degraded more (raised) and
where groups are drawn alike (not raised); intervals, small groups and the groups file's checks."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.groups import group_report, read_groups, report_lines, sample_groups_for_pairs


def synthetic_set(degraded_group: str | None, groups=("a", "b", "c"), pairs_per_group=1500, seed=0):
    """Pairs of each group (half mated); a sample's quality is drawn per image, and a mated pair's score falls with
    its lower quality. The `degraded_group`'s images have their quality lowered by one unit."""
    rng = np.random.default_rng(seed)
    scores, issame, quality, labels = [], [], [], []
    for group in groups:
        for index in range(pairs_per_group):
            q = rng.normal(0.0, 1.0, 2) - (1.0 if group == degraded_group else 0.0)
            mated = index % 2 == 0
            score = 0.6 + 0.15 * min(q) + rng.normal(0, 0.1) if mated else rng.normal(0.0, 0.1)
            scores.append(score)
            issame.append(mated)
            quality += list(q)
            labels += [group, group]
    return np.array(scores), np.array(issame), np.array(quality), labels


def test_a_group_degraded_more_is_flagged():
    scores, issame, quality, labels = synthetic_set("b")
    report = group_report(scores, issame, quality, labels, fmr=1e-2, reject_below=-1.28, bootstrap=200)
    rates = {name: g["rejected_fraction"] for name, g in report["groups"].items()}
    assert rates["b"] > 3 * rates["a"] and report["disparity_flag"] and report["rejection_ratio"] > 1.25
    b, a = report["groups"]["b"], report["groups"]["a"]
    assert b["quality"]["p50"] < a["quality"]["p50"] - 0.8
    assert b["starting_fnmr"] > a["starting_fnmr"]  # the degraded group's mated scores fall too
    for entry in report["groups"].values():
        low, high = entry["pauc_ci95"]
        assert low <= entry["pauc"] <= high and entry["status"] == "ok"
    assert any("FLAG" in line for line in report_lines(report))


def test_groups_drawn_alike_are_not_flagged():
    scores, issame, quality, labels = synthetic_set(None)
    report = group_report(scores, issame, quality, labels, fmr=1e-2, reject_below=-1.28, bootstrap=200)
    rates = [g["rejected_fraction"] for g in report["groups"].values()]
    assert all(0.07 < r < 0.13 for r in rates)  # ~10 % below the normal's 10 % point
    assert not report["disparity_flag"] and report["rejection_ratio"] <= 1.25
    intervals = [g["pauc_ci95"] for g in report["groups"].values()]
    assert max(low for low, _ in intervals) < min(high for _, high in intervals)  # intervals overlap


def test_small_groups_are_reported_not_merged_and_cross_group_pairs_counted():
    scores, issame, quality, labels = synthetic_set(None, groups=("a",), pairs_per_group=400)
    labels[0:6] = ["tiny"] * 6  # pairs 0-2: two mated pairs
    labels[9] = "other"  # pair 4 (mated) has two labels
    report = group_report(scores, issame, quality, labels, fmr=1e-2, reject_below=0.0, min_pairs=20, bootstrap=50)
    assert report["groups"]["tiny"]["status"].startswith("too_few_pairs: 2 mated pairs")
    assert "pauc" not in report["groups"]["tiny"] and report["groups"]["a"]["status"] == "ok"
    assert report["cross_group_mated_pairs"] == 1 and "tiny" not in report["curves"]
    assert report["groups"]["a"]["mated_pairs"] == 200 - 2 - 1  # minus tiny's two and the cross-group one


def test_a_groups_file_keyed_by_pair(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("pair,group\n0,a\n1,b\n")
    assert read_groups(str(path), ["0", "1", "2"], "pair") == {"0": "a", "1": "b"}
    assert sample_groups_for_pairs({"0": "a", "1": "b"}, 3) == ["a", "a", "b", "b", None, None]


def small_set(rates: dict[str, tuple[int, int]]):
    """Per group (rejected images, all images): mated pairs of two images each, the rejected ones at quality 0 and
    the others at 1; one non-mated pair of unlabelled images at score 0.1. Mated scores 0.9, or 0.05 for a pair
    holding a rejected image (an error at the threshold just above 0.1)."""
    scores, issame, quality, labels = [0.1], [False], [1.0, 1.0], [None, None]
    for group, (rejected, images) in rates.items():
        values = [0.0] * rejected + [1.0] * (images - rejected)
        for pair in range(images // 2):
            a, b = values[2 * pair], values[2 * pair + 1]
            scores.append(0.05 if min(a, b) == 0 else 0.9)
            issame.append(True)
            quality += [a, b]
            labels += [group, group]
    return np.array(scores), np.array(issame), np.array(quality), labels


def test_the_flag_is_raised_above_the_ratio_not_at_it():
    # rejection rates 5/20 and 4/20: ratio exactly 1.25, the four-fifths line itself, no flag
    at = group_report(*small_set({"a": (5, 20), "b": (4, 20)}), fmr=0.0, reject_below=0.5, min_pairs=1, bootstrap=5)
    assert at["rejection_ratio"] == pytest.approx(1.25) and not at["disparity_flag"]
    assert at["groups"]["a"]["rejected_fraction"] == 0.25 and at["groups"]["b"]["rejected_fraction"] == 0.2
    above = group_report(*small_set({"a": (6, 20), "b": (4, 20)}), fmr=0.0, reject_below=0.5, min_pairs=1, bootstrap=5)
    assert above["rejection_ratio"] == pytest.approx(1.5) and above["disparity_flag"]
    assert report_lines(at)[-1] == "highest / lowest rejection rate: 1.25 (no flag; flagged above 1.25)"
    assert report_lines(above)[-1] == "highest / lowest rejection rate: 1.50 (FLAG; flagged above 1.25)"


def test_a_quality_at_the_threshold_is_kept_and_rates_of_zero_give_their_own_ratio():
    scores, issame, quality, labels = small_set({"a": (2, 4), "b": (0, 4)})
    at_threshold = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.0, min_pairs=1, bootstrap=3)
    assert at_threshold["groups"]["a"]["rejected_fraction"] == 0.0  # quality 0 is not below 0
    assert at_threshold["rejection_ratio"] == 1.0 and not at_threshold["disparity_flag"]  # nobody rejected
    one_sided = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, min_pairs=1, bootstrap=3)
    assert one_sided["rejection_ratio"] == float("inf") and one_sided["disparity_flag"]
    empty = group_report([0.1], [False], [1.0, 1.0], [None, None], fmr=0.0, reject_below=0.5, bootstrap=3)
    assert empty["groups"] == {} and empty["rejection_ratio"] == 1.0 and empty["ungrouped_images"] == 2


def test_every_figure_of_a_small_report_is_known():
    scores, issame, quality, labels = small_set({"a": (2, 8), "b": (0, 4)})
    labels[-1] = "a"  # b's last mated pair now crosses groups: it counts for neither EDC
    report = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, min_pairs=3, bootstrap=20)
    assert report["comparison_threshold"] == np.nextafter(0.1, 1.0)  # from the non-mated scores only
    assert (report["fmr"], report["reject_below"], report["bootstrap"], report["min_pairs"]) == (0.0, 0.5, 20, 3)
    assert report["ungrouped_images"] == 2 and report["cross_group_mated_pairs"] == 1
    a, b = report["groups"]["a"], report["groups"]["b"]
    assert (a["images"], a["mated_pairs"], b["images"], b["mated_pairs"]) == (9, 4, 3, 1)
    assert a["quality"]["mean"] == pytest.approx(7 / 9) and a["quality"]["p50"] == 1.0 and a["quality"]["p5"] == 0.0
    assert b["status"] == "too_few_pairs: 1 mated pairs, fewer than 3: no EDC" and "b" not in report["curves"]
    # a: mated pairs (0,0), (1,1)×3 → one error at the lowest pair quality; the EDC discards it first
    assert a["status"] == "ok" and a["starting_fnmr"] == 0.25 and report["curves"]["a"].starting_fnmr == 0.25
    assert a["pauc"] == pytest.approx(0.25 * 0.2)  # FNMR 1/4 until 1/4 discarded: the whole 0–0.2 at 1/4
    low, high = a["pauc_ci95"]
    assert 0.0 <= low <= a["pauc"] <= high <= 0.2  # resampled pairs: none or up to all four with the error
    again = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, min_pairs=3, bootstrap=20)
    assert again["groups"]["a"]["pauc_ci95"] == a["pauc_ci95"]  # seeded
    lines = report_lines(report)
    assert lines[1] == "| group | images | mated pairs | rejected | median quality | pAUC | 95 % interval |"
    assert lines[2] == "|---|---|---|---|---|---|---|"
    assert lines[3] == f"| a | 9 | 4 | 22.2% | 1.0000 | 0.0500 | {low:.4f}–{high:.4f} |"
    assert lines[4] == "| b | 3 | 1 | 0.0% | 1.0000 | too few pairs |  |"


def test_the_default_settings():
    scores, issame, quality, labels = small_set({"a": (2, 40), "b": (0, 38)})
    report = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5)
    assert (report["min_pairs"], report["bootstrap"]) == (20, 1000)
    assert report["groups"]["a"]["status"] == "ok" and report["groups"]["b"]["status"].startswith("too_few_pairs: 19")
    seeded = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, seed=0)
    assert seeded["groups"]["a"]["pauc_ci95"] == report["groups"]["a"]["pauc_ci95"]


def test_a_groups_file_keyed_by_path(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text('path,group\n"a, 1.png",x\r\nb.png, y \n')  # quoted commas, CRLF, padded labels
    assert read_groups(str(path), ["a, 1.png", "b.png"], "path") == {"a, 1.png": "x", "b.png": "y"}


KEYS = {"pair": ["0", "1", "2"], "path": ["a, 1.png", "b.png"]}


@pytest.mark.parametrize(
    "column, text, message",
    [
        ("pair", "image,group\na.png,x\n", r"groups\.csv:1: a groups file needs the columns pair,group"),
        ("pair", "pair,group\n0,a\n7,b\n", r"groups\.csv:3: unknown pair number '7'"),
        ("pair", "pair,group\n0,\n", r"groups\.csv:2: empty group label"),
        ("pair", "pair,group\n0,a\n0,b\n", r"groups\.csv:3: '0' is labelled 'a' earlier and 'b' here"),
        ("path", "path,group\nc.png,x\n", r"groups\.csv:2: unknown image 'c.png': not in the evaluation set$"),
        ("path", "path,group\n,x\n", r"groups\.csv:2: unknown image '': not in the evaluation set$"),
        ("path", "path,group\n", r"groups\.csv: no rows$"),
        ("path", "path\nb.png\n", r"groups\.csv:1: a groups file needs the columns path,group; found path$"),
        (
            "path",
            "path,label\nb.png,x\n",
            r"groups\.csv:1: a groups file needs the columns path,group; found path,label$",
        ),
    ],
)
def test_each_refusal_of_a_groups_file_names_its_line(tmp_path, column, text, message):
    path = tmp_path / "groups.csv"
    path.write_text(text)
    with pytest.raises(ValueError, match=message):
        read_groups(str(path), KEYS[column], column)


def test_a_pairs_quality_is_its_lower_image_and_an_unlabelled_image_crosses_no_group():
    # group a: mated pairs whose first image is the poor one (quality 0, score an error) and the rest good
    scores = [0.1, 0.05, 0.9, 0.9, 0.9, 0.9]
    issame = [False, True, True, True, True, True]
    quality = [1, 1, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1]
    labels = [None, None, "a", "a", "a", "a", "a", "a", "a", "a", None, "b"]  # the last pair: one image unlabelled
    report = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, min_pairs=1, bootstrap=3)
    assert report["cross_group_mated_pairs"] == 0 and report["ungrouped_images"] == 3
    a = report["groups"]["a"]
    assert a["mated_pairs"] == 4 and a["starting_fnmr"] == 0.25
    np.testing.assert_allclose(report["curves"]["a"].fnmr, [0.25, 0.0])  # the error's pair (0, 1) goes first
    assert report["groups"]["b"]["mated_pairs"] == 0


def test_the_bootstrap_interval_is_the_2_5_and_97_5_percentiles_of_resampled_pairs():
    from crfiqa_tf.evaluation.edc import edc_curve

    scores, issame, quality, labels = small_set({"a": (3, 12), "b": (1, 10)})
    report = group_report(scores, issame, quality, labels, fmr=0.0, reject_below=0.5, min_pairs=1, bootstrap=50)
    threshold = report["comparison_threshold"]
    pair_quality = np.minimum(quality[0::2], quality[1::2])
    rng = np.random.default_rng(0)  # the report's seed; groups in name order
    for group in ("a", "b"):
        mated = np.flatnonzero(issame & (np.array(labels[0::2], object) == group))
        samples = []
        for _ in range(50):
            pick = rng.choice(mated, size=mated.size, replace=True)
            samples.append(edc_curve(scores[pick], pair_quality[pick], threshold=threshold).pauc[0.2])
        expected = np.percentile(samples, [2.5, 97.5])
        np.testing.assert_allclose(report["groups"][group]["pauc_ci95"], expected)
