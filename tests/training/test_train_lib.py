"""Trainer tests on a tiny model and a tiny synthetic set (32 px, iResNet-18, 16-d embedding)."""

import csv
import json
import os
import signal
import socket
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.paths import ROOT

import crfiqa_tf.models  # noqa: F401 — registers the classes that load_model needs
from crfiqa_tf.config import ConfigError, load_config
from crfiqa_tf.data.synthetic import make_synthetic_dataset

CONFIG = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory):
    out = tmp_path_factory.mktemp("data") / "train"
    make_synthetic_dataset(str(out), identities=8, per_identity=12, seed=0, shards=4, val_pairs=20)
    return str(out)


def tiny_overrides(data_dir, run_dir, **extra):
    values = {
        "data.train_dir": data_dir,
        "train.run_dir": run_dir,
        "model.image_size": 32,
        "model.width": 0.25,
        "model.embedding_dim": 16,
        "data.per_replica_batch": 8,
        "data.shuffle_buffer": 64,
        "data.deterministic": "true",
        "train.lr": 0.02,
        "train.log_every": 1,
        "train.verify_every": 0,
        "train.lr_decay_epochs": "[]",
    }
    values.update(extra)
    return [f"{k}={v}" for k, v in values.items()]


def _train_subprocess(overrides, env=None, **kwargs):
    command = [sys.executable, os.path.join(ROOT, "training", "train.py"), "--config", CONFIG]
    for override in overrides:
        command += ["--set", override]
    return subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(env or {})}, **kwargs)


def _final_weights(run_dir):
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    return [np.asarray(w) for w in model.weights]


@pytest.mark.slow  # ~40 s: 30 real training steps in a subprocess (the CPU split must precede TensorFlow's start)
def test_mirrored_training_loss_falls_accuracy_rises(tiny_data, tmp_path):
    # A subprocess: collective keys of MirroredStrategy instances made by earlier tests would clash in-process.
    run_dir = str(tmp_path / "run")
    extra = {
        "train.max_steps": 30,
        "train.log_every": 10,
        "train.lr": 0.05,
        "train.verify_every": 30,
        "data.verification_bins": f"{tiny_data}/verification.bin",
    }
    process = _train_subprocess(
        tiny_overrides(tiny_data, run_dir, **extra), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    output = process.communicate(timeout=600)[0]
    assert process.returncode == 0, output[-3000:]
    summary = json.loads(open(os.path.join(run_dir, "summary.json")).read())
    assert summary["replicas"] == 2 and summary["global_batch"] == 16
    with open(os.path.join(run_dir, "log.csv")) as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == 3
    assert float(rows[-1]["loss"]) < float(rows[0]["loss"])
    assert float(rows[-1]["accuracy"]) > float(rows[0]["accuracy"])
    for name in ("config.yaml", "log.csv", "model.keras", "inference.keras", "verification.csv"):
        assert os.path.exists(os.path.join(run_dir, name)), name
    assert os.listdir(os.path.join(run_dir, "tensorboard"))
    with open(os.path.join(run_dir, "verification.csv")) as handle:  # the file states the summary's figures
        written = list(csv.DictReader(handle))
    assert [(int(r["step"]), float(r["verification"])) for r in written] == [
        (v["step"], pytest.approx(v["verification"], abs=5e-5)) for v in summary["verification"]
    ]
    inference = keras.saving.load_model(os.path.join(run_dir, "inference.keras"))
    assert inference(np.zeros((1, 32, 32, 3), np.uint8))["quality"].shape == (1,)


@pytest.mark.slow  # ~80 s: three training processes (uninterrupted, killed, resumed) compared weight by weight
def test_sigkill_then_resume_equals_uninterrupted_run(tiny_data, tmp_path):
    steps = 4
    full = str(tmp_path / "full")
    overrides = dict(**{"train.max_steps": 2 * steps, "train.checkpoint_every": steps})
    _train_subprocess(
        tiny_overrides(tiny_data, full, **overrides), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    ).wait(timeout=300)
    killed = str(tmp_path / "killed")
    process = _train_subprocess(
        tiny_overrides(tiny_data, killed, **overrides), stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    for line in process.stdout:
        if line.startswith(f"checkpoint saved at step {steps}"):
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=60)
    assert process.returncode == -signal.SIGKILL
    assert tf.train.latest_checkpoint(os.path.join(killed, "checkpoints")).endswith(f"ckpt-{steps}")
    assert not os.path.exists(os.path.join(killed, "model.keras"))
    command = [sys.executable, os.path.join(ROOT, "training", "train.py"), "--config", CONFIG, "--resume"]
    for override in tiny_overrides(tiny_data, killed, **overrides):
        command += ["--set", override]
    subprocess.run(command, cwd=ROOT, check=True, capture_output=True, timeout=300)
    for a, b in zip(_final_weights(full), _final_weights(killed)):
        np.testing.assert_array_equal(a, b)


def _free_ports(count):
    sockets = [socket.socket() for _ in range(count)]
    for s in sockets:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in sockets]
    for s in sockets:
        s.close()
    return ports


