"""crfiqa_tf.image_io on a remote folder (TensorFlow's ram://, the offline stand-in for gs://): the same files as a
local folder, hidden ones left out."""

import os

import tensorflow as tf
from support.mixed_folder import MIXED_FOLDER, MIXED_FOLDER_HIDDEN, write_mixed_folder

from crfiqa_tf.image_io import folder_files


def test_a_remote_folder_follows_the_same_rule(tmp_path):
    local = write_mixed_folder(tmp_path / "g")
    root = "ram://image_io/g"
    for path in [*local, *(str(tmp_path / "g" / name) for name in MIXED_FOLDER_HIDDEN)]:
        target = root + "/" + os.path.relpath(path, tmp_path / "g")
        tf.io.gfile.makedirs(os.path.dirname(target))
        tf.io.gfile.copy(path, target, overwrite=True)
    assert tf.io.gfile.exists(root + "/.thumbnails/t.png")
    assert folder_files(root) == sorted(f"{root}/{name}" for name in MIXED_FOLDER)
