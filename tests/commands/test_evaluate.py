"""crfiqa_tf.evaluation.evaluate (`crfiqa-tf evaluate`): end to end on a tiny .bin through the command line, and on a
pairs CSV whose images and output folder are on ram:// (TensorFlow's in-memory filesystem, the stand-in for gs://)."""

import csv
import json
import subprocess
import sys

import keras
import numpy as np
import pytest
from PIL import Image
from support.paths import ROOT

from crfiqa_tf.cli import main
from crfiqa_tf.data.samples import synthetic_images


@pytest.mark.slow
def test_evaluate_cli_end_to_end_on_a_tiny_bin(tmp_path):
    from support.helpers import tiny_model

    from crfiqa_tf.data.synthetic import make_synthetic_dataset

    make_synthetic_dataset(str(tmp_path / "data"), identities=4, per_identity=2, seed=0, shards=1, val_pairs=40)
    model = tiny_model(num_classes=4)
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    model.save(tmp_path / "model.keras")
    out = tmp_path / "eval"
    command = [
        sys.executable,
        "-m",
        "crfiqa_tf.cli",
        "evaluate",
        "--model",
        str(tmp_path / "model.keras"),
        "--bin",
        str(tmp_path / "data" / "verification.bin"),
        "--out",
        str(out),
        "--fmr",
        "0.01",
        "0.1",
    ]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    report = json.loads((out / "evaluation.json").read_text())
    methods = {row["method"] for row in report["table"]}
    assert {"CR-FIQA", "sharpness (Laplacian variance)", "random", "embedding norm"} <= methods
    for fmr in ("0.01", "0.1"):
        with Image.open(out / f"edc_fmr{fmr}.png") as image:
            assert image.format == "PNG" and image.size == (640, 480)
    assert (out / "pauc.csv").read_text().startswith("method,fmr")
    # the printed accuracy is the report's, and the report's table is the CSV's
    assert f"verification accuracy (10-fold): {report['verification_accuracy']:.4f}" in result.stdout
    with open(out / "pauc.csv", encoding="utf-8") as handle:
        assert [row["method"] for row in csv.DictReader(handle)] == [row["method"] for row in report["table"]]


def test_pairs_images_and_results_on_a_remote_filesystem(tmp_path):
    import io

    from support.helpers import tiny_model

    from crfiqa_tf import paths
    from crfiqa_tf.evaluation.evaluate import evaluate

    keras.utils.set_random_seed(0)
    model = tiny_model(num_classes=4)
    model.compile(optimizer=keras.optimizers.SGD(0.01))
    model.save(tmp_path / "model.keras")
    root = "ram://evaluate-test"
    rng = np.random.default_rng(0)
    lines = ["path_a,path_b,issame"]
    for pair in range(24):
        names = []
        for side in "ab":
            buffer = io.BytesIO()
            Image.fromarray(rng.integers(0, 256, (32, 32, 3), dtype=np.uint8)).save(buffer, format="PNG")
            paths.makedirs(f"{root}/images")
            paths.write_bytes(f"{root}/images/{pair}{side}.png", buffer.getvalue())
            names.append(f"images/{pair}{side}.png")
        lines.append(f"{names[0]},{names[1]},{pair % 2}")
    paths.write_text(f"{root}/pairs.csv", "\n".join(lines) + "\n")
    try:
        result = evaluate(str(tmp_path / "model.keras"), f"{root}/eval", pairs_csv=f"{root}/pairs.csv", fmrs=(0.1,))
        assert result["pairs"] == 24 and result["source"] == f"{root}/pairs.csv"
        written = paths.listdir(f"{root}/eval")
        assert written == ["edc_fmr0.1.png", "evaluation.json", "pauc.csv", "pauc.md"]
        with Image.open(io.BytesIO(paths.read_bytes(f"{root}/eval/edc_fmr0.1.png"))) as plot:
            assert plot.format == "PNG" and plot.size == (640, 480)
        assert json.loads(paths.read_text(f"{root}/eval/evaluation.json"))["plots"] == [f"{root}/eval/edc_fmr0.1.png"]
        assert paths.read_text(f"{root}/eval/pauc.csv").startswith("method,fmr")
        paths.write_text(f"{root}/bad.csv", "path_a,path_b,issame\na.png,b.png,maybe\n")
        with pytest.raises(ValueError, match=r"ram://evaluate-test/bad.csv:2: issame must be 0/1/true/false"):
            evaluate(str(tmp_path / "model.keras"), f"{root}/eval2", pairs_csv=f"{root}/bad.csv")
    finally:
        paths.remove_tree(root)


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
