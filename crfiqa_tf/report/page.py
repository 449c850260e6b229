"""The review report as one self-contained HTML page: styles, a small sorting script and every picture inline
(no server, no network), SVG for the histogram. Built with the standard library's `html.escape`: the page is a
handful of fixed sections, which a template engine would not make clearer, and the ``[edge]`` install needs no
new dependency for it."""

from __future__ import annotations

import html

from crfiqa_tf.report.summary import OTHER_GROUPS, SCORE_BINS, Summary

STYLE = """
body{font:14px/1.45 system-ui,sans-serif;margin:24px auto;max-width:1200px;color:#1b1f24;padding:0 16px}
h1{font-size:22px}h2{font-size:18px;margin-top:32px;border-bottom:1px solid #d0d7de;padding-bottom:4px}
table{border-collapse:collapse;margin:8px 0}td,th{border:1px solid #d0d7de;padding:3px 8px;text-align:left}
th{background:#f6f8fa;cursor:pointer}td.n{text-align:right;font-variant-numeric:tabular-nums}
.faces{display:flex;flex-wrap:wrap;gap:10px}.face{border:1px solid #d0d7de;border-radius:6px;padding:6px;
width:300px;margin:0;font-size:12px}.face img{vertical-align:top;margin-right:4px}.missing{color:#9a6700}
.reason{display:inline-block;background:#fff1e5;border-radius:4px;padding:0 4px;margin:1px}
.note{color:#57606a}dl.counts{display:grid;grid-template-columns:max-content max-content;gap:2px 16px}
dl.counts dt{color:#57606a}dl.counts dd{margin:0;font-weight:600}
"""

SORT_SCRIPT = """
document.querySelectorAll('table.sortable th').forEach(function (header, column) {
  header.title = 'sort';
  header.addEventListener('click', function () {
    var body = header.closest('table').tBodies[0], rows = Array.from(body.rows);
    var descending = header.dataset.order !== 'desc';
    header.dataset.order = descending ? 'desc' : 'asc';
    rows.sort(function (a, b) {
      var x = a.cells[column].dataset.value || a.cells[column].textContent;
      var y = b.cells[column].dataset.value || b.cells[column].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var order = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return descending ? -order : order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  });
});
"""


def esc(value) -> str:
    return html.escape("" if value is None else str(value))


def number(value, digits: int = 4) -> str:
    return "" if value is None else f"{value:.{digits}g}" if abs(value) < 1e4 else f"{value:,.0f}"


