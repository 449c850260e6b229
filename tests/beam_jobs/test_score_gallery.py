"""The Beam gallery job on a real local runner, with the tiny exported model of the session fixture."""

import csv
import io
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
import tensorflow as tf
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that
from PIL import Image
from support.mixed_folder import write_mixed_folder

from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.cli import main
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf_apps.beam_jobs.gallery_options import GalleryOptions
from crfiqa_tf_apps.beam_jobs.gallery_transform import ScoreGallery
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model, localize, model_label
from crfiqa_tf_apps.beam_jobs.score_gallery import parse_args, run


def _good_images(folder, images):
    paths = []
    for i, image in enumerate(images):
        path = folder / f"good_{i}.png"
        Image.fromarray(image).save(path)
        paths.append(str(path))
    return paths


def test_test_pipeline_scores_every_good_image_like_the_scorer(exported, tmp_path):
    folder = tmp_path / "gallery"
    folder.mkdir()
    paths = _good_images(folder, exported["images"][:6])
    expected = {r.source: r.quality for r in SavedModelScorer(exported["saved"]).score(paths)}
    args, _ = parse_args(
        [
            "--input-glob",
            f"{folder}/*.png",
            "--model",
            exported["saved"],
            "--output",
            str(tmp_path / "out"),
            "--min-batch-size",
            "2",
        ]
    )

    calibration = SavedModelScorer(exported["saved"]).calibration  # the export's own (assets.extra)

    def check(rows):  # Beam pickles it: it holds plain values only (the fixture's Keras model would cost a minute)
        got = {r["path"]: r["quality"] for r in rows}
        assert set(got) == set(expected), (sorted(got), sorted(expected))
        for path, quality in got.items():
            assert abs(quality - expected[path]) <= 1e-5
        for row in rows:  # each row's score is its own quality's, through the one rescoring
            assert row["quality_score"] == pytest.approx(
                float(apply_calibration(row["quality"], calibration)), abs=1e-3
            )

    with TestPipeline(runner="FnApiRunner") as pipeline:
        outputs = pipeline | ScoreGallery(GalleryOptions.from_args(args))
        assert_that(outputs["rows"], check, label="rows")
        assert_that(outputs["failures"], lambda failures: len(failures) == 0 or pytest.fail(failures), label="failures")


def _mixed_folder(folder, good):
    folder.mkdir()
    _good_images(folder, good)
    buffer = io.BytesIO()
    Image.fromarray(good[0]).save(buffer, format="JPEG")
    (folder / "truncated.jpg").write_bytes(buffer.getvalue()[:100])
    (folder / "empty.jpg").write_bytes(b"")
    (folder / "notes.txt").write_text("not an image")
    Image.fromarray(np.dstack([good[1], np.full(good[1].shape[:2], 128, np.uint8)]), "RGBA").save(folder / "alpha.png")
    Image.fromarray(good[2][..., 0], "L").save(folder / "grey.png")
    Image.fromarray(good[3][..., 0].astype(np.uint16) * 257).save(folder / "deep16.png")
    Image.fromarray(good[4]).convert("CMYK").save(folder / "cmyk.jpg")
    Image.new("RGB", (3000, 3000), (10, 20, 30)).save(folder / "huge.png")
    return {
        "good": len(good),
        "bad": ["truncated.jpg", "empty.jpg", "notes.txt", "huge.png"],
        "converted": ["alpha.png", "grey.png", "deep16.png", "cmyk.jpg"],
    }


