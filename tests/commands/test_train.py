"""crfiqa_tf.commands.train (`crfiqa-tf train`): short runs with mixed precision or XLA from the command line."""

import csv
import json
import os

import keras
import numpy as np
import pytest
from support.paths import ROOT

from crfiqa_tf.cli import main

CONFIG = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")


@pytest.mark.slow(reason="two short training runs in this process, one compiled by XLA (~40 s)")
@pytest.mark.parametrize("precision, xla", [("mixed_bfloat16", "false"), ("none", "true")])
def test_train_command_with_mixed_precision_or_xla(precision, xla, tmp_path):
    data, run_dir = tmp_path / "data", tmp_path / "run"
    main(["synth", "--out", str(data), "--identities", "4", "--per-identity", "4", "--val-pairs", "10"])
    overrides = [
        f"data.train_dir={data}",
        f"train.run_dir={run_dir}",
        "model.image_size=32",
        "model.width=0.25",
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
