"""The per-worker model cache: what a model path means, one copy per content, errors that name the path."""

import hashlib
import os

import pytest

from crfiqa_tf_apps.beam_jobs import model_cache
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model, localize, model_label

TFLITE_HEAD = b"\x1c\x00\x00\x00TFL3"  # a FlatBuffer's root offset, then the TFLite file identifier


def _write(path, data: bytes):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as handle:
        handle.write(data)


def test_file_model_and_sidecar_copied_once_with_content_hash(tmp_path):
    model = str(tmp_path / "src" / "m_int8.tflite")
    _write(model, TFLITE_HEAD + b"tflite bytes")
    _write(model + ".json", b'{"calibration": null}')
    source = describe_model(model)
    assert source.kind == "tflite" and source.name == "m_int8.tflite" and len(source.files) == 2
    cache = str(tmp_path / "cache")
    local, info = localize(source, cache)
    assert open(local, "rb").read() == TFLITE_HEAD + b"tflite bytes"
    assert open(local + ".json", "rb").read() == b'{"calibration": null}'
    expected = hashlib.sha256()
    for relative, data in (
        ("m_int8.tflite", TFLITE_HEAD + b"tflite bytes"),
        ("m_int8.tflite.json", b'{"calibration": null}'),
    ):
        expected.update(relative.encode() + b"\0" + data)
    assert info["sha256"] == expected.hexdigest()
    assert model_label(info) == f"m_int8.tflite (tflite, sha256:{expected.hexdigest()[:12]})"

    opened = []
    real_open = model_cache.FileSystems.open
    unchanged = describe_model(model)
    model_cache.FileSystems.open = lambda *a, **k: opened.append(a[0]) or real_open(*a, **k)
    try:
        again, _ = localize(unchanged, cache)  # same path, size and mtime: no copy
    finally:
        model_cache.FileSystems.open = real_open
    assert again == local and opened == []

    _write(model, TFLITE_HEAD + b"replaced, longer tflite bytes")  # new content at the same path: a new cache entry
    replaced, info2 = localize(describe_model(model), cache)
    assert replaced != local and info2["sha256"] != info["sha256"]
    assert open(replaced, "rb").read() == TFLITE_HEAD + b"replaced, longer tflite bytes"
    assert not [d for d in os.listdir(cache) if d.startswith(".partial-")]


def test_saved_model_base_folder_takes_highest_version(tmp_path):
    base = tmp_path / "sm"
    for version in ("1", "2", "10"):
        _write(str(base / version / "saved_model.pb"), f"graph {version}".encode())
        _write(str(base / version / "variables" / "variables.index"), b"index")
    _write(str(base / "notes" / "saved_model.pb"), b"not a version")
    source = describe_model(str(base))
    assert source.kind == "saved_model" and source.path.endswith("/10") and len(source.files) == 2
    local, info = localize(source, str(tmp_path / "cache"))
    assert open(os.path.join(local, "saved_model.pb"), "rb").read() == b"graph 10"
    assert os.path.isfile(os.path.join(local, "variables", "variables.index"))
    assert info["name"] == "10" and info["kind"] == "saved_model"
    assert describe_model(str(base / "2")).path.endswith("/2")  # a version folder is taken as it is


def test_bad_model_paths_name_the_path_and_the_cause(tmp_path):
    with pytest.raises(FileNotFoundError, match=r"--model .*missing\.tflite: no such file"):
        describe_model(str(tmp_path / "missing.tflite"))
    with pytest.raises(FileNotFoundError, match=r"--model .*empty: no SavedModel there"):
        (tmp_path / "empty").mkdir()
        describe_model(str(tmp_path / "empty"))
    with pytest.raises(ValueError, match=r"unknown model kind '\.pth'; accepted: .*SavedModel.*\.tflite.*\.onnx"):
        describe_model(str(tmp_path / "backbone.pth"))
    _write(str(tmp_path / "renamed.tflite"), b"\x08\x07 an onnx file renamed")
    with pytest.raises(ValueError, match=r"renamed\.tflite: not a TFLite model"):
        describe_model(str(tmp_path / "renamed.tflite"))
    _write(str(tmp_path / "empty.onnx"), b"")
    with pytest.raises(ValueError, match=r"empty\.onnx: the file is empty"):
        describe_model(str(tmp_path / "empty.onnx"))
    _write(str(tmp_path / "photo.onnx"), b"\x89PNG\r\n\x1a\n")
    with pytest.raises(ValueError, match=r"photo\.onnx: not an ONNX model"):
        describe_model(str(tmp_path / "photo.onnx"))
