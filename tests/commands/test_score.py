"""crfiqa_tf.commands.score: `crfiqa-tf score` on real photos with each backend."""

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf.inference.saved_model import SavedModelScorer

SIZE = 32


def test_score_command_on_real_photos_with_each_backend(exported, tmp_path):
    import csv

    from crfiqa_tf.cli import main
    from crfiqa_tf.data.sample_photos import photo

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photo("astronaut")).save(folder / "astronaut.png")
    Image.fromarray(photo("group_of_six")).save(folder / "group.jpg")
    Image.fromarray(np.full((160, 160, 3), 127, np.uint8)).save(folder / "blank.png")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    files = exported["files"]
    qualities = []
    for model in (exported["saved"], files["crfiqa_fp32.tflite"]["path"], files["crfiqa.onnx"]["path"]):
        out, drawn = tmp_path / "scores.csv", tmp_path / f"drawn_{len(qualities)}"
        argv = ["score", str(folder), "--model", model, "--align", "--faces", "all", "--out", str(out)]
        assert main(argv + ["--draw", str(drawn)]) == 0
        # the photos with faces drawn, each the size of its source; none for the faceless and the corrupt ones
        assert sorted(p.name for p in drawn.iterdir()) == ["astronaut.jpg", "group.jpg"]
        assert Image.open(drawn / "group.jpg").size == Image.open(folder / "group.jpg").size
        rows = list(csv.DictReader(open(out)))
        by_file = {}
        for row in rows:
            by_file.setdefault(row["path"].rsplit("/", 1)[1], []).append(row)
        assert {name: len(found) for name, found in by_file.items()} == {
            "astronaut.png": 1,
            "group.jpg": 6,
            "blank.png": 1,
            "corrupt.jpg": 1,
        }
        assert by_file["blank.png"][0]["error"].startswith("no_face")
        assert by_file["corrupt.jpg"][0]["error"].startswith(("corrupt", "not_an_image"))
        for row in by_file["astronaut.png"] + by_file["group.jpg"]:
            assert row["error"] == "" and row["warning"] == "" and row["quality_score"] != ""
            box = [float(row[c]) for c in ("box_x0", "box_y0", "box_x1", "box_y1")]
            points = np.array(row["landmarks"].split(), float).reshape(5, 2)
            assert ((points >= box[:2]) & (points <= box[2:])).all()
        assert sorted(int(r["face_index"]) for r in by_file["group.jpg"]) == list(range(6))
        qualities.append([float(r["quality"]) for r in rows if r["quality"]])
    # TFLite and ONNX behind the Python alignment agree to 1e-4; the SavedModel aligns inside its graph
    # (score_photos), within 1 % of the quality range of held-out faces (tests/align/test_aligner_tf.py).
    assert np.max(np.abs(np.array(qualities[2]) - qualities[1])) <= 1e-4
    spread = np.subtract(
        *np.percentile(SavedModelScorer(exported["saved"]).predict(exported["images"])["quality"], [95, 5])
    )
    assert np.max(np.abs(np.array(qualities[0]) - qualities[1])) <= 0.01 * spread
    with pytest.raises(SystemExit, match="expected a SavedModel folder"):
        main(["score", str(folder), "--model", str(folder / "blank.png")])
    with pytest.raises(SystemExit, match="only a SavedModel can run in another precision"):
        main(["score", str(folder), "--model", files["crfiqa.onnx"]["path"], "--precision", "bfloat16"])
    out = tmp_path / "bf16.csv"
    assert main(["score", str(folder), "--model", exported["saved"], "--precision", "bfloat16", "--out", str(out)]) == 0
    rows = {r["path"].rsplit("/", 1)[1]: r for r in csv.DictReader(open(out))}
    assert set(rows) == {"astronaut.png", "group.jpg", "blank.png", "corrupt.jpg"} and rows["blank.png"]["error"] == ""
    # scored without --align, a photo that is not the model's size is stretched, and its row says so
    assert rows["astronaut.png"]["warning"].startswith(f"input is 512x512, not the model's {SIZE}x{SIZE}")
