"""Shared test helpers: tiny models, save/load round trips, a folder of every kind of file."""

from __future__ import annotations

import os

import keras
import numpy as np

from crfiqa_tf.models import ArcFaceMarginHead, CRFIQAModel, CRQualityHead, IResNet


def tiny_model(num_classes: int = 5, size: int = 32, embedding_dim: int = 16, depth: int = 18, width=0.25, **kwargs):
    """A quarter-width iResNet-18 (16 to 128 channels) at 32 px: the official topology, a sixteenth of its weights."""
    sync = kwargs.pop("sync", False)
    backbone = IResNet(depth, embedding_dim, input_shape=(size, size, 3), synchronized_bn=sync, width=width)
    return CRFIQAModel(backbone, ArcFaceMarginHead(num_classes), CRQualityHead(), **kwargs)


def run_serialization_test(obj):
    """`get_config` → `from_config` gives an object whose config is the same."""
    config = obj.get_config()
    clone = obj.__class__.from_config(config)
    assert clone.get_config() == config
    return clone


def run_saving_test(model, inputs, tmp_path, compare=None):
    """Saves `model` as .keras, loads it, and checks that outputs and every weight are unchanged."""
    path = os.path.join(tmp_path, "model.keras")
    model.save(path)
    loaded = keras.saving.load_model(path)
    expected = model(inputs, training=False)
    actual = loaded(inputs, training=False)
    keras.tree.map_structure(lambda a, b: np.testing.assert_allclose(a, b, atol=1e-6), expected, actual)
    assert len(model.weights) == len(loaded.weights)
    for a, b in zip(model.weights, loaded.weights):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b), err_msg=a.path)
    return loaded


CLI = "import sys\nfrom crfiqa_tf.cli import main\nsys.exit(main(sys.argv[1:]))\n"


def cli_argv(*args: str) -> list[str]:
    """`crfiqa-tf ARGS` as a subprocess command line (the installed console script's entry point)."""
    import sys

    return [sys.executable, "-c", CLI, *args]


def stop_when(argv: list[str], ready, sig, timeout: float = 300.0):
    """Runs `argv`, sends `sig` as soon as `ready()` is true (polled every 5 ms) and returns (exit status, stdout,
    stderr). A run stopped by SIGINT or SIGTERM is checked to have said so without a traceback, naming --resume."""
    import signal
    import subprocess
    import time

    process = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + timeout
    while time.time() < deadline and not ready():
        time.sleep(0.005)
    process.send_signal(sig)
    stdout, stderr = process.communicate(timeout=timeout)
    if sig != signal.SIGKILL:
        said = stdout + stderr
        assert "Traceback" not in stderr and f"stopped by {sig.name}" in said and "--resume" in said, stderr[-2000:]
    return process.returncode, stdout, stderr


def assert_resumes(argv: list[str], check_refusal: bool = True) -> str:
    """The same command refused without --resume (the interrupted output named; checked when `check_refusal`),
    then completed with it; the resumed run's console output."""
    import subprocess

    if check_refusal:
        refused = subprocess.run(argv, capture_output=True, text=True)
        assert refused.returncode != 0 and "add --resume to continue it" in refused.stderr, refused.stderr[-2000:]
    resumed = subprocess.run([*argv, "--resume"], capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr[-2000:]
    return resumed.stdout + resumed.stderr


def assert_same_candidates(ours, theirs):
    """Two paths' detector candidates (boxes, keypoints, scores) give the same faces after the one weighted
    suppression: at least one, boxes and keypoints within a pixel, scores within 0.02."""
    from crfiqa_tf.align.blazeface import weighted_nms

    mine = weighted_nms(*(np.asarray(part) for part in ours))
    expected = weighted_nms(*(np.asarray(part) for part in theirs))
    assert len(mine) == len(expected) >= 1
    for (box, keypoints, score), (their_box, their_points, their_score) in zip(mine, expected):
        np.testing.assert_allclose(box, their_box, atol=1.0)
        np.testing.assert_allclose(keypoints, their_points, atol=1.0)
        assert abs(score - their_score) <= 0.02
