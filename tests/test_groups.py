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


def test_groups_file_errors_name_the_line(tmp_path):
    path = tmp_path / "groups.csv"
    path.write_text("pair,group\n0,a\n1,b\n")
    assert read_groups(str(path), ["0", "1", "2"], "pair") == {"0": "a", "1": "b"}
    assert sample_groups_for_pairs({"0": "a", "1": "b"}, 3) == ["a", "a", "b", "b", None, None]
    cases = {
        "image,group\na.png,x\n": r"groups\.csv:1: a groups file needs the columns pair,group",
        "pair,group\n0,a\n7,b\n": r"groups\.csv:3: unknown pair number '7'",
        "pair,group\n0,\n": r"groups\.csv:2: empty group label",
        "pair,group\n0,a\n0,b\n": r"groups\.csv:3: '0' is labelled 'a' earlier and 'b' here",
    }
    for text, message in cases.items():
        path.write_text(text)
        with pytest.raises(ValueError, match=message):
            read_groups(str(path), ["0", "1", "2"], "pair")
