"""Images/s of the training input pipeline on 112×112 JPEG shards at batch 128, next to the images/s that an
iResNet-50 training step consumes on the same machine. Goal: the pipeline delivers at least 10× the model."""

from __future__ import annotations

import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import keras  # noqa: E402
import numpy as np  # noqa: E402

from benchmarks.common import report  # noqa: E402
from crfiqa_tf.config import ModelConfig  # noqa: E402
from crfiqa_tf.data.pipeline import make_dataset  # noqa: E402
from crfiqa_tf.data.synthetic import make_synthetic_dataset  # noqa: E402
from crfiqa_tf.models import build_crfiqa_model  # noqa: E402


def pipeline_images_per_second(data_dir: str, batch: int = 128, batches: int = 40) -> float:
    iterator = iter(make_dataset(data_dir, batch, training=True, shuffle_buffer=2000, seed=0))
    for _ in range(5):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch / (time.perf_counter() - start)


def r50_images_per_second(batch: int = 16, steps: int = 3) -> float:
    model = build_crfiqa_model(
        ModelConfig(depth=50, synchronized_bn=False), 1000, backbone_clip_norm=5.0, weight_decay=5e-4
    )
    model.compile(optimizer=keras.optimizers.SGD(0.01, momentum=0.9))
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch, 112, 112, 3)).astype(np.float32)
    labels = rng.integers(0, 1000, batch)
    model.train_on_batch(images, labels)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(images, labels)
    return steps * batch / (time.perf_counter() - start)


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "train")
        make_synthetic_dataset(data_dir, identities=100, per_identity=30, seed=0, shards=8, val_pairs=10)
        pipeline = pipeline_images_per_second(data_dir)
    model = r50_images_per_second()
    rows = [
        {"what": "input pipeline (decode+flip+preprocess, batch 128)", "images_per_s": pipeline},
        {"what": "iResNet-50 training step fp32 (batch 16)", "images_per_s": model},
    ]
    return report("input_pipeline", rows, {"ratio_pipeline_to_model": pipeline / model, "goal": ">= 10"})


if __name__ == "__main__":
    main()
