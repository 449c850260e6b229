"""crfiqa_tf.commands.export (`crfiqa-tf export`): the formats, quantization and version flags."""

import os

import pytest

from crfiqa_tf.cli import main


def test_export_formats_quantize_and_version_flags(exported, tmp_path):
    out = tmp_path / "export"
    argv = ["export", "--model", str(exported["tmp"] / "model.keras"), "--out", str(out), "--formats", "tflite"]
    assert main([*argv, "--quantize", "fp32,dynamic", "--version", "3", "--name", "faces"]) == 0
    assert (out / "saved_model" / "faces" / "3" / "saved_model.pb").exists()
    assert sorted(os.listdir(out / "tflite")) == [
        "faces_dynamic.tflite",
        "faces_dynamic.tflite.json",
        "faces_fp32.tflite",
        "faces_fp32.tflite.json",
    ]
    assert not (out / "onnx").exists()
    with pytest.raises(SystemExit, match=r"unknown \['int4'\]"):
        main([*argv, "--quantize", "int4"])
