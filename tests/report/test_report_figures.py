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


# --- every other piece of the page, by value ---------------------------------------------------------------------


def test_bar_geometry_and_axis_labels_by_value():
    from crfiqa_tf.report.page import histogram_svg

    svg = histogram_svg([1, 4, 0, 2], 0.0, 2.0, "raw <quality>", [])
    rects = re.findall(r'<rect class="bar" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" height="([\d.]+)"', svg)
    plot_h, step = 220 - 28 - 16, PLOT_W / 4
    expected = [
        (LEFT + i * step, 16 + plot_h - plot_h * c / 4, step - 1, plot_h * c / 4) for i, c in enumerate([1, 4, 0, 2])
    ]
    assert [tuple(map(float, r)) for r in rects] == [tuple(round(v, 1) for v in e) for e in expected]
    titles = re.findall(r"<title>([^<]*)</title>", svg)
    assert titles == ["0: 1", "0.5: 4", "1: 0", "1.5: 2"]  # each bar's lower edge and count
    assert '<text x="48" y="212" font-size="11">0</text>' in svg  # low end
    assert f'<text x="{LEFT + PLOT_W}" y="212" font-size="11" text-anchor="end">2</text>' in svg  # high end
    assert ">raw &lt;quality&gt;</text>" in svg and 'text-anchor="end">4</text>' in svg  # escaped label; the peak
    assert bars(histogram_svg([0, 0], 0.0, 1.0, "x", [])) == [0, 0]  # an empty histogram draws flat bars


def test_table_cells_numbers_and_escaping_by_value():
    from crfiqa_tf.report.page import number, table

    assert [number(v) for v in (0.123456, 12345.6, 1234567.0, None)] == ["0.1235", "12,346", "1,234,567", ""]
    html = table(["name", "n", "share"], [["<a&b>", 1234, 0.5], ["x", "—", None]], numeric={1, 2})
    assert cells(html) == [["&lt;a&amp;b&gt;", "1234", "0.5"], ["x", "—", ""]]
    assert '<td class="n" data-value="1234">1,234</td>' in html and '<td class="n" data-value="0.5">0.5</td>' in html
    assert html.startswith('<table class="sortable"><thead><tr><th>name</th><th>n</th><th>share</th></tr></thead>')
    assert table(["a"], [], sortable=False).startswith("<table><thead>")


def test_face_cards_by_value():
    from crfiqa_tf.report.page import face_card

    row = ResultRow("g/a.jpg", 0.51234567, 61.25, 2, reasons=["TOO_DARK"], instructions=["more light"], warning="w!")
    card = face_card(row, {"photo": "data:p", "aligned": "data:a"}, None)
    assert '<img class="thumb" alt="face in its photo" src="data:p">' in card
    assert '<img class="thumb aligned" alt="aligned crop" src="data:a">' in card
    assert "<b>score 61.2 · quality 0.51235</b> · face 2</div><div>g/a.jpg</div>" in card
    assert '<span class="reason">TOO_DARK</span>' in card and "<li>more light</li>" in card
    assert "<div class=note>w!</div>" in card
    aligned_input = face_card(ResultRow("b.png", 0.2), {"photo": "data:b"}, None)
    assert '<img class="thumb" alt="aligned input" src="data:b">' in aligned_input and "score" not in aligned_input
    assert "face " not in aligned_input and "class=note" not in aligned_input
    missing = face_card(ResultRow("gs://x/c.png", 0.2), {}, "permission denied")
    assert '<p class="missing">source not readable (permission denied): no thumbnail</p>' in missing


def test_failures_and_files_not_read_are_listed_and_counted_by_value():
    from crfiqa_tf.report.page import failures_section, not_read_note

    rows = hand_rows()
    summary = summary_of(rows)
    failed = [row for row in rows if row.error]
    assert cells(failures_section(summary)) == [[r.path, r.stage, r.error, r.message] for r in failed]
    assert failures_section(summary_of([r for r in rows if not r.error])) == "<p>No failures.</p>"
    note = not_read_note([f"f{i}.txt" for i in range(23)])
    assert "23 files of the results folders are not results" in note
    assert note.count("<li><code>") == 20 and "<li>... and 3 more</li>" in note
    assert "and" not in not_read_note(["a.txt"]).split("</p>")[1] and not_read_note([]) == ""


