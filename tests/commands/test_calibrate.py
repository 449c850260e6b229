"""`crfiqa-tf calibrate` fits the 0–100 mapping on a reference set; `score --calibration` applies it."""

import csv
import json

import numpy as np
import pytest
from PIL import Image
from support.mixed_folder import write_mixed_folder

from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.cli import main
from crfiqa_tf.data.samples import synthetic_images
from crfiqa_tf.model_io import load_scorer


def test_calibrate_then_score_with_it(exported, tmp_path, capsys):
    reference = tmp_path / "reference"
    reference.mkdir()
    for i, image in enumerate(synthetic_images(40, 32, seed=51)):
        Image.fromarray(image).save(reference / f"{i:02d}.png")
    out = tmp_path / "calibration.json"
    assert main(["calibrate", "--model", exported["saved"], "--images", str(reference), "--out", str(out)]) == 0
    calibration = json.loads(out.read_text())
    assert calibration["reference_size"] == 40 and str(reference) in calibration["reference"]
    thresholds = calibration["rejection_thresholds"]
    assert [t["reject_fraction"] for t in thresholds] == [0.05, 0.10, 0.20]
    # known answer: the reference set's own qualities, scored here, and their quantiles
    own = [r.quality for r in load_scorer(exported["saved"]).score(sorted(str(p) for p in reference.iterdir()))]
    for threshold, fraction in zip(thresholds, (0.05, 0.10, 0.20)):
        assert threshold["quality"] == pytest.approx(float(np.quantile(own, fraction)), abs=1e-5)
        assert threshold["quality_score"] == pytest.approx(float(apply_calibration(threshold["quality"], calibration)))
    assert calibration["centre"] == pytest.approx(float(np.median(own)), abs=1e-5)
    printed = capsys.readouterr().out
    assert "20% of this set" in printed

    scores = tmp_path / "scores.csv"
    argv = ["score", str(reference), "--model", exported["files"]["crfiqa_int8.tflite"]["path"]]
    assert main([*argv, "--calibration", str(out), "--out", str(scores)]) == 0
    rows = list(csv.DictReader(open(scores)))
    quality = np.array([float(r["quality"]) for r in rows])
    score = np.array([float(r["quality_score"]) for r in rows])
    np.testing.assert_allclose(score, apply_calibration(quality, calibration), atol=0.006)  # CSV keeps 2 decimals
    order = np.argsort(quality)
    assert np.all(np.diff(score[order]) >= 0) and 0 <= score.min() and score.max() <= 100


def test_calibrate_names_a_bad_reference_or_calibration(exported, tmp_path):
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(SystemExit, match=f"calibrate: {empty}: no files in this folder"):
        main(["calibrate", "--model", exported["saved"], "--images", str(empty), "--out", str(tmp_path / "c.json")])
    (tmp_path / "bad.json").write_text("{not json")
    with pytest.raises(SystemExit, match="bad.json: not a calibration file"):
        main(["score", str(empty), "--model", exported["saved"], "--calibration", str(tmp_path / "bad.json")])


def test_calibrate_lists_the_files_it_could_not_use(exported, tmp_path, capsys):
    expected = write_mixed_folder(tmp_path / "reference", size=32)
    out = tmp_path / "calibration.json"
    assert (
        main(["calibrate", "--model", exported["saved"], "--images", str(tmp_path / "reference"), "--out", str(out)])
        == 0
    )
    printed = capsys.readouterr().out
    images = sum(1 for kind in expected.values() if kind is None)
    assert f"calibration fitted on {images} images of {tmp_path / 'reference'} (2 unreadable)" in printed
    for path, kind in expected.items():
        assert (f"skipped {path}: {kind}:" in printed) == (kind is not None), path
    assert json.loads(out.read_text())["reference_size"] == images
