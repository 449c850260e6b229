"""`crfiqa-tf score`'s rows: folders (local or ram://) walked for every file (the rule: tests/test_image_io.py),
one row per input or per face, the detection's box and landmarks on aligned rows, a warning on stretched ones,
failures as rows."""

import csv
import io

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf.data.sample_photos import photo_path
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.inference.score_files import score_files, write_rows
from crfiqa_tf.output_rows import SCORE_COLUMNS as COLUMNS


def test_a_remote_folder_is_walked_and_scored():
    root = "ram://score_files/gallery"
    for name in ("a.png", "sub/b.png", "sub/readme.txt"):
        buffer = io.BytesIO()
        Image.fromarray(np.full((8, 8, 3), 102, np.uint8)).save(buffer, "PNG")  # the double's own size
        tf.io.gfile.makedirs(root + "/sub")
        with tf.io.gfile.GFile(f"{root}/{name}", "wb") as handle:
            handle.write(buffer.getvalue())
    rows = score_files([root], MeanPixelScorer(), progress=False)
    assert [(r["path"], r["quality"], r["warning"]) for r in rows] == [
        (f"{root}/a.png", "0.400000", ""),
        (f"{root}/sub/b.png", "0.400000", ""),
        (f"{root}/sub/readme.txt", "0.400000", ""),  # PNG bytes: an image by its content, whatever its name
    ]


def test_rows_for_scored_and_failed_files_the_size_warning_and_the_csv_columns(tmp_path):
    Image.fromarray(np.full((12, 20, 3), 51, np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"")
    rows = score_files([str(tmp_path)], MeanPixelScorer(), batch_size=1, progress=False)
    assert [(r["path"].rsplit("/", 1)[1], r["face_index"], r["quality"]) for r in rows] == [
        ("a.png", 0, "0.200000"),
        ("b.png", "", ""),
    ]
    assert rows[0]["warning"] == (
        "input is 20x12, not the model's 8x8: resized as if it were an aligned face; use --align (align=True) for "
        "raw photos"
    )
    assert rows[1]["error"].startswith("empty") and rows[0]["box_x0"] == rows[0]["landmarks"] == ""
    buffer = io.StringIO()
    write_rows(rows, buffer)
    parsed = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert tuple(parsed[0]) == COLUMNS and len(parsed) == 2 and parsed[0]["error"] == ""


@pytest.mark.parametrize("faces, expected", [("all", 6), ("largest", 1)])
def test_aligned_rows_of_a_group_photo_carry_box_and_landmarks_inside_it(faces, expected):
    rows = score_files(
        [photo_path("group_of_six"), photo_path("cat")],
        MeanPixelScorer(),
        FaceOptions(align=True, faces=faces),
        progress=False,
    )
    group, cat = rows[:-1], rows[-1]
    assert len(group) == expected and [r["face_index"] for r in group] == list(range(expected))
    assert cat["error"] == "no_face: no face detected" and cat["quality"] == ""
    for row in group:
        x0, y0, x1, y1 = (float(row[c]) for c in ("box_x0", "box_y0", "box_x1", "box_y1"))
        points = np.array(row["landmarks"].split(), float).reshape(5, 2)
        assert x1 - x0 > 50 and ((points >= [x0, y0]) & (points <= [x1, y1])).all()
        assert 0.5 <= float(row["detection_score"]) <= 1 and row["quality"] != "" and row["warning"] == ""


def test_component_columns_and_reasons_on_aligned_rows_and_a_profile_override(tmp_path):
    from crfiqa_tf.cli import main
    from crfiqa_tf.components.component_columns import FLAT_COLUMNS

    inputs = [photo_path("grace_hopper"), photo_path("cameraman"), photo_path("cat")]
    rows = score_files(inputs, MeanPixelScorer(), FaceOptions(align=True, components=True), progress=False)
    buffer = io.StringIO()
    write_rows(rows, buffer, components=True)
    parsed = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert tuple(parsed[0]) == COLUMNS + FLAT_COLUMNS
    grace, cameraman, cat = parsed
    assert grace["reasons"] == "" and 90 < int(grace["head_pose_yaw_value"]) <= 100
    # The cameraman looks into his camera's eyepiece: turned away, and a grey photo has no colour to measure.
    assert "FACE_FORWARD" in cameraman["reasons"].split() and "turn your head" in cameraman["instructions"]
    assert cameraman["natural_colour"] == "" and "natural_colour: grey_image" in cameraman["component_notes"]
    assert cat["error"].startswith("no_face") and cat["head_pose_yaw"] == "" and cat["reasons"] == ""

    strict = tmp_path / "strict.json"  # a yaw limit of 0.5°: the frontal portrait measures 1.1°
    strict.write_text(
        '{"rules": [{"code": "YAW", "component": "head_pose_yaw", "abs_raw_above": 0.5, "instruction": "look"}]}'
    )
    rows = score_files(
        inputs[:1], MeanPixelScorer(), FaceOptions(align=True, components=True, profile=str(strict)), progress=False
    )
    assert rows[0]["reasons"] == "YAW" and rows[0]["instructions"] == "look"
    with pytest.raises(SystemExit, match="--components and --profile measure detected faces; add --align"):
        main(["score", inputs[0], "--model", "unused.tflite", "--components"])


def test_the_reasons_profile_is_read_once_for_a_run_of_many_batches(monkeypatch):
    import crfiqa_tf.components as components

    reads = []
    original = components.load_profile
    monkeypatch.setattr(components, "load_profile", lambda path=None: reads.append(path) or original(path))
    inputs = [photo_path(name) for name in ("grace_hopper", "astronaut", "cat")]
    rows = score_files(
        inputs, MeanPixelScorer(), FaceOptions(align=True, components=True), progress=False, batch_size=1
    )
    assert len(reads) == 1 and [r["path"] for r in rows] == inputs  # three batches, one read
