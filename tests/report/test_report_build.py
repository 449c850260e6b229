"""`crfiqa_tf.report.build.build_report` by value, without a browser (the Chromium tests of the whole page are in
test_report.py): the figures it returns, the sections in their order, the calibration's reject points, a best-shots
folder's tracks and shots (pictures found where the run wrote them or in a moved folder), an evaluation folder's
table, plots and groups — each against what the inputs made by hand say."""

import json
import re

import numpy as np
from PIL import Image

from crfiqa_tf.calibration import apply_calibration, fit_with_thresholds
from crfiqa_tf.inference.score_output import format_rows
from crfiqa_tf.output_rows import SCORE_COLUMNS
from crfiqa_tf.report import build
from crfiqa_tf.report.build import build_report


def score_csv(tmp_path):
    """A score CSV of four files: two scored photos (one with two faces, one of them with reasons), one failure and
    one scored file that is no longer there."""
    for name in ("a.png", "b.png"):
        Image.fromarray(np.full((40, 40, 3), 90 if name == "a.png" else 200, np.uint8)).save(tmp_path / name)
    rows = [
        {"path": str(tmp_path / "a.png"), "face_index": "0", "quality": "0.2", "quality_score": "20.0",
         "box_x0": "5", "box_y0": "5", "box_x1": "35", "box_y1": "35", "landmarks": "10 15 30 15 20 22 12 30 28 30"},
        {"path": str(tmp_path / "a.png"), "face_index": "1", "quality": "0.9", "quality_score": "90.0"},
        {"path": str(tmp_path / "b.png"), "quality": "0.6", "quality_score": "60.0", "warning": "stretched"},
        {"path": str(tmp_path / "c.png"), "error": "corrupt: truncated"},
        {"path": str(tmp_path / "gone.png"), "quality": "0.4", "quality_score": "40.0"},
    ]  # fmt: skip
    path = tmp_path / "scores.csv"
    path.write_text(format_rows(rows, SCORE_COLUMNS, jsonl=False, header=True))
    return path


def test_figures_sections_and_reject_points_of_a_score_csv(tmp_path):
    csv = score_csv(tmp_path)
    calibration = fit_with_thresholds(np.linspace(0.0, 1.0, 101), "ramp")
    calibration["rejection_thresholds"][0].pop("quality_score")  # filled in from the logistic when absent
    (tmp_path / "calibration.json").write_text(json.dumps(calibration))
    out = tmp_path / "report.html"
    figures = build_report([str(csv)], str(out), calibration=str(tmp_path / "calibration.json"), title="Gallery")
    page = out.read_text(encoding="utf-8")
    assert figures == {
        "tracks": 0, "shots": 0, "thumbnails": 6, "evaluations": 0, "not_read": [], "rows": 5, "files": 4,
        "faces": 4, "errors": 1, "warnings": 1, "reasons": {}, "sampled": False, "bytes": len(page.encode("utf-8")),
        "out": str(out),
    }  # fmt: skip
    ids = re.findall(r'<section id="([\w-]+)"><h2>([^<]*)</h2>', page)
    assert ids == [
        ("summary", "Counts"), ("distribution", "Quality distribution"), ("reasons", "Reasons"),
        ("lowest", "Lowest 4 faces"), ("highest", "Highest 4 faces"), ("groups", "Groups"), ("failures", "Failures"),
    ]  # fmt: skip
    assert "<h1>Gallery</h1>" in page and f"<li><code>{csv}</code></li>" in page
    first = calibration["rejection_thresholds"][0]
    x = 48 + 660 * float(apply_calibration(first["quality"], calibration)) / 100
    assert f'<line class="mark" x1="{x:.1f}"' in page  # its score computed from the logistic
    assert "share below the 10 % reject point" in page  # the calibration's 10 % point makes the group column
    # each face is in both lists (4 faces, 4 shown at each end): 3 readable sources, each shown twice
    assert page.count('alt="face in its photo"') == 2 and page.count('alt="aligned input"') == 4
    assert "source not readable" in page  # gone.png: the card says so


def test_without_a_calibration_no_reject_points_and_no_share_below(tmp_path):
    out = tmp_path / "report.html"
    figures = build_report([str(score_csv(tmp_path))], str(out), extremes=1)
    page = out.read_text(encoding="utf-8")
    assert 'class="mark"' not in page and "share below" not in page and "No calibration given" in page
    assert "Lowest 1 faces" in page and "Highest 1 faces" in page and figures["thumbnails"] == 2


