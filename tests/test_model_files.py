"""crfiqa_tf.model_files: the kind of model a path holds and the file to open, from the path alone, locally and on
ram:// (TensorFlow's in-memory filesystem, the stand-in for gs://); a bad path named."""

import pytest
import tensorflow as tf

from crfiqa_tf.model_files import model_kind, resolve_keras_file, resolve_saved_model_dir


def _touch(path):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"")
    return str(path)


def test_kinds_from_paths(tmp_path):
    assert model_kind(_touch(tmp_path / "a.tflite")) == "tflite"
    assert model_kind(_touch(tmp_path / "a.onnx")) == "onnx"
    assert model_kind(_touch(tmp_path / "a.keras")) == "keras"
    _touch(tmp_path / "sm" / "3" / "saved_model.pb")
    _touch(tmp_path / "sm" / "12" / "saved_model.pb")
    assert model_kind(str(tmp_path / "sm")) == "saved_model"
    assert resolve_saved_model_dir(str(tmp_path / "sm")) == str(tmp_path / "sm" / "12")
    _touch(tmp_path / "run" / "model.keras")
    _touch(tmp_path / "run" / "inference.keras")
    _touch(tmp_path / "converted" / "inference.keras")
    assert model_kind(str(tmp_path / "run")) == model_kind(str(tmp_path / "converted")) == "keras"
    assert resolve_keras_file(str(tmp_path / "run")).endswith("inference.keras")
    assert resolve_keras_file(str(tmp_path / "run"), prefer="training").endswith("model.keras")
    assert resolve_keras_file(str(tmp_path / "converted"), prefer="training").endswith("inference.keras")


def test_bad_paths_name_the_path(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"model not found: .*nope\.tflite"):
        model_kind(str(tmp_path / "nope.tflite"))
    with pytest.raises(ValueError, match=r"weights\.pth: unknown kind"):
        model_kind(_touch(tmp_path / "weights.pth"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match=r"empty: a folder with neither saved_model\.pb"):
        model_kind(str(tmp_path / "empty"))


def test_saved_model_versions_resolved_on_a_non_local_filesystem():
    """ram:// (TensorFlow's in-memory filesystem) stands in for gs:// on the TensorFlow side."""
    for version in ("1", "2"):
        tf.io.gfile.makedirs(f"ram://models/sm/{version}")
        with tf.io.gfile.GFile(f"ram://models/sm/{version}/saved_model.pb", "wb") as handle:
            handle.write(b"graph")
    assert model_kind("ram://models/sm") == "saved_model"
    assert resolve_saved_model_dir("ram://models/sm") == "ram://models/sm/2"
