"""Training, resume and export with every path on a non-local filesystem (preparation: test_prepare).
TensorFlow's in-memory ``ram://`` filesystem stands in for gs:// (the same `tf.io.gfile` code path, offline); it
lives in one process, so these runs are in-process."""

import json
import os
import pickle

import numpy as np
import pytest
import tensorflow as tf
from support.paths import ROOT

from crfiqa_tf.cli import main
from crfiqa_tf.config import ConfigError, load_config
from crfiqa_tf.data.synthetic import make_synthetic_dataset
from crfiqa_tf.model_io import load_inference_model
from crfiqa_tf_apps.training.train_lib import train

CONFIG = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")


def _overrides(data_dir, run_dir, steps):
    return [
        f"data.train_dir={data_dir}",
        f"train.run_dir={run_dir}",
        f"data.verification_bins={data_dir}/verification.bin",
        "model.image_size=32",
        "model.width=0.25",
        "model.embedding_dim=16",
        "data.per_replica_batch=8",
        "data.shuffle_buffer=32",
        "data.deterministic=true",
        "train.strategy=one_device",
        "train.lr=0.02",
        "train.lr_decay_epochs=[]",
        "train.log_every=1",
        "train.verify_every=2",
        f"train.checkpoint_every={steps}",
        f"train.max_steps={steps}",
    ]


@pytest.mark.slow  # ~30 s: two training runs (train, resume) and an export, all in this process (ram:// is)
def test_train_resume_and_export_with_data_and_run_on_ram(tmp_path):
    make_synthetic_dataset("ram://bucket/synth", identities=6, per_identity=6, seed=0, shards=2, val_pairs=20)
    run_dir = "ram://bucket/runs/r1"
    summary = train(load_config(CONFIG, _overrides("ram://bucket/synth", run_dir, 2)))
    assert summary["steps"] == 2
    for name in ("config.yaml", "log.csv", "model.keras", "inference.keras", "summary.json", "verification.csv"):
        assert tf.io.gfile.exists(f"{run_dir}/{name}"), name
    assert tf.io.gfile.glob(f"{run_dir}/checkpoints/ckpt-*") and tf.io.gfile.listdir(f"{run_dir}/tensorboard")

    resumed = train(load_config(CONFIG, _overrides("ram://bucket/synth", run_dir, 4)), resume=True)
    assert resumed["steps"] == 4
    with tf.io.gfile.GFile(f"{run_dir}/log.csv") as handle:
        steps = [line.split(",")[0] for line in handle.read().splitlines()]
    assert steps == ["step", "1", "2", "3", "4"]  # the resumed run continued the log it found

    inference = load_inference_model(run_dir)
    out = inference(np.zeros((2, 32, 32, 3), np.uint8))
    assert out["quality"].shape == (2,) and np.all(np.isfinite(out["embedding"]))
    assert main(["export", "--model", run_dir, "--out", str(tmp_path / "export"), "--formats", "saved_model"]) == 0
    assert (tmp_path / "export" / "saved_model" / "crfiqa" / "1" / "saved_model.pb").exists()


def test_bad_data_run_dir_and_tf_config_fail_before_training_naming_them(tmp_path):
    with pytest.raises(ConfigError, match=r"data.train_dir: directory not found: ram://nowhere/data"):
        load_config(CONFIG, ["data.train_dir=ram://nowhere/data"])
    tf.io.gfile.makedirs("ram://bucket/no_shards")
    with tf.io.gfile.GFile("ram://bucket/no_shards/dataset_info.json", "w") as handle:
        handle.write(json.dumps({"schema_version": 1, "num_classes": 2, "num_images": 4}))
    config = load_config(CONFIG, ["data.train_dir=ram://bucket/no_shards", f"train.run_dir={tmp_path}/run"])
    with pytest.raises(FileNotFoundError, match=r"no TFRecord shards .* in ram://bucket/no_shards"):
        train(config)
    assert not (tmp_path / "run").exists()

    make_synthetic_dataset(str(tmp_path / "data"), identities=2, per_identity=4, seed=0, shards=1, val_pairs=2)
    argv = [
        "train",
        "--config",
        CONFIG,
        "--set",
        f"data.train_dir={tmp_path}/data",
        "--set",
        "train.run_dir=nope://x/r",
    ]
    with pytest.raises(SystemExit, match=r"crfiqa-tf train: .*nope://x/r.*"):
        main(argv)


def test_a_run_without_its_models_is_not_taken_for_a_finished_one(tmp_path):
    (tmp_path / "run" / "checkpoints").mkdir(parents=True)
    (tmp_path / "run" / "config.yaml").write_text("model: {}\n")
    with pytest.raises(FileNotFoundError, match=r"model not found: .*run"):
        load_inference_model(str(tmp_path / "run"))


def test_unpickling_a_remote_bin_is_still_restricted():
    with tf.io.gfile.GFile("ram://bucket/evil.bin", "wb") as handle:
        handle.write(pickle.dumps((os.system, ("true",))))
    from crfiqa_tf.data.bin_sets import UnsafeBinError, load_bin

    with pytest.raises(UnsafeBinError, match="ram://bucket/evil.bin: refused to load"):
        load_bin("ram://bucket/evil.bin")
