"""`crfiqa-tf report`: known answers for the streaming figures, then real results — real photos scored through the
real alignment and components (with the closed-form scorer double of tests/support/scorer_doubles.py), Beam shards with
a failures file, a best-shots run, an evaluate folder — opened in headless Chromium: the rendered page's figures equal
the input's, its thumbnails are there, and a screenshot is not blank."""

import glob
import json
import os
import re
import shutil

import numpy as np
import pytest
from PIL import Image
from support.browser import rendered_dom, screenshot
from support.scorer_doubles import MeanPixelScorer, SharpnessScorer

from crfiqa_tf.cli import main
from crfiqa_tf.components.component_columns import FLAT_COLUMNS
from crfiqa_tf.data.sample_photos import photo, photo_path
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.inference.score_output import format_rows
from crfiqa_tf.output_rows import SCORE_COLUMNS as COLUMNS
from crfiqa_tf.output_rows import score_row as record_row
from crfiqa_tf.report.results import ResultRow, open_results, row_from_dict
from crfiqa_tf.report.summary import SAMPLE, Summary

PHOTOS = ("astronaut", "grace_hopper", "group_of_six", "cameraman")


def figure(dom: str, name: str) -> int:
    found = re.findall(rf'data-figure="{name}">([\d,]+)<', dom)
    assert found, name
    return int(found[0].replace(",", ""))


def face(path, quality, score=None, reasons=(), face_index=0, **extra):
    return ResultRow(path, quality, score, face_index, reasons=list(reasons), **extra)


def test_summary_counts_files_faces_errors_and_keeps_the_extremes():
    summary = Summary(extremes=2, threshold=0.3)
    rows = [
        face("a/1.jpg", 0.5, 50.0, ["DARK"], instructions=["turn on a light"]),
        face("a/1.jpg", 0.1, 10.0, face_index=1),  # a second face of the same file: not a file
        face("a/2.jpg", 0.9, 99.9),
        face("b/3.jpg", 0.2, 0.0, ["DARK", "BLURRED"]),
        ResultRow("b/4.jpg", error="no_face", message="no face detected", stage="align"),
        ResultRow("b/5.jpg", error="not_an_image", message="cannot identify", warning="w"),
        face("b/6.jpg", 0.1, 100.0, warning="stretched"),  # ties the lowest: the first read stays first
    ]
    for row in rows:
        summary.add(row)
    assert (summary.rows, summary.files, summary.faces, summary.warnings) == (7, 6, 5, 2)
    assert summary.errors == {("align", "no_face"): 1, ("score", "not_an_image"): 1}
    assert [(r.path, r.face_index) for r in summary.lowest] == [("a/1.jpg", 1), ("b/6.jpg", 0)]
    assert [r.path for r in summary.highest] == ["a/2.jpg", "a/1.jpg"]
    assert summary.reasons == {"DARK": 2, "BLURRED": 1} and summary.instructions == {"DARK": "turn on a light"}
    # 0–100 in 50 bins of 2 points: 0 → bin 0, 10 → 5, 50 → 25, 99.9 and 100 → the last bin
    assert np.nonzero(summary.score_bins)[0].tolist() == [0, 5, 25, 49] and summary.score_bins[49] == 2
    a, b = summary.groups["a"], summary.groups["b"]
    assert (a.files, a.faces, a.errors, a.below_threshold, a.with_reasons) == (2, 3, 0, 1, 1)
    assert (b.files, b.faces, b.errors, b.below_threshold, b.with_reasons) == (4, 2, 2, 2, 1)
    assert a.mean_quality == pytest.approx(0.5) and b.mean_score == pytest.approx(50.0)
    assert not summary.sampled


def test_summary_samples_raw_quality_uniformly_past_its_reservoir():
    summary = Summary(extremes=1)
    for index in range(SAMPLE * 2):
        summary.add(face(f"x/{index}", index / (SAMPLE * 2)))
    sample = np.asarray(summary.quality_sample)
    assert summary.sampled and len(sample) == SAMPLE and summary.faces == SAMPLE * 2
    assert abs(np.mean(sample < 0.5) - 0.5) < 0.01  # uniform over the stream, not its first half
    assert (summary.quality_min, summary.lowest[0].quality, summary.highest[0].path) == (
        0.0,
        0.0,
        f"x/{SAMPLE * 2 - 1}",
    )


