"""`crfiqa-tf export --out` to a remote folder: every file, the TF Serving ones included, goes through
`crfiqa_tf.paths` (TensorFlow's in-memory ``ram://`` filesystem stands in for gs:// here)."""

import json

import keras
import numpy as np
import tensorflow as tf
from support.helpers import tiny_model

from crfiqa_tf import signatures as sig
from crfiqa_tf.cli import main


def test_export_to_a_remote_folder_writes_every_file_there(tmp_path, capsys):
    keras.utils.set_random_seed(3)
    model = tiny_model(num_classes=4, size=32)
    model(np.zeros([1, 32, 32, 3], np.float32))
    model.save(tmp_path / "model.keras")
    (tmp_path / "calibration.json").write_text(json.dumps({"type": "logistic", "centre": 0.1, "scale": 0.2}))
    out = "ram://export_remote/out"
    argv = ["export", "--model", str(tmp_path / "model.keras"), "--out", out, "--formats", "saved_model,tflite"]
    argv += ["--quantize", "dynamic", "--calibration", str(tmp_path / "calibration.json"), "--max-faces", "2"]
    assert main(argv) == 0
    version = f"{out}/saved_model/{sig.DEFAULT_MODEL_NAME}/1"
    for name in ("saved_model.pb", "assets.extra/tf_serving_warmup_requests", "assets.extra/" + sig.CALIBRATION_FILE):
        assert tf.io.gfile.exists(f"{version}/{name}"), name
    settings = json.loads(tf.io.gfile.GFile(f"{version}/assets.extra/{sig.SCORE_PHOTOS_FILE}").read())
    assert settings["max_faces"] == 2 and settings["image_size"] == 32
    assert 'name: "crfiqa"' in tf.io.gfile.GFile(f"{out}/saved_model/models.config").read()
    assert "max_batch_size" in tf.io.gfile.GFile(f"{out}/saved_model/batching_parameters.txt").read()
    assert tf.io.gfile.exists(f"{out}/tflite/{sig.DEFAULT_MODEL_NAME}_dynamic.tflite")
    report = json.loads(tf.io.gfile.GFile(f"{out}/export_report.json").read())
    assert report["saved_model"] == version and len(report["files"]) == 1
    loaded = tf.saved_model.load(version)
    outputs = loaded.signatures[sig.PREDICT_IMAGES](images=tf.zeros([2, 32, 32, 3], tf.uint8))
    assert outputs[sig.OUTPUT_QUALITY].shape == [2] and outputs[sig.OUTPUT_QUALITY_SCORE].shape == [2]
    assert "SavedModel: ram://" in capsys.readouterr().out
