"""`crfiqa-tf distill`: a MobileFaceNet student learns a teacher's embedding and quality from unlabeled faces."""

import csv
import json

import keras
import numpy as np
import pytest
from PIL import Image

from crfiqa_tf.cli import main
from crfiqa_tf.data.samples import synthetic_images
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf.models import MobileFaceNet
from crfiqa_tf_apps.training.distill_lib import DistillSettings, distill


@pytest.fixture(scope="module")
def faces(tmp_path_factory):
    folder = tmp_path_factory.mktemp("faces")
    for i, image in enumerate(synthetic_images(96, 32, seed=61)):
        Image.fromarray(image).save(folder / f"{i:03d}.png")
    (folder / "broken.png").write_bytes(b"not an image")
    return folder


def test_mobilefacenet_shape_parameters_and_round_trip(tmp_path):
    backbone = MobileFaceNet(128)
    assert 0.95e6 < backbone.count_params() < 1.1e6  # the paper's ~1 M (0.99 M) at 128-d
    small = MobileFaceNet(16, input_shape=(32, 32, 3))
    images = np.random.default_rng(0).uniform(-1, 1, (2, 32, 32, 3)).astype("float32")
    assert small(images).shape == (2, 16)
    small.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(loaded(images), small(images), atol=1e-6)


@pytest.mark.slow(reason="two distillation runs of a few dozen steps (~40 s)")
def test_distilled_student_follows_its_teacher_and_resumes(exported, faces, tmp_path):
    out = tmp_path / "student"
    argv = ["distill", "--teacher", exported["saved"], "--images", str(faces), "--out", str(out), "--lr", "1e-2"]
    assert main([*argv, "--steps", "20", "--batch-size", "16", "--checkpoint-every", "10"]) == 0
    assert main([*argv, "--steps", "60", "--batch-size", "16", "--checkpoint-every", "10", "--resume"]) == 0
    rows = list(csv.DictReader(open(out / "log.csv")))
    steps = [int(r["step"]) for r in rows]
    assert steps == sorted(steps) and steps[-1] == 60 and 20 in steps  # the resumed run continued the log
    assert int(rows[0]["skipped_images"]) >= 1  # the broken file, skipped and counted
    assert float(rows[-1]["embedding_loss"]) < float(rows[0]["embedding_loss"])
    summary = json.loads((out / "summary.json").read_text())
    assert summary["steps"] == 60 and summary["student"] == "mobilefacenet"
    config = json.loads((out / "distill_config.json").read_text())
    assert config["image_size"] == 32 and config["embedding_dim"] == 16  # taken from the teacher
    # the student ranks held-out faces like the teacher (measured 0.79 after these 60 steps; 0.64 at lr 2e-3)
    held_out = synthetic_images(64, 32, seed=62)
    student = keras.saving.load_model(out / "inference.keras")(held_out)
    teacher = SavedModelScorer(exported["saved"]).predict(held_out)
    assert spearman(np.asarray(student["quality"]), teacher["quality"]) > 0.5


def test_bad_teacher_images_or_student_fail_before_training(exported, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    (empty / "broken.jpg").write_bytes(b"nope")
    base = {"out": str(tmp_path / "out"), "steps": 2}
    cases = [
        (DistillSettings(teacher=str(tmp_path / "nope.onnx"), images=str(empty), **base), "--teacher .*nope.onnx"),
        (DistillSettings(teacher=exported["saved"], images=str(empty), **base), "none of its 1 images can be read"),
        (DistillSettings(teacher=exported["saved"], images=str(tmp_path), **base), "no image files"),
        (DistillSettings(teacher=exported["saved"], images=str(empty), student="resnet", **base), "unknown student"),
    ]
    for settings, message in cases:
        with pytest.raises(ValueError, match=message):
            distill(settings, progress=False)
    assert not (tmp_path / "out").exists()
