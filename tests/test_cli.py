"""Every `crfiqa-tf` command and the flags the README documents, driven through `crfiqa_tf.cli.main` on tiny
inputs (those exercised elsewhere: score and calibrate in test_score / test_calibrate, prepare and export
from a run in test_training_remote, tf-config in test_train_lib, evaluate --bin in test_evaluation_misc, demo in
test_demo)."""

import csv
import json
import os

import keras
import numpy as np
import pytest
import torch
from PIL import Image

from crfiqa_tf.cli import main
from crfiqa_tf.data.samples import synthetic_images

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CONFIG = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")


def test_synth_writes_shards_and_verification_pairs(tmp_path, capsys):
    out = tmp_path / "synth"
    argv = ["synth", "--out", str(out), "--identities", "4", "--per-identity", "3", "--val-pairs", "10"]
    assert main([*argv, "--shards", "2", "--seed", "3"]) == 0
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["num_images"] == 12 and info["num_classes"] == 4 and info["synthetic"]["seed"] == 3
    assert len(list(out.glob("train-*-of-*.tfrecord"))) == 2 and (out / "verification.bin").exists()
    assert "12 synthetic images of 4 identities" in capsys.readouterr().out


def test_tensorflow_cpp_lines_stay_out_unless_asked(tmp_path):
    import re
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    argv = [sys.executable, "-m", "crfiqa_tf.cli", "synth", "--identities", "4", "--per-identity", "2"]
    argv += ["--val-pairs", "4", "--shards", "1"]
    cpp_line = re.compile(r"^[IW]\d{4} ", re.MULTILINE)  # TensorFlow's C++ INFO / WARNING prefix
    quiet = subprocess.run([*argv, "--out", str(tmp_path / "a")], env=env, capture_output=True, text=True)
    assert quiet.returncode == 0 and "8 synthetic images" in quiet.stdout
    assert not cpp_line.search(quiet.stderr + quiet.stdout), quiet.stderr
    loud = subprocess.run([*argv, "--out", str(tmp_path / "b"), "--verbose"], env=env, capture_output=True, text=True)
    assert loud.returncode == 0 and cpp_line.search(loud.stderr), loud.stderr  # e.g. the oneDNN notice at import
    own = subprocess.run(
        [*argv, "--out", str(tmp_path / "c")], env={**env, "TF_CPP_MIN_LOG_LEVEL": "0"}, capture_output=True, text=True
    )
    assert own.returncode == 0 and cpp_line.search(own.stderr)  # the user's own level wins


@pytest.mark.slow(reason="two short training runs in this process, one compiled by XLA (~40 s)")
@pytest.mark.parametrize("precision, xla", [("mixed_bfloat16", "false"), ("none", "true")])
def test_train_command_with_mixed_precision_or_xla(precision, xla, tmp_path):
    data, run_dir = tmp_path / "data", tmp_path / "run"
    main(["synth", "--out", str(data), "--identities", "4", "--per-identity", "4", "--val-pairs", "10"])
    overrides = [
        f"data.train_dir={data}",
        f"train.run_dir={run_dir}",
        "model.image_size=32",
        "model.embedding_dim=16",
        "data.per_replica_batch=8",
        "train.strategy=one_device",
        "train.lr_decay_epochs=[]",
        "train.log_every=1",
        "train.verify_every=0",
        "train.max_steps=3",
        f"train.mixed_precision={precision}",
        f"train.xla={xla}",
    ]
    assert main(["train", "--config", CONFIG, *[a for o in overrides for a in ("--set", o)]]) == 0
    rows = list(csv.DictReader(open(run_dir / "log.csv")))
    assert [r["step"] for r in rows] == ["1", "2", "3"]
    assert all(np.isfinite(float(r["loss"])) for r in rows)
    summary = json.loads((run_dir / "summary.json").read_text())
    expected = "bfloat16" if precision == "mixed_bfloat16" else "float32"
    assert summary["compute_dtype"] == expected  # the dtype the step actually computed in
    assert summary["margin_head_dtype"] == "float32" and summary["xla"] == (xla == "true")  # margin in float32
    assert keras.mixed_precision.global_policy().name == "float32"  # and the process got its policy back