def best_shots_folder(tmp_path, moved=False):
    folder = tmp_path / f"shots{'_moved' if moved else ''}"
    (folder / "track_1").mkdir(parents=True)
    picture = folder / "track_1" / "shot_1.png"
    Image.fromarray(np.zeros((112, 112, 3), np.uint8)).save(picture)
    written_at = str(tmp_path / "elsewhere" / "track_1" / "shot_1.png") if moved else str(picture)
    shots = [
        {"track_id": 2, "rank": 1, "frame_index": 7, "quality": 0.31, "aligned_path": ""},
        {"track_id": 1, "rank": 2, "frame_index": 3, "quality": 0.5, "quality_score": 61.24, "reasons": "BLURRED"},
        {"track_id": 1, "rank": 1, "frame_index": 5, "quality": 0.7, "aligned_path": written_at},
    ]
    document = {"input": "clip.mp4", "frames_decoded": 1200, "frames_undecodable": 2, "shots": shots,
                "undecodable": ["frame 9: corrupt <packet>"]}  # fmt: skip
    (folder / "best_shots.json").write_text(json.dumps(document))
    return folder


def test_a_best_shots_folder_by_value(tmp_path):
    for moved in (False, True):  # a folder moved since the run: its pictures are found in its own track folders
        out = tmp_path / f"report{moved}.html"
        figures = build_report([str(best_shots_folder(tmp_path, moved))], str(out))
        page = out.read_text(encoding="utf-8")
        assert (figures["tracks"], figures["shots"], figures["thumbnails"], figures["rows"]) == (2, 3, 1, 0)
        assert re.findall(r'<section id="([\w-]+)">', page) == ["best-shots-0"]  # no rows: no score sections
        assert (
            '<p><code>clip.mp4</code>: <span data-figure="frames_decoded">1,200</span> frames decoded, 2 undecodable, '
            '<span data-figure="tracks">2</span> tracks, <span data-figure="shots">3</span> shots.</p>'
        ) in page
        assert re.findall(r"<h3>Track (\d+)</h3>", page) == ["1", "2"]
        captions = re.findall(r"<figcaption>([^<]*)<div>", page)
        assert captions == [
            "#1 frame 5 · quality 0.7", "#2 frame 3 · quality 0.5 · score 61.2", "#1 frame 7 · quality 0.31",
        ]  # fmt: skip
        assert (
            page.count('<img class="thumb shot" alt="shot"') == 1 and page.count('<p class="missing">no file</p>') == 2
        )
        assert '<span class="reason">BLURRED</span>' in page
        assert '<p class="missing">undecodable: frame 9: corrupt &lt;packet&gt;</p>' in page


def test_tracks_past_the_shown_ones_are_counted(tmp_path, monkeypatch):
    monkeypatch.setattr(build, "MAX_TRACKS_SHOWN", 1)
    out = tmp_path / "report.html"
    build_report([str(best_shots_folder(tmp_path))], str(out))
    page = out.read_text(encoding="utf-8")
    assert re.findall(r"<h3>Track (\d+)</h3>", page) == ["1"] and '<p class="note">1 more tracks not shown.</p>' in page


def test_an_evaluation_folder_by_value(tmp_path):
    folder = tmp_path / "eval"
    folder.mkdir()
    Image.fromarray(np.zeros((4, 4, 3), np.uint8)).save(folder / "edc_fmr0.001.png")
    document = {
        "pairs": 3000, "source": "lfw.bin", "verification_accuracy": 0.98765, "fr_model": "iresnet50",
        "table": [{"method": "CR-FIQA", "pauc": 0.08}, {"method": "random", "pauc": 0.1}],
        "plots": ["/somewhere/else/edc_fmr0.001.png", str(folder / "missing.png")],
    }  # fmt: skip
    (folder / "evaluation.json").write_text(json.dumps(document))
    (folder / "groups.md").write_text("| group | pAUC |\n|---|---|\n| a | 0.1 |\n")
    out = tmp_path / "report.html"
    figures = build_report([str(folder)], str(out))
    page = out.read_text(encoding="utf-8")
    assert figures["evaluations"] == 1 and re.findall(r'<section id="([\w-]+)">', page) == ["evaluation-0"]
    assert (
        "<p>3,000 pairs of <code>lfw.bin</code>; verification accuracy 0.9877; comparison scores from iresnet50.</p>"
    ) in page
    assert '<td class="n" data-value="0.08">0.08</td>' in page and "<td>CR-FIQA</td>" in page
    assert page.count('<img class="plot" alt="EDC" src="data:image/png;base64,') == 1  # found beside the document
    assert f'<p class="missing">plot {folder / "missing.png"} not found</p>' in page
    assert "<h3>Groups</h3>" in page and "<td>a</td>" in page