@pytest.mark.slow
def test_mixed_folder_every_file_accounted_parquet_schema_and_rerun(exported, tmp_path):
    layout = _mixed_folder(tmp_path / "gallery", exported["images"][:5])
    output = str(tmp_path / "out" / "scores")
    argv = [
        "--input-glob",
        f"{tmp_path}/gallery/*",
        "--model",
        exported["saved"],
        "--output",
        output,
        "--max-pixels",
        "4000000",
        "--with-embeddings",
    ]
    counters = run(argv)
    total = layout["good"] + len(layout["bad"]) + len(layout["converted"])
    assert counters["read"] == total
    assert counters["scored"] == layout["good"] + len(layout["converted"])
    assert counters["failed_decode"] == len(layout["bad"])
    table = pq.read_table(sorted((tmp_path / "out").glob("scores-*.parquet"))[0])
    assert table.schema.names == ["path", "quality", "quality_score", "model", "warning", "embedding"]
    assert set(table.column("warning").to_pylist()) == {None}  # every image is the model's 32×32
    _, info = localize(describe_model(exported["saved"]), str(tmp_path / "cache"))
    assert set(table.column("model").to_pylist()) == {model_label(info)}
    assert model_label(info).startswith("1 (saved_model, sha256:")
    assert table.num_rows == counters["scored"]
    assert len(table.column("embedding")[0].as_py()) == 16
    failures = [
        json.loads(line)
        for f in (tmp_path / "out").glob("scores-failures-*.jsonl")
        for line in f.read_text().splitlines()
    ]
    reasons = {f["path"].rsplit("/", 1)[1]: f["error"] for f in failures}
    assert reasons == {
        "truncated.jpg": "corrupt",
        "empty.jpg": "empty",
        "notes.txt": "not_an_image",
        "huge.png": "too_large",
    }
    run(argv)  # re-run: outputs replaced, no duplicate rows
    files = sorted((tmp_path / "out").glob("scores-*.parquet"))
    assert sum(pq.read_table(f).num_rows for f in files) == counters["scored"]


def test_unusable_model_calibration_or_input_list_fail_before_any_work(exported, tmp_path):
    output = str(tmp_path / "out" / "scores")
    base = ["--input-glob", f"{tmp_path}/*.png", "--output", output]
    with pytest.raises(ValueError, match=r"backbone\.pth: unknown model kind '\.pth'"):
        run([*base, "--model", str(tmp_path / "backbone.pth")])
    (tmp_path / "calibration.json").write_text("{not json")
    with pytest.raises(ValueError, match=r"--calibration .*calibration\.json: cannot be read"):
        run([*base, "--model", exported["saved"], "--calibration", str(tmp_path / "calibration.json")])
    (tmp_path / "calibration.json").write_text('{"type": "logistic", "centre": 0.1}')
    with pytest.raises(ValueError, match=r"calibration\.json: not a calibration file \(missing 'scale'\)"):
        run([*base, "--model", exported["saved"], "--calibration", str(tmp_path / "calibration.json")])
    missing_list = str(tmp_path / "list.csv")
    with pytest.raises(FileNotFoundError, match=r"--input-list .*list\.csv: no such file"):
        run(["--input-list", missing_list, "--output", output, "--model", exported["saved"]])
    profile = tmp_path / "profile.json"
    profile.write_text('{"rules": [{"code": "X", "component": "glow", "raw_below": 1, "instruction": "i"}]}')
    with pytest.raises(ValueError, match=r"profile\.json: rule 1: unknown component 'glow'"):
        run([*base, "--model", exported["saved"], "--align", "--components", "--profile", str(profile)])
    with pytest.raises(ValueError, match=r"--components and --profile measure detected faces; add --align"):
        run([*base, "--model", exported["saved"], "--components"])
    assert not (tmp_path / "out").exists()


def test_several_globs_and_an_explicit_calibration_reach_every_row(exported, tmp_path):
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        _good_images(tmp_path / name, exported["images"][:2])
    (tmp_path / "calibration.json").write_text('{"type": "logistic", "centre": 0.0, "scale": 1.0}')
    output = str(tmp_path / "out" / "scores")
    argv = ["--input-glob", f"{tmp_path}/a/*.png", "--input-glob", f"{tmp_path}/b/*.png", "--model", exported["saved"]]
    counters = run(
        [*argv, "--output", output, "--format", "jsonl", "--calibration", str(tmp_path / "calibration.json")]
    )
    assert counters["read"] == counters["scored"] == 4
    rows = [json.loads(line) for f in (tmp_path / "out").glob("scores-0*.jsonl") for line in f.read_text().splitlines()]
    assert len(rows) == 4
    for row in rows:
        assert row["quality_score"] == pytest.approx(100.0 / (1.0 + np.exp(-row["quality"])), rel=1e-5)