def test_convert_torch_command_for_iresnet34(tmp_path, capsys):
    from benchmarks.torch_reference import IResNet as TorchIResNet

    torch.manual_seed(0)
    torch.save(TorchIResNet(34).eval().state_dict(), tmp_path / "r34.pth")
    out = tmp_path / "converted"
    assert main(["convert-torch", str(tmp_path / "r34.pth"), "--arch", "iresnet34", "--out", str(out)]) == 0
    assert (out / "inference.keras").exists() and "next: crfiqa-tf export" in capsys.readouterr().out


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


def test_client_command_against_the_grpc_test_double(exported, tmp_path, capsys):
    from serving_doubles import start_grpc_test_double

    paths = []
    for i, image in enumerate(exported["images"][:2]):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    (tmp_path / "bad.png").write_bytes(b"nope")
    server, target = start_grpc_test_double(exported["saved"], "crfiqa")
    try:
        assert main(["client", *paths, str(tmp_path / "bad.png"), "--target", target, "--timeout", "30"]) == 0
    finally:
        server.stop(0)
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 3 and all(r["quality"] and not r["error"] for r in rows[:2])
    assert rows[2]["quality"] == "" and "not a JPEG or PNG" in rows[2]["error"]  # one row, however long the cause


def test_score_gallery_passes_its_flags_through(exported, tmp_path, capsys):
    for i, image in enumerate(exported["images"][:3]):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
    output = tmp_path / "out" / "scores"
    argv = ["score-gallery", "--input-glob", f"{tmp_path}/*.png", "--model", exported["saved"], "--output", str(output)]
    assert main([*argv, "--format", "jsonl", "--min-batch-size", "2"]) == 0
    rows = [json.loads(line) for f in (tmp_path / "out").glob("scores-0*.jsonl") for line in open(f)]
    assert len(rows) == 3 and "read 3, scored 3, failed 0" in capsys.readouterr().out


def test_evaluate_on_a_pairs_csv_with_another_recognition_model(exported, tmp_path, capsys):
    images = synthetic_images(40, 32, seed=9)
    lines = ["path_a,path_b,issame"]
    for i in range(20):
        for j in (2 * i, 2 * i + 1):
            Image.fromarray(images[j]).save(tmp_path / f"{j}.png")
        lines.append(f"{2 * i}.png,{2 * i + 1}.png,{int(i % 2 == 0)}")
    (tmp_path / "pairs.csv").write_text("\n".join(lines) + "\n")
    model = str(exported["tmp"] / "model.keras")
    argv = ["evaluate", "--model", model, "--pairs", str(tmp_path / "pairs.csv"), "--images", str(tmp_path)]
    groups = ["path,group"] + [f"{j}.png,{'a' if j < 20 else 'b'}" for j in range(40)]
    (tmp_path / "groups.csv").write_text("\n".join(groups) + "\n")
    argv += ["--groups", str(tmp_path / "groups.csv"), "--min-group-pairs", "5"]
    assert main([*argv, "--fr-model", model, "--fmr", "0.1", "0.2", "--out", str(tmp_path / "ev")]) == 0
    printed = capsys.readouterr().out
    assert "verification accuracy (10-fold)" in printed and (tmp_path / "ev" / "pauc.md").exists()
    report = json.loads((tmp_path / "ev" / "groups.json").read_text())
    assert {name: g["mated_pairs"] for name, g in report["groups"].items()} == {"a": 5, "b": 5}
    assert report["reject_below_from"] == "10 % point of this evaluation set" and "quality per group" in printed
    assert (tmp_path / "ev" / "edc_groups_fmr0.1.png").exists()
    (tmp_path / "groups.csv").write_text("path,group\n0.png,a\n99.png,b\n")  # checked before the model loads
    bad = ["evaluate", "--model", str(tmp_path / "missing.keras"), "--pairs", str(tmp_path / "pairs.csv")]
    with pytest.raises(SystemExit, match=r"groups\.csv:3: unknown image '99\.png': not in the evaluation set"):
        main([*bad, "--groups", str(tmp_path / "groups.csv"), "--out", str(tmp_path / "ev2")])
