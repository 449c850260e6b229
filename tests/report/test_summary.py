"""The report's streaming figures (`crfiqa_tf.report.summary`) at their boundaries: every count exact over several
rows of a kind, the extremes with more rows than N (what they carry, their order, ties), the reservoir's edge, the
group and failure caps, the thresholds' edge."""

import pytest

from crfiqa_tf.report.results import ResultRow
from crfiqa_tf.report.summary import MAX_FAILURES_LISTED, MAX_GROUPS, OTHER_GROUPS, SAMPLE, Summary


def face(path, quality, score=None, **extra):
    return ResultRow(path, quality, score, extra.pop("face_index", 0), **extra)


def test_counts_add_up_over_many_rows_of_each_kind():
    summary = Summary(extremes=1, threshold=0.5)
    for i in range(3):
        summary.add(face(f"g/{i}.jpg", 0.5, 10.0, reasons=["A"]))  # at the threshold: not below it
        summary.add(face(f"g/{i}.jpg", 0.2, 30.0, face_index=1, reasons=["A", "B"]))
        summary.add(ResultRow(f"g/x{i}.jpg", error="corrupt", stage="decode"))
    summary.add(ResultRow("g/y.jpg", error="corrupt", stage="decode"))
    summary.add(ResultRow("g/z.jpg", error="no_face"))
    assert (summary.rows, summary.files, summary.faces, summary.scored) == (11, 8, 6, 6)
    assert summary.errors == {("decode", "corrupt"): 4, ("score", "no_face"): 1}
    assert summary.reasons == {"A": 6, "B": 3}
    group = summary.groups["g"]
    assert (group.files, group.faces, group.errors, group.scores, group.with_reasons, group.below_threshold) == (
        8, 6, 5, 6, 6, 3,
    )  # fmt: skip
    assert group.mean_quality == pytest.approx(0.35) and group.mean_score == pytest.approx(20.0)
    assert (summary.quality_min, summary.quality_max) == (0.2, 0.5)
    assert [(r.path, r.stage, r.error) for r in summary.failures] == [
        ("g/x0.jpg", "decode", "corrupt"),
        ("g/x1.jpg", "decode", "corrupt"),
        ("g/x2.jpg", "decode", "corrupt"),
        ("g/y.jpg", "decode", "corrupt"),
        ("g/z.jpg", "", "no_face"),
    ]


def test_the_extremes_carry_what_the_page_shows_in_order_with_ties_first_read_first():
    summary = Summary(extremes=3)
    qualities = [0.5, 0.1, 0.9, 0.1, 0.7, 0.3, 0.9, 0.2]
    for i, quality in enumerate(qualities):
        summary.add(
            face(f"p{i}", quality, 10.0 * i, detection_score=0.5, box=(1, 2, 3, 4), landmarks=None,
                 reasons=[f"R{i}"], instructions=[f"do {i}"], warning=f"w{i}", origin="o.csv")
        )  # fmt: skip
    assert [r.path for r in summary.lowest] == ["p1", "p3", "p7"]
    assert [r.path for r in summary.highest] == ["p2", "p6", "p4"]
    kept = summary.lowest[0]
    assert (kept.quality, kept.quality_score, kept.face_index, kept.detection_score, kept.box) == (
        0.1, 10.0, 0, 0.5, (1, 2, 3, 4),
    )  # fmt: skip
    assert (kept.reasons, kept.instructions, kept.warning, kept.origin, kept.columns) == (
        ["R1"], ["do 1"], "w1", "o.csv", {},
    )  # fmt: skip


def test_no_extremes_when_none_are_asked_for():
    summary = Summary(extremes=0)
    for i in range(3):
        summary.add(face(f"p{i}", i / 10))
    assert summary.lowest == [] and summary.highest == [] and summary.faces == 3


def test_groups_past_the_cap_are_counted_together():
    summary = Summary(extremes=0)
    for i in range(MAX_GROUPS):
        summary.add(face(f"f{i}/a.jpg", 0.5))
    assert OTHER_GROUPS not in summary.groups and len(summary.groups) == MAX_GROUPS
    summary.add(face("f0/b.jpg", 0.5))  # a group already counted keeps its own row
    assert summary.groups["f0"].files == 2 and OTHER_GROUPS not in summary.groups
    summary.add(face("new/a.jpg", 0.5))
    summary.add(face("newer/a.jpg", 0.5))
    assert summary.groups[OTHER_GROUPS].files == 2 and len(summary.groups) == MAX_GROUPS + 1


def test_failures_listed_up_to_the_cap_and_counted_past_it():
    summary = Summary()
    for i in range(MAX_FAILURES_LISTED + 3):
        summary.add(ResultRow(f"x{i}", error="corrupt"))
    assert len(summary.failures) == MAX_FAILURES_LISTED and summary.failures[-1].path == f"x{MAX_FAILURES_LISTED - 1}"
    assert sum(summary.errors.values()) == MAX_FAILURES_LISTED + 3


@pytest.mark.parametrize(
    "path, group",
    [("a/b/c.jpg", "a/b"), ("c.jpg", "."), ("a\\b\\c.jpg", "a/b"), ("gs://bucket/x/c.jpg", "gs://bucket/x")],
)
def test_the_folder_of_a_path_is_its_group(path, group):
    assert Summary().group_of(ResultRow(path)) == group


def test_group_by_a_column_names_missing_values():
    summary = Summary(group_by="camera")
    assert summary.group_of(ResultRow("a", columns={"camera": "front"})) == "front"
    assert summary.group_of(ResultRow("a", columns={"camera": ""})) == "(none)"
    assert summary.group_of(ResultRow("a", columns={"camera": 0})) == "0"
    assert summary.group_of(ResultRow("a")) == "(none)"


def test_the_reservoir_is_full_at_its_size_and_exact_below_it():
    summary = Summary(extremes=0)
    for i in range(SAMPLE):
        summary.add(face("x", float(i)))
    assert not summary.sampled and sorted(summary.quality_sample) == [float(i) for i in range(SAMPLE)]
    summary.add(face("x", -1.0))
    assert summary.sampled and len(summary.quality_sample) == SAMPLE and summary.quality_min == -1.0