def test_align_rows_carry_each_face_box_and_landmarks_and_stretched_inputs_are_flagged(exported, tmp_path):
    """Also: the aligner cuts its crops at the model's own size (32 px here; no flag says it), so each face's
    quality is the one ``crfiqa-tf score --align`` gives."""

    from crfiqa_tf.data.sample_photos import photo

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("group_of_six", "astronaut", "cat"):
        Image.fromarray(photo(name)).save(folder / f"{name}.png")
    base = ["--input-glob", f"{folder}/*.png", "--model", exported["saved"]]
    counters = run(
        [*base, "--align", "--faces", "all", "--components", "--output", str(tmp_path / "a" / "s"), "--format", "csv"]
    )
    assert (counters["read"], counters["extra_faces"], counters["scored"], counters["failed_align"]) == (3, 5, 7, 1)
    rows = [r for f in (tmp_path / "a").glob("s-0*.csv") for r in csv.DictReader(open(f))]
    assert len(rows) == 7 and list(rows[0])[:5] == ["path", "quality", "quality_score", "model", "warning"]
    from crfiqa_tf.components.component_columns import FLAT_COLUMNS

    assert set(FLAT_COLUMNS) <= set(rows[0])  # --components, flat in CSV as in `crfiqa-tf score`
    faces = {}
    for row in rows:
        group = "group_of_six" in row["path"]
        assert ("MORE_THAN_ONE_FACE" in row["reasons"].split()) == group and -90 < float(row["head_pose_yaw"]) < 90
        faces.setdefault(row["path"].rsplit("/", 1)[1], []).append(int(row["face_index"]))
        box = [float(row[c]) for c in ("box_x0", "box_y0", "box_x1", "box_y1")]
        points = np.array(row["landmarks"].split(), float).reshape(5, 2)
        assert ((points >= box[:2]) & (points <= box[2:])).all() and 0.5 <= float(row["detection_score"]) <= 1
        assert row["warning"] == ""
    assert {k: sorted(v) for k, v in faces.items()} == {"group_of_six.png": list(range(6)), "astronaut.png": [0]}
    paths = sorted(str(p) for p in folder.glob("*.png"))
    scored = SavedModelScorer(exported["saved"]).score(
        paths, options=FaceOptions(align=True, faces="all", components=True)
    )
    expected = {(r.source, r.face_index): r.quality for r in scored if r.error is None}
    assert {(r["path"], int(r["face_index"])): pytest.approx(float(r["quality"]), abs=1e-5) for r in rows} == expected

    # Without --components a SavedModel aligns inside its graph (score_photos): the same faces, the same counters.
    counters = run([*base, "--align", "--faces", "all", "--output", str(tmp_path / "g" / "s"), "--format", "csv"])
    assert (counters["read"], counters["extra_faces"], counters["scored"], counters["failed_align"]) == (3, 5, 7, 1)
    in_graph = {
        (r["path"], r["face_index"]): r for f in (tmp_path / "g").glob("s-0*.csv") for r in csv.DictReader(open(f))
    }
    assert set(in_graph) == {(r["path"], r["face_index"]) for r in rows}
    for row in rows:
        other = in_graph[row["path"], row["face_index"]]
        a, b = ([float(r[c]) for c in ("box_x0", "box_y0", "box_x1", "box_y1")] for r in (row, other))
        overlap = max(0, min(a[2], b[2]) - max(a[0], b[0])) * max(0, min(a[3], b[3]) - max(a[1], b[1]))
        assert overlap / ((a[2] - a[0]) * (a[3] - a[1])) > 0.9

    # Parquet: the components as one struct column, the reasons as a list.
    one = ["--input-glob", f"{folder}/astronaut.png", "--model", exported["saved"], "--align", "--components"]
    run([*one, "--output", str(tmp_path / "p" / "s"), "--format", "parquet"])
    table = pq.read_table(sorted((tmp_path / "p").glob("s-*.parquet"))[0]).to_pylist()
    assert len(table) == 1 and table[0]["reasons"] == [] and table[0]["instructions"] == []
    assert table[0]["components"]["head_pose_yaw"]["value"] > 90 and table[0]["components"]["sharpness"]["note"] is None

    run([*base, "--output", str(tmp_path / "b" / "s"), "--format", "jsonl"])  # no --align: photos are stretched
    rows = [json.loads(line) for f in (tmp_path / "b").glob("s-0*.jsonl") for line in f.read_text().splitlines()]
    assert len(rows) == 3 and "face_index" not in rows[0]
    assert all(r["warning"].startswith("input is ") and "not the model's 32x32" in r["warning"] for r in rows)


