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


RACER = """
import os, sys, time
from crfiqa_tf_apps.beam_jobs import model_cache

model, cache, ready, me = sys.argv[1:5]
copy = model_cache._copy


def copy_then_wait(source, staging):
    # Both processes copy before either renames: the race the cache must survive, made certain.
    info = copy(source, staging)
    open(os.path.join(ready, me), "w").close()
    deadline = time.time() + 60
    while len(os.listdir(ready)) < 2 and time.time() < deadline:
        time.sleep(0.01)
    return info


model_cache._copy = copy_then_wait
local, info = model_cache.localize(model_cache.describe_model(model), cache)
print(local, info["sha256"])
"""


def test_two_processes_filling_the_cache_at_once_both_get_the_one_copy(tmp_path):
    """Two worker processes on one machine copy the same model at the same moment: one rename wins, the other sees
    its folder taken, drops its own copy and reads the winner's; no partial folder is left behind."""
    import subprocess
    import sys

    model = str(tmp_path / "src" / "m.tflite")
    _write(model, TFLITE_HEAD + b"model bytes")
    cache, ready = tmp_path / "cache", tmp_path / "ready"
    ready.mkdir()
    script = tmp_path / "racer.py"
    script.write_text(RACER)
    racers = [
        subprocess.Popen(
            [sys.executable, str(script), model, str(cache), str(ready), name],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name in ("first", "second")
    ]
    answers = []
    for racer in racers:
        out, err = racer.communicate(timeout=120)
        assert racer.returncode == 0, err[-2000:]
        answers.append(out.split())
    assert sorted(os.listdir(ready)) == ["first", "second"]  # both copied before either renamed
    assert answers[0] == answers[1]
    local, digest = answers[0]
    assert open(local, "rb").read() == TFLITE_HEAD + b"model bytes"
    assert digest == hashlib.sha256(b"m.tflite\0" + TFLITE_HEAD + b"model bytes").hexdigest()
    assert os.listdir(cache) == [os.path.basename(os.path.dirname(local))]  # one entry, no ".partial-" folder


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), ValueError("No space left on device")])
def test_a_failed_copy_leaves_nothing_behind_and_names_its_cause(tmp_path, monkeypatch, error):
    model = str(tmp_path / "src" / "m.tflite")
    _write(model, TFLITE_HEAD + b"model bytes")
    source = describe_model(model)

    def broken(source, staging):
        open(os.path.join(staging, "half"), "w").close()
        raise error

    monkeypatch.setattr(model_cache, "_copy", broken)
    with pytest.raises(type(error), match="No space left on device"):
        localize(source, str(tmp_path / "cache"))
    assert os.listdir(tmp_path / "cache") == []
    monkeypatch.undo()
    local, _ = localize(source, str(tmp_path / "cache"))  # and the next try fills the cache
    assert open(local, "rb").read() == TFLITE_HEAD + b"model bytes"


def test_the_cache_key_is_the_path_with_each_files_size_and_mtime_and_a_slash_changes_nothing(tmp_path):
    base = tmp_path / "sm" / "3"
    _write(str(base / "saved_model.pb"), b"graph")
    _write(str(base / "variables" / "variables.data-00000-of-00001"), b"v" * 100)
    source = describe_model(str(base) + "/")  # as a shell completes a folder
    assert source == describe_model(str(base)) and source.path == str(base) and source.name == "3"
    expected = hashlib.sha256(str(base).encode())
    for name in sorted(source.files):
        stat = os.stat(name)
        size, mtime = source.files[name]
        assert size == stat.st_size and abs(mtime - stat.st_mtime) < 1e-3
        expected.update(f"\n{name}\t{size}\t{mtime}".encode())
    local, _ = localize(source, str(tmp_path / "cache"))
    assert os.path.basename(os.path.dirname(local)) == expected.hexdigest()[:24]
    os.utime(base / "saved_model.pb", (1_000_000, 1_000_000))  # the same bytes touched: a new entry all the same
    touched, _ = localize(describe_model(str(base)), str(tmp_path / "cache"))
    assert touched != local and sorted(os.listdir(tmp_path / "cache")) != []


def test_a_model_larger_than_one_read_is_copied_whole(tmp_path):
    model = str(tmp_path / "big.onnx")
    data = b"\x08\x07" + bytes(range(256)) * (5 * 4096 + 3)  # 5 MiB and more: two reads of 4 MiB
    _write(model, data)
    local, info = localize(describe_model(model), str(tmp_path / "cache"))
    assert os.path.getsize(local) == len(data) and open(local, "rb").read() == data
    assert info["sha256"] == hashlib.sha256(b"big.onnx\0" + data).hexdigest() and info["kind"] == "onnx"


def test_a_saved_model_whose_graph_is_empty_or_a_protobuf_other_than_a_model_is_refused(tmp_path):
    _write(str(tmp_path / "sm" / "1" / "saved_model.pb"), b"")
    with pytest.raises(ValueError, match=r"sm/1/saved_model\.pb: the file is empty"):
        describe_model(str(tmp_path / "sm"))
    _write(str(tmp_path / "graph.onnx"), b"\x0a\x05graph")  # a protobuf opening with field 1 as bytes, not ir_version
    with pytest.raises(ValueError, match=r"graph\.onnx: not an ONNX model"):
        describe_model(str(tmp_path / "graph.onnx"))