def table(headers: list[str], rows: list[list], sortable: bool = True, numeric=()) -> str:
    head = "".join(f"<th>{esc(h)}</th>" for h in headers)
    body = []
    for row in rows:
        cells = []
        for index, cell in enumerate(row):
            if index in numeric and isinstance(cell, (int, float)):
                text = f"{cell:,}" if isinstance(cell, int) else number(cell)
                cells.append(f'<td class="n" data-value="{cell}">{text}</td>')
            else:
                cells.append(f"<td>{esc(cell)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    kind = ' class="sortable"' if sortable else ""
    return f"<table{kind}><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


def histogram_svg(counts: list[int], low: float, high: float, label: str, marks: list[tuple[float, str]]) -> str:
    """Bars of `counts` over [low, high] with vertical lines at `marks` (value, label)."""
    width, height, left, bottom = 720, 220, 48, 28
    plot_w, plot_h = width - left - 12, height - bottom - 16
    peak = max(counts) if counts and max(counts) > 0 else 1
    step = plot_w / max(1, len(counts))
    bars = []
    for index, count in enumerate(counts):
        bar_h = plot_h * count / peak
        x, y = left + index * step, 16 + plot_h - bar_h
        edge = low + (high - low) * index / len(counts)
        bars.append(
            f'<rect class="bar" x="{x:.1f}" y="{y:.1f}" width="{max(step - 1, 1):.1f}" height="{bar_h:.1f}" '
            f'fill="#4c78a8" data-count="{count}"><title>{number(edge)}: {count}</title></rect>'
        )
    lines = []
    for index, (value, text) in enumerate(marks):
        if low <= value <= high and high > low:
            x = left + plot_w * (value - low) / (high - low)
            label_y = 26 + 13 * index  # stacked: reject points can lie a few pixels apart
            lines.append(
                f'<line class="mark" x1="{x:.1f}" x2="{x:.1f}" y1="16" y2="{16 + plot_h}" stroke="#cf222e" '
                f'stroke-dasharray="4 3"/><text x="{x + 3:.1f}" y="{label_y}" font-size="11" fill="#cf222e">'
                f"{esc(text)}</text>"
            )
    axis = (
        f'<line x1="{left}" x2="{left + plot_w}" y1="{16 + plot_h}" y2="{16 + plot_h}" stroke="#57606a"/>'
        f'<text x="{left}" y="{height - 8}" font-size="11">{number(low)}</text>'
        f'<text x="{left + plot_w}" y="{height - 8}" font-size="11" text-anchor="end">{number(high)}</text>'
        f'<text x="{left + plot_w / 2}" y="{height - 8}" font-size="11" text-anchor="middle">{esc(label)}</text>'
        f'<text x="{left - 4}" y="22" font-size="11" text-anchor="end">{peak}</text>'
    )
    return (
        f'<svg id="histogram" xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'role="img" aria-label="histogram of {esc(label)}">{axis}{"".join(bars)}{"".join(lines)}</svg>'
    )


def histogram_section(summary: Summary, thresholds: list[dict], calibration_given: bool = False) -> str:
    if not summary.faces:
        return "<p>No face was scored.</p>"
    if summary.scored == summary.faces:
        counts, low, high, label = summary.score_bins, 0.0, 100.0, "quality_score (0–100)"
        marks = [(t["quality_score"], f"reject {t['reject_fraction']:.0%}") for t in thresholds if "quality_score" in t]
        note = f"All {summary.faces:,} faces (exact)."
    else:
        import numpy as np

        sample = np.asarray(summary.quality_sample, np.float64)
        low, high = float(summary.quality_min), float(summary.quality_max)
        if high <= low:
            high = low + 1e-6
        counts = np.histogram(sample, bins=SCORE_BINS, range=(low, high))[0].tolist()
        label = "raw quality"
        marks = [(t["quality"], f"reject {t['reject_fraction']:.0%}") for t in thresholds]
        note = (
            f"A uniform sample of {len(sample):,} of {summary.faces:,} faces."
            if summary.sampled
            else f"All {summary.faces:,} faces."
        ) + (" Some rows have no quality_score (no calibration): raw quality shown." if summary.scored else "")
    if not thresholds:
        note += (
            " The calibration holds no rejection thresholds (crfiqa-tf calibrate writes them): reject points not drawn."
            if calibration_given
            else " No calibration given (--calibration): reject points not drawn."
        )
    return histogram_svg(counts, low, high, label, marks) + f'<p class="note">{esc(note)}</p>'


def face_card(row, pictures: dict, why: str | None) -> str:
    if not pictures:
        images = f'<p class="missing">source not readable ({esc(why)}): no thumbnail</p>'
    elif "aligned" in pictures:
        images = (
            f'<img class="thumb" alt="face in its photo" src="{pictures["photo"]}">'
            f'<img class="thumb aligned" alt="aligned crop" src="{pictures["aligned"]}">'
        )
    else:  # an aligned input: the image is the crop the model scored
        images = f'<img class="thumb" alt="aligned input" src="{pictures["photo"]}">'
    reasons = "".join(f'<span class="reason">{esc(code)}</span>' for code in row.reasons)
    instructions = "".join(f"<li>{esc(text)}</li>" for text in row.instructions)
    score = "" if row.quality_score is None else f"score {row.quality_score:.1f} · "
    index = "" if row.face_index is None else f" · face {row.face_index}"
    return (
        f'<figure class="face">{images}<figcaption><div><b>{esc(score)}quality {number(row.quality, 5)}</b>'
        f"{esc(index)}</div><div>{esc(row.path)}</div><div>{reasons}</div><ul>{instructions}</ul>"
        f"{'<div class=note>' + esc(row.warning) + '</div>' if row.warning else ''}</figcaption></figure>"
    )


def counts_section(summary: Summary) -> str:
    figures = [
        ("files", summary.files),
        ("faces", summary.faces),
        ("errors", sum(summary.errors.values())),
        ("warnings", summary.warnings),
    ]
    items = "".join(f'<dt>{name}</dt><dd data-figure="{name}">{value:,}</dd>' for name, value in figures)
    errors = ""
    if summary.errors:
        rows = [[stage, cause, count] for (stage, cause), count in summary.errors.most_common()]
        errors = "<h3>Errors by kind</h3>" + table(["stage", "cause", "count"], rows, numeric={2})
    return f'<dl class="counts" id="counts">{items}</dl>{errors}'


def not_read_note(files: list[str], shown: int = 20) -> str:
    """The files of a results folder that are not results (not .csv, .jsonl or .parquet), named."""
    if not files:
        return ""
    listed = "".join(f"<li><code>{esc(name)}</code></li>" for name in files[:shown])
    more = f"<li>... and {len(files) - shown:,} more</li>" if len(files) > shown else ""
    return (
        f'<p class="note" id="not-read">{len(files):,} files of the results folders are not results (not .csv, .jsonl '
        f"or .parquet) and were not read:</p><ul>{listed}{more}</ul>"
    )


def reasons_section(summary: Summary) -> str:
    if not summary.reasons:
        return "<p>No reasons in these results (score with <code>--align --components</code> to get them).</p>"
    rows = [
        [code, count, count / summary.faces, summary.instructions.get(code, "")]
        for code, count in summary.reasons.most_common()
    ]
    return table(["reason", "faces", "share of faces", "instruction"], rows, numeric={1, 2})


def groups_section(summary: Summary, shown: int = 200) -> str:
    rows = []
    for name, group in sorted(
        summary.groups.items(), key=lambda item: (item[1].mean_quality is None, item[1].mean_quality or 0)
    ):
        row = [name, group.files, group.faces, group.errors, group.mean_quality, group.mean_score]
        row += [group.with_reasons / group.faces if group.faces else None]
        if summary.threshold is not None:
            row.append(group.below_threshold / group.faces if group.faces else None)
        rows.append(row)
    headers = ["group", "files", "faces", "errors", "mean quality", "mean score", "share with reasons"]
    if summary.threshold is not None:
        headers.append("share below the 10 % reject point")
    more = ""
    if len(rows) > shown:
        more = f'<p class="note">{len(rows) - shown:,} more groups not shown (the worst {shown} are).</p>'
    if OTHER_GROUPS in summary.groups:
        more += f'<p class="note">Groups past the first {len(summary.groups) - 1:,} are counted together.</p>'
    by = f"by <code>{esc(summary.group_by)}</code>" if summary.group_by else "by folder"
    numeric = set(range(1, len(headers)))
    return f"<p>{by}, worst mean quality first.</p>" + table(headers, rows[:shown], numeric=numeric) + more


def failures_section(summary: Summary) -> str:
    total = sum(summary.errors.values())
    if not total:
        return "<p>No failures.</p>"
    rows = [[row.path, row.stage or "score", row.error, row.message] for row in summary.failures]
    more = f'<p class="note">{total - len(rows):,} more not listed.</p>' if total > len(rows) else ""
    return table(["path", "stage", "cause", "detail"], rows) + more


def markdown_table(lines: list[str]) -> str:
    """A Markdown pipe table (as `evaluate` writes pauc.md and groups.md) as an HTML table."""
    rows = [[cell.strip() for cell in line.strip().strip("|").split("|")] for line in lines if line.startswith("|")]
    rows = [row for row in rows if not all(set(cell) <= set("-: ") for cell in row)]
    return table(rows[0], rows[1:]) if rows else ""


def page(title: str, sources: list[str], sections: list[tuple[str, str, str]], generated: str) -> str:
    """The whole document; `sections` are (id, heading, HTML body)."""
    from crfiqa_tf import __version__

    body = "".join(
        f'<section id="{sid}"><h2>{esc(heading)}</h2>{content}</section>' for sid, heading, content in sections
    )
    inputs = "".join(f"<li><code>{esc(source)}</code></li>" for source in sources)
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{esc(title)}</title><style>{STYLE}</style></head><body>"
        f"<h1>{esc(title)}</h1><p class=note>crfiqa-tf {esc(__version__)} · {esc(generated)}</p><ul>{inputs}</ul>"
        f"{body}<script>{SORT_SCRIPT}</script></body></html>"
    )