def test_markdown_tables_and_the_page_frame_by_value():
    from crfiqa_tf import __version__
    from crfiqa_tf.report.page import markdown_table, page

    html = markdown_table(["| method | pAUC |", "|---|---:|", "| CR-FIQA | 0.08 |", "text outside"])
    assert cells(html) == [["CR-FIQA", "0.08"]] and "<th>method</th><th>pAUC</th>" in html
    assert markdown_table(["no table here"]) == ""
    document = page("Review <1>", ["a.csv", "gs://b/c.parquet"], [("counts", "Counts", "<p>x</p>")], "today")
    assert document.startswith('<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Review &lt;1&gt;')
    assert f"<p class=note>crfiqa-tf {__version__} · today</p>" in document
    assert "<li><code>a.csv</code></li><li><code>gs://b/c.parquet</code></li>" in document
    assert '<section id="counts"><h2>Counts</h2><p>x</p></section>' in document
    assert document.endswith("</script></body></html>") and "table.sortable th" in document


def test_groups_past_the_shown_ones_are_said_and_unknown_thresholds_leave_their_column_out():
    from crfiqa_tf.report.page import groups_section

    rows = [ResultRow(f"g{i}/x.jpg", float(i), None) for i in range(5)]
    html = groups_section(summary_of(rows), shown=3)
    assert len(cells(html)) == 3 and "2 more groups not shown (the worst 3 are)." in html
    assert "share below" not in html and "<p>by folder, worst mean quality first.</p>" in html
    assert [row[0] for row in cells(html)] == ["g0", "g1", "g2"]
    by_column = Summary(group_by="camera")
    by_column.add(ResultRow("a.jpg", 0.5, columns={"camera": "<cam 1>"}))
    by_column.add(ResultRow("b.jpg", 0.4))
    html = groups_section(by_column)
    assert "<p>by <code>camera</code>, worst mean quality first.</p>" in html
    assert [row[0] for row in cells(html)] == ["(none)", "&lt;cam 1&gt;"]


def test_no_faces_and_no_reasons_are_said():
    assert histogram_section(summary_of([]), THRESHOLDS) == "<p>No face was scored.</p>"
    assert "No reasons in these results" in reasons_section(summary_of(hand_rows()[:0]))


def headers(html_table):
    return re.findall(r"<th>([^<]*)</th>", html_table.split("</thead>")[0])


def numeric_columns(html_table):
    first = re.search(r"<tbody><tr>(.*?)</tr>", html_table).group(1)
    return [i for i, cell in enumerate(re.findall(r"<td([^>]*)>", first)) if 'class="n"' in cell]


def test_every_table_has_its_headers_and_right_aligned_numbers():
    rows = hand_rows()
    summary = summary_of(rows, threshold=0.9)
    reasons = reasons_section(summary)
    assert headers(reasons) == ["reason", "faces", "share of faces", "instruction"] and numeric_columns(reasons) == [
        1,
        2,
    ]
    groups = groups_section(summary)
    assert headers(groups) == [
        "group", "files", "faces", "errors", "mean quality", "mean score", "share with reasons",
        "share below the 10 % reject point",
    ]  # fmt: skip
    assert numeric_columns(groups) == [1, 2, 3, 4, 5, 6, 7]
    assert headers(groups_section(summary_of(rows)))[-1] == "share with reasons"  # no threshold: no share below it
    counts = counts_section(summary)
    errors = counts.split("<h3>Errors by kind</h3>")[1]
    assert headers(errors) == ["stage", "cause", "count"] and numeric_columns(errors) == [2]
    from crfiqa_tf.report.page import failures_section

    failures = failures_section(summary)
    assert headers(failures) == ["path", "stage", "cause", "detail"] and numeric_columns(failures) == []
    assert "<h3>Errors by kind</h3>" not in counts_section(summary_of([r for r in rows if not r.error]))


def test_notes_under_the_histogram_and_the_tables_by_value():
    from crfiqa_tf.report import page, summary
    from crfiqa_tf.report.page import failures_section

    rows = hand_rows(calibrated=False)
    half = [ResultRow(r.path, r.quality, 50.0 if i % 2 else None) for i, r in enumerate(rows) if r.is_face]
    note = re.search(r'<p class="note">([^<]*)</p>', histogram_section(summary_of(half), [])).group(1)
    assert note == (
        f"All {len(half):,} faces. Some rows have no quality_score (no calibration): raw quality shown. No calibration "
        "given (--calibration): reject points not drawn."
    )
    raw = histogram_section(summary_of(rows), [], calibration_given=True)
    assert "No calibration given" not in raw and "Some rows have no quality_score" not in raw
    failed = [ResultRow(f"f{i}.jpg", error="corrupt", stage="read") for i in range(summary.MAX_FAILURES_LISTED + 7)]
    assert '<p class="note">7 more not listed.</p>' in failures_section(summary_of(failed))
    assert "more not listed" not in failures_section(summary_of(failed[:3]))
    many = Summary()
    for i in range(4):
        many.add(ResultRow(f"g{i}/x.jpg", 0.5))
    original = summary.MAX_GROUPS
    try:
        summary.MAX_GROUPS = 2
        crowded = Summary()
        for i in range(4):
            crowded.add(ResultRow(f"g{i}/x.jpg", 0.5))
    finally:
        summary.MAX_GROUPS = original
    assert '<p class="note">Groups past the first 2 are counted together.</p>' in page.groups_section(crowded)
    assert "counted together" not in page.groups_section(many)


