"""`crfiqa-tf score`'s file handling: folders walked for images, one CSV row per input, failures as rows."""

import csv
import io

import numpy as np
from PIL import Image
from scorer_doubles import MeanPixelScorer

from crfiqa_tf.inference.score_files import COLUMNS, expand_inputs, score_files, write_rows


def test_folders_are_walked_sorted_for_image_files_and_files_kept_as_given(tmp_path):
    (tmp_path / "g" / "sub").mkdir(parents=True)
    for name in ("g/b.PNG", "g/a.jpg", "g/sub/c.webp", "g/notes.txt"):
        (tmp_path / name).write_bytes(b"x")
    single = str(tmp_path / "elsewhere.bin")
    assert expand_inputs([str(tmp_path / "g"), single]) == [
        str(tmp_path / "g" / "a.jpg"),
        str(tmp_path / "g" / "b.PNG"),
        str(tmp_path / "g" / "sub" / "c.webp"),
        single,
    ]


def test_rows_for_scored_and_failed_files_and_the_csv_columns(tmp_path):
    Image.fromarray(np.full((8, 8, 3), 51, np.uint8)).save(tmp_path / "a.png")
    (tmp_path / "b.png").write_bytes(b"")
    rows = score_files([str(tmp_path)], MeanPixelScorer(), batch_size=1, progress=False)
    assert [(r["path"].rsplit("/", 1)[1], r["face_index"], r["quality"]) for r in rows] == [
        ("a.png", 0, "0.200000"),
        ("b.png", "", ""),
    ]
    assert rows[1]["error"].startswith("empty")
    buffer = io.StringIO()
    write_rows(rows, buffer)
    parsed = list(csv.DictReader(io.StringIO(buffer.getvalue())))
    assert tuple(parsed[0]) == COLUMNS and len(parsed) == 2 and parsed[0]["error"] == ""
