import io
import json

import numpy as np
from PIL import Image

from crfiqa_tf.data.prepare import prepare_from_folder


def test_folder_with_corrupt_and_text_files_reports_both(tmp_path):
    root = tmp_path / "faces"
    for identity in ("bob", "alice"):
        (root / identity).mkdir(parents=True)
        for i in range(2):
            Image.fromarray(np.full((20, 20, 3), 40 * i, np.uint8)).save(root / identity / f"{i}.jpg")
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "bob" / "x.bmp")
    buffer = io.BytesIO()
    Image.fromarray(np.zeros((30, 30, 3), np.uint8)).save(buffer, format="JPEG")
    (root / "alice" / "broken.jpg").write_bytes(buffer.getvalue()[:40])
    (root / "alice" / "notes.txt").write_text("not an image")
    (root / "alice" / "session2").mkdir()
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "alice" / "session2" / "portrait.ppm")
    (root / "alice" / ".DS_Store").write_bytes(b"\0\0\0\1Bud1")  # hidden: not an input
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(root / "stray.png")  # in ROOT: no identity
    out = tmp_path / "out"
    info = prepare_from_folder(str(root), str(out), shards=2)
    assert info["num_images"] == 6 and info["num_classes"] == 2
    assert info["label_map"] == {"alice": 0, "bob": 1}
    skipped = {s["source_id"]: s["reason"] for s in json.loads((out / "dataset_info.json").read_text())["skipped"]}
    assert skipped == {
        "alice/broken.jpg": "corrupt",
        "alice/notes.txt": "not_an_image",
        "stray.png": "not_in_identity_folder",
    }
    # idempotent: a re-run replaces the output
    again = prepare_from_folder(str(root), str(out), shards=3)
    assert sorted(p.name for p in out.glob("train-*")) == again["shards"] and len(again["shards"]) == 3