def test_the_histogram_axis_by_value():
    from crfiqa_tf.report.page import histogram_svg

    svg = histogram_svg([3], -1.0, 1.0, "score", [])
    plot_w, plot_h = PLOT_W, 220 - 28 - 16
    assert f'<line x1="{LEFT}" x2="{LEFT + plot_w}" y1="{16 + plot_h}" y2="{16 + plot_h}" stroke="#57606a"/>' in svg
    assert f'<text x="{LEFT + plot_w / 2}" y="212" font-size="11" text-anchor="middle">score</text>' in svg
    assert f'<text x="{LEFT - 4}" y="22" font-size="11" text-anchor="end">3</text>' in svg
    assert re.findall(r'class="bar"[^>]*width="([\d.]+)"', svg) == [f"{PLOT_W - 1:.1f}"]  # one bar spans the plot
    assert svg.startswith('<svg id="histogram" xmlns="http://www.w3.org/2000/svg" width="720" height="220" role="img"')


def test_mark_geometry_bar_edges_off_zero_and_degenerate_ranges_by_value():
    from crfiqa_tf.report.page import histogram_svg

    plot_h = 220 - 28 - 16
    svg = histogram_svg([1, 2], -1.0, 3.0, "q", [(1.0, "reject 10%")])
    x = LEFT + PLOT_W * 2 / 4
    assert (
        f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="16" y2="{16 + plot_h}" stroke="#cf222e" '
        f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="26" font-size="11" fill="#cf222e">reject 10%</text>'
    ) in svg
    assert re.findall(r"<title>([^<]*)</title>", svg) == ["-1: 1", "1: 2"]  # each bar's lower edge, off zero
    assert marks(histogram_svg([1], 2.0, 2.0, "q", [(2.0, "x")])) == []  # an empty range draws no mark
    assert 'text-anchor="end">1</text>' in histogram_svg([0, 0], 0.0, 1.0, "q", [])  # no count: the peak label is 1
    narrow = histogram_svg([1] * 700, 0.0, 1.0, "q", [])
    assert set(re.findall(r'class="bar"[^>]*width="([\d.]+)"', narrow)) == {"1.0"}  # bars never thinner than 1 px
    constant = [ResultRow(f"{i}.jpg", 0.25) for i in range(5)]
    svg = histogram_section(summary_of(constant), [])
    assert bars(svg) == [5] + [0] * (SCORE_BINS - 1)  # every value in the first bin of a range one millionth wide


def test_the_last_items_of_every_list_and_the_page_title_by_value():
    from crfiqa_tf.report.page import failures_section, not_read_note, page

    note = not_read_note([f"f{i}.txt" for i in range(20)])
    assert note.count("<li><code>") == 20 and "more</li>" not in note and "<li><code>f19.txt</code></li>" in note
    document = page("Review <2>", [], [], "now")
    assert "<h1>Review &lt;2&gt;</h1>" in document
    unstaged = [ResultRow("x.jpg", error="corrupt", message="bad")]
    assert cells(failures_section(summary_of(unstaged))) == [["x.jpg", "score", "corrupt", "bad"]]
    groups = [ResultRow(f"g{i}/x.jpg", 0.5) for i in range(3)]
    assert "more groups not shown" not in groups_section(summary_of(groups), shown=3)
    with_failures_only = summary_of([ResultRow("empty/x.jpg", error="corrupt")] + groups[:1])
    assert [row[0] for row in cells(groups_section(with_failures_only))] == ["g0", "empty"]  # no faces: last


def test_a_sampled_raw_histogram_says_so():
    from crfiqa_tf.report import summary as summary_module

    original = summary_module.SAMPLE
    try:
        summary_module.SAMPLE = 10
        sampled = summary_of([ResultRow(f"{i}.jpg", float(i)) for i in range(40)])
    finally:
        summary_module.SAMPLE = original
    svg = histogram_section(sampled, [])
    assert "A uniform sample of 10 of 40 faces." in svg and sum(bars(svg)) == 10