def test_a_report_over_a_score_csv_and_a_best_shots_folder_has_both(tmp_path):
    out = tmp_path / "report.html"
    figures = build_report([str(score_csv(tmp_path)), str(best_shots_folder(tmp_path))], str(out))
    ids = re.findall(r'<section id="([\w-]+)">', out.read_text(encoding="utf-8"))
    assert ids[0] == "summary" and ids[-1] == "best-shots-0" and figures["tracks"] == 2 and figures["rows"] == 5


def test_figures_add_up_over_several_sources_and_the_defaults_hold(tmp_path):
    first, second = best_shots_folder(tmp_path), best_shots_folder(tmp_path, moved=True)
    evaluations = []
    for name in ("e1", "e2"):
        folder = tmp_path / name
        folder.mkdir()
        (folder / "evaluation.json").write_text(json.dumps({"pairs": 10}))
        evaluations.append(str(folder))
    shards = []
    for name in ("s1", "s2"):
        folder = tmp_path / name
        folder.mkdir()
        rows = [{"path": f"{name}/{i}.png", "quality": str(i / 20), "camera": "front" if i % 2 else "back"}
                for i in range(8)]  # fmt: skip
        (folder / "scores-00000-of-00001.csv").write_text(
            format_rows(rows, (*SCORE_COLUMNS, "camera"), jsonl=False, header=True)
        )
        (folder / f"{name}.log").write_text("not a result")
        shards.append(str(folder))
    out = tmp_path / "report.html"
    figures = build_report([str(first), str(second), *evaluations, *shards], str(out), group_by="camera")
    page = out.read_text(encoding="utf-8")
    assert (figures["tracks"], figures["shots"], figures["evaluations"], figures["rows"]) == (4, 6, 2, 16)
    assert figures["not_read"] == [str(tmp_path / "s1" / "s1.log"), str(tmp_path / "s2" / "s2.log")]
    assert "<p>by <code>camera</code>, worst mean quality first.</p>" in page
    assert "Lowest 12 faces" in page and "Highest 12 faces" in page  # 16 faces, 12 shown at each end by default
    assert "<title>crfiqa-tf review report</title>" in page
    stamp = re.search(r"<p class=note>crfiqa-tf [^ ]+ · ([^<]*)</p>", page).group(1)
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2} UTC", stamp)
    ids = re.findall(r'<section id="([\w-]+)">', page)
    assert ids[-4:] == ["best-shots-0", "best-shots-1", "evaluation-2", "evaluation-3"]
    assert "<p>10 pairs of <code></code>; verification accuracy ; comparison scores from .</p>" in page


def test_sparse_documents_a_calibration_without_thresholds_and_the_notes_by_value(tmp_path):
    shots = tmp_path / "shots"
    shots.mkdir()
    (shots / "best_shots.json").write_text(json.dumps({"shots": [{"track_id": 1, "rank": 1, "frame_index": 0}]}))
    evaluation = tmp_path / "eval"
    evaluation.mkdir()
    (evaluation / "evaluation.json").write_text(json.dumps({}))
    out = tmp_path / "report.html"
    build_report([str(shots), str(evaluation)], str(out))
    page = out.read_text(encoding="utf-8")
    assert (
        '<p><code></code>: <span data-figure="frames_decoded">0</span> frames decoded, 0 undecodable, '
        '<span data-figure="tracks">1</span> tracks, <span data-figure="shots">1</span> shots.</p>'
    ) in page
    assert "<figcaption>#1 frame 0 · quality <div></div></figcaption>" in page  # no quality, no reasons
    assert "<p>0 pairs of <code></code>; verification accuracy ; comparison scores from .</p>" in page
    calibration = {"type": "logistic", "centre": 0.5, "scale": 0.1}
    (tmp_path / "calibration.json").write_text(json.dumps(calibration))
    csv = score_csv(tmp_path)
    folder = tmp_path / "shards"
    folder.mkdir()
    (folder / "scores-00000-of-00001.csv").write_text(csv.read_text())
    (folder / "notes.txt").write_text("x")
    build_report([str(folder)], str(out), calibration=str(tmp_path / "calibration.json"))
    page = out.read_text(encoding="utf-8")
    assert "The calibration holds no rejection thresholds (crfiqa-tf calibrate writes them)" in page
    assert "1 files of the results folders are not results" in page and f"<code>{folder / 'notes.txt'}</code>" in page
    assert "source not readable (unreadable: No such file or directory): no thumbnail" in page
