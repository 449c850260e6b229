"""`build_report`: results of any kind (`crfiqa_tf.report.results`) → one offline HTML review page.

What it shows: the counts (files, faces, errors by kind, warnings); the quality histogram with the calibration's
reject points; the reasons by frequency; the N lowest and N highest faces as thumbnails cut from their sources
(the face in its photo with box and five points, and the aligned crop), with path, score, reasons and
instructions; a table per folder or per ``group_by`` column; the failures with their cause; each best-shots
track's shots; an evaluation's EDC plots and tables. One pass over the rows in bounded memory
(`crfiqa_tf.report.summary`); the page's size does not grow with the row count.
"""

from __future__ import annotations

import base64
import datetime
import posixpath

from crfiqa_tf import paths
from crfiqa_tf.report import page as html
from crfiqa_tf.report.results import ResultRow, ResultSet, open_results, row_from_dict, rows_of_file
from crfiqa_tf.report.summary import Summary
from crfiqa_tf.report.thumbnails import face_thumbnails, file_thumbnail

MAX_TRACKS_SHOWN = 60


def _thresholds(calibration_path: str | None) -> tuple[list[dict], float | None]:
    """The calibration's rejection thresholds (`crfiqa-tf calibrate` writes them) and its 10 % raw point."""
    if not calibration_path:
        return [], None
    from crfiqa_tf.calibration import apply_calibration, load_calibration

    calibration = load_calibration(calibration_path)
    thresholds = calibration.get("rejection_thresholds") or []
    for item in thresholds:
        item.setdefault("quality_score", float(apply_calibration(item["quality"], calibration)))
    ten = [t["quality"] for t in thresholds if abs(t["reject_fraction"] - 0.10) < 1e-9]
    return thresholds, (ten[0] if ten else None)


def _faces_section(rows: list[ResultRow]) -> tuple[str, int]:
    cards, shown = [], 0
    for row in rows:
        pictures, why = face_thumbnails(row)
        shown += bool(pictures)
        cards.append(html.face_card(row, pictures, why))
    return f'<div class="faces">{"".join(cards)}</div>', shown


def _shot_picture(folder: str, shot: dict, key: str) -> tuple[str | None, str | None]:
    path = str(shot.get(key) or "")
    candidates = [path] if path else []
    if path:  # the folder may have moved since the run: its own track folder
        candidates.append(paths.join(folder, f"track_{shot['track_id']}", posixpath.basename(path)))
    why = "no file"
    for candidate in candidates:
        uri, why = file_thumbnail(candidate, 112)
        if uri:
            return uri, None
    return None, why


def _best_shots_section(results: ResultSet, figures: dict) -> str:
    document = results.document
    shots = document.get("shots", [])
    tracks: dict = {}
    for shot in shots:
        tracks.setdefault(shot["track_id"], []).append(shot)
    figures["tracks"] += len(tracks)
    figures["shots"] += len(shots)
    parts = [
        f'<p><code>{html.esc(document.get("input"))}</code>: <span data-figure="frames_decoded">'
        f"{document.get('frames_decoded', 0):,}</span> frames decoded, {document.get('frames_undecodable', 0):,} "
        f'undecodable, <span data-figure="tracks">{len(tracks):,}</span> tracks, '
        f'<span data-figure="shots">{len(shots):,}</span> shots.</p>'
    ]
    for track_id in sorted(tracks)[:MAX_TRACKS_SHOWN]:
        cards = []
        for shot in sorted(tracks[track_id], key=lambda s: s["rank"]):
            uri, why = _shot_picture(results.source, shot, "aligned_path")
            figures["thumbnails"] += bool(uri)
            missing = f'<p class="missing">{html.esc(why)}</p>'
            picture = f'<img class="thumb shot" alt="shot" src="{uri}">' if uri else missing
            score = shot.get("quality_score")
            caption = f"#{shot['rank']} frame {shot['frame_index']} · quality {html.number(shot.get('quality'), 5)}"
            caption += "" if score is None else f" · score {score:.1f}"
            reasons = "".join(
                f'<span class="reason">{html.esc(r)}</span>' for r in str(shot.get("reasons", "")).split()
            )
            cards.append(
                f'<figure class="face">{picture}<figcaption>{caption}<div>{reasons}</div></figcaption></figure>'
            )
        parts.append(f'<h3>Track {track_id}</h3><div class="faces">{"".join(cards)}</div>')
    if len(tracks) > MAX_TRACKS_SHOWN:
        parts.append(f'<p class="note">{len(tracks) - MAX_TRACKS_SHOWN} more tracks not shown.</p>')
    for reason in document.get("undecodable", [])[:50]:
        parts.append(f'<p class="missing">undecodable: {html.esc(reason)}</p>')
    return "".join(parts)


