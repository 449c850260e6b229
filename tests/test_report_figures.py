"""The review report's figures by value (issue 53): from rows made by hand, every number the page draws — histogram
bars and their label, the reject marks' positions, the counts, reason shares, group shares and the share below the
reject point — is compared with the same figure computed here, in plain Python, from the rows."""

import random
import re
from collections import Counter

import numpy as np
import pytest

from crfiqa_tf.report.page import counts_section, groups_section, histogram_section, reasons_section
from crfiqa_tf.report.results import ResultRow
from crfiqa_tf.report.summary import SCORE_BINS, Summary

LEFT, PLOT_W = 48, 720 - 48 - 12  # the histogram's plot area (page.histogram_svg)
CODES = ["TOO_DARK", "BLURRED", "HEAD_TURNED", "EYES_CLOSED"]


def hand_rows(seed=0, calibrated=True):
    """Files in three folders, some with two faces, some failed, reasons drawn at random."""
    rng = random.Random(seed)
    rows = []
    for index in range(240):
        folder = ["gallery/a", "gallery/b", "gallery/c"][index % 3]
        path = f"{folder}/img{index:03d}.jpg"
        if rng.random() < 0.08:
            rows.append(ResultRow(path, error=rng.choice(["unreadable", "no_face"]), stage="read", message="x"))
            continue
        for face in range(2 if rng.random() < 0.2 else 1):
            quality = rng.uniform(-0.2, 2.4)
            score = 100 / (1 + np.exp(-(quality - 1.0) / 0.3)) if calibrated else None
            reasons = rng.sample(CODES, rng.choice([0, 0, 1, 2]))
            rows.append(
                ResultRow(
                    path, quality, score, face, reasons=reasons, instructions=[f"fix {c.lower()}" for c in reasons],
                    warning="small_face" if rng.random() < 0.1 else "",
                )
            )  # fmt: skip
    return rows


def summary_of(rows, threshold=None):
    summary = Summary(threshold=threshold)
    for row in rows:
        summary.add(row)
    return summary


def bars(svg):
    return [int(count) for count in re.findall(r'<rect class="bar"[^>]*data-count="(\d+)"', svg)]


def marks(svg):
    return [
        (float(x), text)
        for x, text in re.findall(r'<line class="mark" x1="([\d.]+)"[^>]*/><text[^>]*>([^<]*)</text>', svg)
    ]


def cells(html_table):
    """Rows of a rendered table: numeric cells as their data-value, others as text."""
    rows = []
    for body in re.findall(r"<tr>(.*?)</tr>", html_table.split("<tbody>")[1]):
        row = []
        for attributes, text in re.findall(r"<td([^>]*)>(.*?)</td>", body):
            value = re.search(r'data-value="([^"]*)"', attributes)
            row.append(value.group(1) if value else text)
        rows.append(row)
    return rows


THRESHOLDS = [
    {"reject_fraction": 0.05, "quality": 0.1, "quality_score": 5.0},
    {"reject_fraction": 0.10, "quality": 0.4, "quality_score": 12.5},
    {"reject_fraction": 0.20, "quality": 0.7, "quality_score": 26.9},
]