def test_group_by_a_column_and_rows_of_every_spelling():
    typed = row_from_dict({"path": "p.jpg", "quality": 0.4, "landmarks": list(range(10)), "reasons": ["A", "B"]})
    text = row_from_dict(
        {
            "path": "p.jpg",
            "quality": "0.4",
            "landmarks": " ".join(map(str, range(10))),
            "reasons": "A B",
            "error": "",
            "model": "m1",
            "box_x0": "1",
            "box_y0": "2",
            "box_x1": "3",
            "box_y1": "4",
        }
    )
    assert typed.landmarks.shape == (5, 2) and typed.landmarks.tolist() == text.landmarks.tolist()
    assert typed.reasons == text.reasons == ["A", "B"] and text.box == (1.0, 2.0, 3.0, 4.0) and typed.box is None
    failed = row_from_dict({"path": "q.jpg", "error": "corrupt: truncated", "quality": ""})
    assert (failed.error, failed.message, failed.is_face) == ("corrupt", "truncated", False)
    summary = Summary(group_by="model")
    summary.add(text)
    summary.add(row_from_dict({"path": "r.jpg", "quality": "0.1"}))
    assert set(summary.groups) == {"m1", "(none)"}


def test_unknown_sources_are_refused_by_name(tmp_path):
    with pytest.raises(ValueError, match="nothing-here"):
        open_results(str(tmp_path / "nothing-here"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="no results in this folder"):
        open_results(str(tmp_path / "empty"))
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00garbage")
    with pytest.raises(SystemExit, match="binary.csv"):
        main(["report", str(tmp_path / "binary.csv"), "--out", str(tmp_path / "r.html")])
    assert not (tmp_path / "r.html").exists()


@pytest.fixture(scope="module")
def scored(tmp_path_factory):
    """A folder of real photos (two sub-folders, a corrupt and an empty file) scored with --align --faces all
    --components: the real detection, Face Mesh, alignment, components and reasons; quality from the double."""
    root = tmp_path_factory.mktemp("scored")
    for index, name in enumerate(PHOTOS):
        folder = root / "photos" / ("ab"[index % 2])
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(photo_path(name), folder / os.path.basename(photo_path(name)))
    (root / "photos" / "a" / "broken.jpg").write_bytes(b"\xff\xd8\xff\xe0" + bytes(40))
    (root / "photos" / "b" / "empty.png").write_bytes(b"")
    calibration = {"type": "logistic", "centre": 0.4, "scale": 0.1}
    inputs = sorted(glob.glob(str(root / "photos" / "*" / "*")))
    records = MeanPixelScorer(112, calibration).score(
        inputs, options=FaceOptions(align=True, faces="all", components=True)
    )
    rows = [record_row(r) for r in records]
    (root / "scores.csv").write_text(format_rows(rows, COLUMNS + FLAT_COLUMNS, False, True))
    qualities = [(r.quality, r.source, r.face_index) for r in records if r.error is None]
    thresholds = [
        {"reject_fraction": f, "quality": float(np.quantile([q for q, _, _ in qualities], f))}
        for f in (0.05, 0.10, 0.20)
    ]
    (root / "calibration.json").write_text(json.dumps({**calibration, "rejection_thresholds": thresholds}))
    return {"root": root, "rows": rows, "inputs": inputs, "faces": sorted(qualities)}


@pytest.mark.browser
def test_report_of_real_photos_opens_in_chromium_with_the_inputs_figures(scored, tmp_path):
    root, rows = scored["root"], scored["rows"]
    out = tmp_path / "report.html"
    argv = ["report", str(root / "scores.csv"), "--out", str(out), "--faces", "3"]
    assert main(argv + ["--calibration", str(root / "calibration.json")]) == 0
    dom = rendered_dom(str(out), tmp_path / "profile")
    faces = [r for r in rows if not r["error"]]
    errors = [r for r in rows if r["error"]]
    assert figure(dom, "files") == len(scored["inputs"]) == 6
    assert figure(dom, "faces") == len(faces) == len(scored["faces"]) == 9 and figure(dom, "errors") == len(errors)
    assert sorted(r["error"].split(":")[0] for r in errors) == ["empty", "not_an_image"]  # every photo has faces
    # three lowest and three highest, each as the face in its photo and the aligned crop
    assert dom.count('class="thumb"') == 6 and dom.count('class="thumb aligned"') == 6
    lowest = re.search(r'<section id="lowest">(.*?)</section>', dom, re.S).group(1)
    assert [os.path.basename(p) for p in re.findall(r"<div>([^<]*photos/[^<]*)</div>", lowest)] == [
        os.path.basename(source) for _, source, _ in scored["faces"][:3]
    ]
    # every reason code the rows carry, counted as often as they carry it
    codes = [code for r in faces for code in r["reasons"].split()]
    for code in set(codes):
        assert re.search(rf"<td>{code}</td><td[^>]*>{codes.count(code)}</td>", dom), code
    assert dom.count('class="mark"') == 3  # the calibration's three reject points on the histogram
    assert sum(int(c) for c in re.findall(r'data-count="(\d+)"', dom)) == len(faces)
    picture = screenshot(str(out), str(tmp_path / "shot.png"), tmp_path / "profile")
    assert picture.std() > 20 and (picture < 100).mean() > 0.01  # text and photos, not a blank page


@pytest.mark.browser
def test_report_of_beam_shards_and_failures_with_a_thumbnail_per_readable_source(scored, tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    photos = [p for p in scored["inputs"] if p.endswith((".png", ".jpg")) and os.path.getsize(p) > 100]
    rows = [
        {"path": p, "quality": 0.1 * i, "quality_score": 10.0 * i, "model": "m", "warning": None}
        for i, p in enumerate(photos)
    ]
    rows.append(
        {"path": str(tmp_path / "moved.jpg"), "quality": -1.0, "quality_score": 0.0, "model": "m", "warning": None}
    )
    for shard in range(2):
        pq.write_table(pa.Table.from_pylist(rows[shard::2]), str(tmp_path / f"scores-0000{shard}-of-00002.parquet"))
    failures = [{"path": "x.jpg", "stage": "decode", "error": "corrupt", "message": "truncated"}] * 3
    (tmp_path / "scores-failures-00000-of-00001.jsonl").write_text("".join(json.dumps(f) + "\n" for f in failures))
    folder = tmp_path / "folder"  # the same shards as a folder, with a file that is not a result
    folder.mkdir()
    for shard in tmp_path.glob("scores-*"):
        (folder / shard.name).write_bytes(shard.read_bytes())
    (folder / "_SUCCESS").write_text("")
    out = tmp_path / "beam.html"
    assert main(["report", str(tmp_path / "scores"), "--out", str(out), "--faces", "2"]) == 0
    dom = rendered_dom(str(out), tmp_path / "profile")
    assert (figure(dom, "files"), figure(dom, "faces"), figure(dom, "errors")) == (len(rows) + 3, len(rows), 3)
    assert "<td>decode</td><td>corrupt</td>" in dom
    # the lowest face's file is gone: said so, not drawn; the other three are drawn
    assert dom.count("source not readable") == 1 and dom.count('class="thumb"') == 3
    assert 'id="not-read"' not in dom
    assert main(["report", str(folder), "--out", str(out), "--faces", "2"]) == 0
    dom = rendered_dom(str(out), tmp_path / "profile")
    assert figure(dom, "files") == len(rows) + 3 and "1 files of the results folders are not results" in dom
    assert f"<code>{folder / '_SUCCESS'}</code>" in dom


@pytest.mark.browser
def test_report_of_a_best_shots_run_and_an_evaluation(tmp_path):
    from crfiqa_tf.best_shots.command import run

    face = np.asarray(Image.fromarray(photo("grace_hopper")).crop((150, 40, 450, 340)).resize((200, 200)))
    frames = tmp_path / "frames"
    frames.mkdir()
    for i in range(8):
        frame = np.full((480, 640, 3), 90, np.uint8)
        frame[140:340, 40 + 50 * i : 240 + 50 * i] = face
        Image.fromarray(frame).save(frames / f"frame_{i:04d}.png")
    result = run(str(frames), SharpnessScorer(), str(tmp_path / "shots"), per_track=3, min_gap_ms=0, progress=False)
    evaluation = tmp_path / "evaluation"
    evaluation.mkdir()
    Image.fromarray(np.zeros((40, 60, 3), np.uint8)).save(evaluation / "edc_fmr0.001.png")
    document = {
        "source": "v.bin",
        "pairs": 400,
        "fr_model": "self",
        "verification_accuracy": 0.91,
        "table": [{"method": "crfiqa", "fmr": 0.001, "pauc@0.2": 0.05}],
        "plots": ["/gone/edc_fmr0.001.png"],
    }
    (evaluation / "evaluation.json").write_text(json.dumps(document))
    out = tmp_path / "shots.html"
    assert main(["report", str(tmp_path / "shots"), str(evaluation), "--out", str(out)]) == 0
    dom = rendered_dom(str(out), tmp_path / "profile")
    assert figure(dom, "tracks") == result["tracks"] == 1 and figure(dom, "shots") == len(result["shots"])
    assert figure(dom, "frames_decoded") == 8 and dom.count('class="thumb shot"') == len(result["shots"])
    assert dom.count('alt="EDC"') == 1 and "<td>crfiqa</td>" in dom
