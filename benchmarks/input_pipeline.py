"""Images/s of the training input pipeline on 112×112 JPEG shards at batch 128, next to the images/s that an
iResNet-50 training step consumes on the same machine. Goal: the pipeline delivers at least 10× the model."""

from __future__ import annotations

import os
import tempfile
import time

from benchmarks.common import report
from crfiqa_tf.data.pipeline import make_dataset
from crfiqa_tf.data.synthetic import make_synthetic_dataset
from crfiqa_tf.models.step_timing import time_training_step


def pipeline_images_per_second(data_dir: str, batch: int = 128, batches: int = 40) -> float:
    iterator = iter(make_dataset(data_dir, batch, training=True, shuffle_buffer=2000, seed=0))
    for _ in range(5):
        next(iterator)
    start = time.perf_counter()
    for _ in range(batches):
        next(iterator)
    return batches * batch / (time.perf_counter() - start)


def main() -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = os.path.join(tmp, "train")
        make_synthetic_dataset(data_dir, identities=100, per_identity=30, seed=0, shards=8, val_pairs=10)
        pipeline = pipeline_images_per_second(data_dir)
    model = time_training_step(depth=50, batch=16, steps=3)["images_per_second"]
    rows = [
        {"what": "input pipeline (decode+flip+preprocess, batch 128)", "images_per_s": pipeline},
        {"what": "iResNet-50 training step fp32 (batch 16)", "images_per_s": model},
    ]
    return report("input_pipeline", rows, {"ratio_pipeline_to_model": pipeline / model, "goal": ">= 10"})


if __name__ == "__main__":
    main()