def test_the_score_histogram_its_label_and_its_reject_marks_by_value():
    rows = hand_rows()
    svg = histogram_section(summary_of(rows), THRESHOLDS)
    scores = [row.quality_score for row in rows if row.is_face]
    expected = [0] * SCORE_BINS
    for score in scores:
        expected[min(int(score // 2), SCORE_BINS - 1)] += 1  # 2 points a bin
    assert bars(svg) == expected and sum(expected) == len(scores)
    assert 'aria-label="histogram of quality_score (0–100)"' in svg
    assert [(round(x, 1), text) for x, text in marks(svg)] == [
        (round(LEFT + PLOT_W * t["quality_score"] / 100, 1), f"reject {round(t['reject_fraction'] * 100)}%")
        for t in THRESHOLDS
    ]
    assert f"All {len(scores):,} faces (exact)." in svg


def test_the_raw_histogram_its_label_and_its_reject_marks_by_value():
    rows = hand_rows(calibrated=False)
    svg = histogram_section(summary_of(rows), THRESHOLDS, calibration_given=True)
    qualities = np.array([row.quality for row in rows if row.is_face])
    low, high = qualities.min(), qualities.max()
    assert bars(svg) == np.histogram(qualities, bins=SCORE_BINS, range=(low, high))[0].tolist()
    assert 'aria-label="histogram of raw quality"' in svg
    assert [(round(x, 1), text) for x, text in marks(svg)] == [
        (round(LEFT + PLOT_W * (t["quality"] - low) / (high - low), 1), f"reject {round(t['reject_fraction'] * 100)}%")
        for t in THRESHOLDS
    ]


def test_reject_labels_are_stacked_so_that_close_points_stay_readable():
    svg = histogram_section(summary_of(hand_rows()), THRESHOLDS)
    label_y = [int(y) for y in re.findall(r'<line class="mark"[^>]*/><text x="[\d.]+" y="(\d+)"', svg)]
    assert label_y == [26, 39, 52]


def test_a_reject_point_at_either_end_is_drawn_and_one_outside_the_range_is_not():
    rows = hand_rows(calibrated=False)
    qualities = [row.quality for row in rows if row.is_face]
    ends = [
        {"reject_fraction": 0.05, "quality": min(qualities), "quality_score": 0.0},
        {"reject_fraction": 0.10, "quality": max(qualities), "quality_score": 0.0},
    ]
    assert [round(x, 1) for x, _ in marks(histogram_section(summary_of(rows), ends))] == [LEFT, LEFT + PLOT_W]
    outside = [{"reject_fraction": 0.05, "quality": -5.0, "quality_score": 0.0}]
    assert marks(histogram_section(summary_of(rows), outside)) == []
    assert "reject points not drawn" in histogram_section(summary_of(rows), [], calibration_given=True)


def test_counts_by_value():
    rows = hand_rows()
    html = counts_section(summary_of(rows))
    figures = dict(re.findall(r'data-figure="(\w+)">([\d,]+)<', html))
    files = len({row.path for row in rows})
    assert figures == {
        "files": f"{files:,}",
        "faces": f"{sum(row.is_face for row in rows):,}",
        "errors": f"{sum(bool(row.error) for row in rows):,}",
        "warnings": f"{sum(bool(row.warning) for row in rows):,}",
    }
    errors = Counter((row.stage, row.error) for row in rows if row.error)
    assert [(r[0], r[1], int(r[2])) for r in cells(html)] == [(s, c, n) for (s, c), n in errors.most_common()]


def test_reason_shares_by_value():
    rows = hand_rows()
    faces = [row for row in rows if row.is_face]
    got = cells(reasons_section(summary_of(rows)))
    counts = Counter(code for row in faces for code in row.reasons)
    assert [(r[0], int(r[1])) for r in got] == counts.most_common()
    for code, count, share, instruction in got:
        assert float(share) == pytest.approx(int(count) / len(faces)) and instruction == f"fix {code.lower()}"


def test_group_shares_and_the_share_below_the_reject_point_by_value():
    rows = hand_rows()
    threshold = 0.9
    got = cells(groups_section(summary_of(rows, threshold=threshold)))
    expected = []
    for folder in ("gallery/a", "gallery/b", "gallery/c"):
        mine = [row for row in rows if row.path.startswith(folder + "/")]
        faces = [row for row in mine if row.is_face]
        expected.append(
            [folder, len({row.path for row in mine}), len(faces), sum(bool(row.error) for row in mine),
             np.mean([r.quality for r in faces]), np.mean([r.quality_score for r in faces]),
             np.mean([bool(r.reasons) for r in faces]), np.mean([r.quality < threshold for r in faces])]
        )  # fmt: skip
    expected.sort(key=lambda row: row[4])  # worst mean quality first
    assert len(got) == 3
    for row, want in zip(got, expected):
        assert row[0] == want[0] and [int(v) for v in row[1:4]] == want[1:4]
        np.testing.assert_allclose([float(v) for v in row[4:]], want[4:], rtol=1e-9)