def _evaluate_section(results: ResultSet) -> str:
    document = results.document
    parts = [
        f"<p>{document.get('pairs', 0):,} pairs of <code>{html.esc(document.get('source'))}</code>; verification "
        f"accuracy {html.number(document.get('verification_accuracy'), 4)}; comparison scores from "
        f"{html.esc(document.get('fr_model'))}.</p>"
    ]
    table = document.get("table") or []
    if table:
        headers = list(table[0])
        parts.append(html.table(headers, [[row.get(h) for h in headers] for row in table], numeric=set(range(1, 99))))
    for plot in document.get("plots", []):
        candidates = [plot, paths.join(results.source, posixpath.basename(plot))]
        for candidate in candidates:
            if paths.exists(candidate):
                data = base64.b64encode(paths.read_bytes(candidate)).decode("ascii")
                parts.append(f'<img class="plot" alt="EDC" src="data:image/png;base64,{data}">')
                break
        else:
            parts.append(f'<p class="missing">plot {html.esc(plot)} not found</p>')
    groups_md = paths.join(results.source, "groups.md")
    if paths.exists(groups_md):
        parts.append("<h3>Groups</h3>" + html.markdown_table(paths.read_text(groups_md).splitlines()))
    return "".join(parts)


def build_report(
    sources: list[str],
    out: str,
    calibration: str | None = None,
    group_by: str | None = None,
    extremes: int = 12,
    title: str = "crfiqa-tf review report",
) -> dict:
    """Writes the page to `out` (local or remote) and returns its figures (what the page states, for tests and
    the command's closing line). Raises ValueError naming a source that holds no readable result."""
    thresholds, ten_percent = _thresholds(calibration)
    summary = Summary(extremes=extremes, group_by=group_by, threshold=ten_percent)
    opened = [open_results(source) for source in sources]  # every source checked before any is read
    figures = {"tracks": 0, "shots": 0, "thumbnails": 0, "evaluations": 0, "not_read": []}
    extra_sections = []
    for results in opened:
        if results.kind == "best_shots":
            extra_sections.append(
                (
                    f"best-shots-{len(extra_sections)}",
                    f"Best shots: {results.source}",
                    _best_shots_section(results, figures),
                )
            )
        elif results.kind == "evaluate":
            figures["evaluations"] += 1
            extra_sections.append(
                (f"evaluation-{len(extra_sections)}", f"Evaluation: {results.source}", _evaluate_section(results))
            )
        else:
            figures["not_read"] += results.not_read
            for path in results.files:
                for row in rows_of_file(path):
                    summary.add(row)
    sections = []
    if summary.rows or not extra_sections:
        lowest, shown_low = _faces_section(summary.lowest)
        highest, shown_high = _faces_section(summary.highest)
        figures["thumbnails"] += shown_low + shown_high
        sections = [
            ("summary", "Counts", html.counts_section(summary) + html.not_read_note(figures["not_read"])),
            ("distribution", "Quality distribution", html.histogram_section(summary, thresholds, bool(calibration))),
            ("reasons", "Reasons", html.reasons_section(summary)),
            ("lowest", f"Lowest {len(summary.lowest)} faces", lowest),
            ("highest", f"Highest {len(summary.highest)} faces", highest),
            ("groups", "Groups", html.groups_section(summary)),
            ("failures", "Failures", html.failures_section(summary)),
        ]
    generated = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    document = html.page(title, sources, sections + extra_sections, generated)
    paths.write_text(out, document)
    figures.update(
        rows=summary.rows,
        files=summary.files,
        faces=summary.faces,
        errors=sum(summary.errors.values()),
        warnings=summary.warnings,
        reasons=dict(summary.reasons),
        sampled=summary.sampled,
        bytes=len(document.encode("utf-8")),
        out=out,
    )
    return figures


__all__ = ["build_report", "row_from_dict"]