def test_input_folder_gives_the_paths_and_error_kinds_that_score_gives(exported, tmp_path, capsys):

    from crfiqa_tf.cli import main

    expected = write_mixed_folder(tmp_path / "mixed")
    model = exported["files"]["crfiqa_int8.tflite"]["path"]
    assert main(["score", str(tmp_path / "mixed"), "--model", model, "--out", str(tmp_path / "score.csv")]) == 0
    assert (
        "13 files: 11 scored (11 faces), 2 with an error, 11 with a warning"
    )  # 8 px: stretched in capsys.readouterr().out
    rows = list(csv.DictReader(open(tmp_path / "score.csv")))
    from_score = {r["path"]: r["error"].split(":")[0] or None for r in rows}
    assert main(["score", str(tmp_path / "mixed"), "--model", model, "--out", "ram://score_cli/rows.csv"]) == 0
    with tf.io.gfile.GFile("ram://score_cli/rows.csv", "rb") as remote:  # a remote --out: the same file
        assert remote.read() == (tmp_path / "score.csv").read_bytes()
    assert from_score == expected

    prefix = str(tmp_path / "beam" / "s")
    counters = run(
        ["--input-folder", str(tmp_path / "mixed"), "--model", model, "--output", prefix, "--format", "jsonl"]
    )
    assert (counters["read"], counters["scored"], counters["failed_decode"]) == (13, 11, 2)
    scored = [json.loads(line) for f in (tmp_path / "beam").glob("s-0*.jsonl") for line in f.read_text().splitlines()]
    failures = [json.loads(x) for f in (tmp_path / "beam").glob("s-failures-*") for x in f.read_text().splitlines()]
    from_beam = {r["path"]: None for r in scored} | {f["path"]: f["error"] for f in failures}
    assert from_beam == from_score and len(scored) + len(failures) == 13


def test_min_face_reaches_small_faces_in_a_large_photo_on_both_paths(exported, tmp_path):

    from crfiqa_tf.data.composites import paste

    folder = tmp_path / "photos"
    folder.mkdir()
    composite = paste((1280, 960), [("group_of_six", 30, (0.45, 0.55))])  # five whole faces, 28–42 px eyes
    Image.fromarray(composite.image).save(folder / "far.png")
    base = ["--input-glob", f"{folder}/*.png", "--model", exported["saved"], "--align", "--faces", "all"]
    counts = {}
    for tag, extra in (("graph", []), ("whole", ["--min-face", "none"])):
        run([*base, *extra, "--output", str(tmp_path / tag / "s"), "--format", "csv"])
        counts[tag] = len([r for f in (tmp_path / tag).glob("s-0*.csv") for r in csv.DictReader(open(f))])
    # the default minimum face in the graph (score_photos); --min-face none (Python aligner, whole frame) misses some
    assert counts["graph"] == len(composite.faces) == 5 and counts["whole"] < 5


def test_score_gallery_passes_its_flags_through(exported, tmp_path, capsys):
    for i, image in enumerate(exported["images"][:3]):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
    output = tmp_path / "out" / "scores"
    argv = ["score-gallery", "--input-glob", f"{tmp_path}/*.png", "--model", exported["saved"], "--output", str(output)]
    assert main([*argv, "--format", "jsonl", "--min-batch-size", "2"]) == 0
    rows = [json.loads(line) for f in (tmp_path / "out").glob("scores-0*.jsonl") for line in open(f)]
    assert len(rows) == 3 and "read 3, scored 3, failed 0" in capsys.readouterr().out
