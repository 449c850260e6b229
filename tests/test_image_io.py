"""The files of a folder (local and ram://) and what each becomes: decoded by content whatever its name, or an error
naming the input and its kind; hidden files left out; every file of `crfiqa-tf score`'s folder a row."""

import os

import numpy as np
import pytest
import tensorflow as tf
from helpers import MIXED_FOLDER, MIXED_FOLDER_HIDDEN, write_mixed_folder
from scorer_doubles import MeanPixelScorer

from crfiqa_tf.image_io import ImageReadError, folder_files, is_hidden, list_inputs, read_image
from crfiqa_tf.inference.score_files import score_files, summary_line


def test_hidden_means_a_dot_name_anywhere_on_the_way():
    assert is_hidden("/.DS_Store") and is_hidden("sub/._a.jpg") and is_hidden(".git/objects/x")
    assert not is_hidden("/a.jpg") and not is_hidden("sub/a.b.jpg") and not is_hidden("/sub/no_extension")


def test_every_regular_file_is_an_input_and_decoding_decides_what_it_is(tmp_path):
    expected = write_mixed_folder(tmp_path / "g")
    assert folder_files(str(tmp_path / "g")) == sorted(expected)
    hidden_named = str(tmp_path / "g" / ".DS_Store")
    assert list_inputs([str(tmp_path / "g"), hidden_named]) == [*sorted(expected), hidden_named]  # named: kept
    for path, error in expected.items():
        if error is None:
            image = read_image(path)
            assert image.dtype == np.uint8 and image.shape == (8, 8, 3), path
        else:
            with pytest.raises(ImageReadError) as caught:
                read_image(path)
            assert caught.value.cause == error and path in str(caught.value)


def test_a_remote_folder_follows_the_same_rule(tmp_path):
    local = write_mixed_folder(tmp_path / "g")
    root = "ram://image_io/g"
    for path in [*local, *(str(tmp_path / "g" / name) for name in MIXED_FOLDER_HIDDEN)]:
        target = root + "/" + os.path.relpath(path, tmp_path / "g")
        tf.io.gfile.makedirs(os.path.dirname(target))
        tf.io.gfile.copy(path, target, overwrite=True)
    assert tf.io.gfile.exists(root + "/.thumbnails/t.png")
    assert folder_files(root) == sorted(f"{root}/{name}" for name in MIXED_FOLDER)


def test_score_gives_every_file_a_row_and_the_closing_line_counts_them(tmp_path):
    expected = write_mixed_folder(tmp_path / "g")
    rows = score_files([str(tmp_path / "g")], MeanPixelScorer(), progress=False)
    assert [row["path"] for row in rows] == sorted(expected)
    for row in rows:
        kind = expected[row["path"]]
        assert (row["error"].split(":")[0] if row["error"] else None) == kind, row
        assert (row["quality"] == "") == (kind is not None)
    images = sum(1 for kind in expected.values() if kind is None)
    assert summary_line(rows) == f"13 files: {images} scored ({images} faces), 2 with an error, 0 with a warning"


def test_closing_line_with_several_faces_a_photo():
    row = {"path": "group.jpg", "error": "", "warning": ""}
    rows = [row, {**row, "warning": "small"}, {"path": "cat.jpg", "error": "no_face: no face detected", "warning": ""}]
    assert summary_line(rows) == "2 files: 1 scored (2 faces), 1 with an error, 1 with a warning"