@pytest.mark.slow  # ~30 s: two worker processes meeting over gRPC on 127.0.0.1
def test_two_local_workers_end_with_the_same_weights(tiny_data, tmp_path):
    ports = _free_ports(2)
    hosts = ",".join(f"127.0.0.1:{p}" for p in ports)
    processes = []
    for index in range(2):  # TF_CONFIG as the README's recipe builds it
        command = [sys.executable, "-m", "crfiqa_tf.cli", "tf-config", "--hosts", hosts, "--index", str(index)]
        tf_config = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip()
        run_dir = str(tmp_path / f"worker{index}")
        overrides = tiny_overrides(
            tiny_data, run_dir, **{"train.strategy": "multi_worker", "train.max_steps": 3, "train.checkpoint_every": 0}
        )
        processes.append(
            _train_subprocess(
                overrides, env={"TF_CONFIG": tf_config}, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
            )
        )
    outputs = [p.communicate(timeout=400)[0] for p in processes]
    assert all(p.returncode == 0 for p in processes), outputs[0][-3000:] + outputs[1][-3000:]
    chief = _final_weights(str(tmp_path / "worker0"))
    other = _final_weights(str(tmp_path / "worker1" / "_workers" / "worker1"))
    summary = json.loads(open(tmp_path / "worker0" / "summary.json").read())
    assert summary["replicas"] == 2 and summary["steps"] == 3
    for a, b in zip(chief, other):
        np.testing.assert_array_equal(a, b)


def test_poisoned_batch_stops_with_message_and_keeps_last_checkpoint(tiny_data, tmp_path, monkeypatch):
    import crfiqa_tf_apps.training.train_lib as train_lib

    def poisoned(strategy, files, per_replica_batch, skip_steps=0, **kwargs):
        def dataset_fn(context):
            from crfiqa_tf.data.pipeline import make_dataset

            ds = make_dataset(files, per_replica_batch, input_context=context, **kwargs)
            return ds.enumerate().map(lambda i, b: (tf.where(i == 3, np.nan, b[0]), b[1]))

        return strategy.distribute_datasets_from_function(dataset_fn)

    monkeypatch.setattr(train_lib, "make_distributed_dataset", poisoned)
    run_dir = str(tmp_path / "run")
    config = load_config(
        CONFIG,
        tiny_overrides(
            tiny_data, run_dir, **{"train.max_steps": 6, "train.checkpoint_every": 2, "train.strategy": "one_device"}
        ),
    )
    with pytest.raises(train_lib.NonFiniteLossError, match=r"non-finite loss .* at step 4.*ckpt-2"):
        train_lib.train(config)
    assert tf.train.latest_checkpoint(os.path.join(run_dir, "checkpoints")).endswith("ckpt-2")
    reader = tf.train.load_checkpoint(os.path.join(run_dir, "checkpoints", "ckpt-2"))
    for name in reader.get_variable_to_shape_map():
        value = reader.get_tensor(name)
        if isinstance(value, np.ndarray) and value.dtype.kind == "f":
            assert np.all(np.isfinite(value)), name


@pytest.mark.parametrize(
    "override,message",
    [
        ("train.unknown_key=1", "unknown config key"),
        ("train.lr=-0.5", "train.lr: must be >= 0"),
        ("data.train_dir=/definitely/missing", "data.train_dir: directory not found"),
    ],
)
def test_bad_configs_fail_before_any_work(override, message, tmp_path):
    with pytest.raises(ConfigError, match=message):
        load_config(CONFIG, [f"train.run_dir={tmp_path}", f"data.train_dir={tmp_path}", override])
    assert not os.listdir(tmp_path)
