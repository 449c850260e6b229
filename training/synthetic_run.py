"""Training on the synthetic identity set with the ``synthetic_tiny`` config: the protocol the demo runs and the
method-check benchmark repeats at other sizes."""

from __future__ import annotations

import math
import os
import time

from crfiqa_tf import paths

CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "configs", "synthetic_tiny.yaml")
PROTOCOLS = {  # identities, images per identity, training steps
    "demo": (60, 40, 240),
    "quick": (8, 6, 4),  # smallest sizes, for tests
}


def train_synthetic_tiny(
    data_dir: str,
    run_dir: str,
    steps: int,
    *,
    rescale_schedule: bool = False,
    quick: bool = False,
    overrides: list[str] | None = None,
) -> dict:
    """Trains ``synthetic_tiny`` on `data_dir` for `steps` steps into `run_dir`, with verification on the set's
    ``verification.bin`` four times and two checkpoints. ``rescale_schedule`` moves the config's lr decays to the
    same fractions of a run of `steps`; ``quick`` shrinks the model to a quarter-width iResNet-18 at 32 px (tests);
    `overrides` (``key=value``) are applied last. Returns the figures of the run."""
    from crfiqa_tf.config import load_config
    from crfiqa_tf.data.schema import read_dataset_info
    from crfiqa_tf_apps.training.train_lib import train

    settings = []
    if rescale_schedule:
        base = load_config(CONFIG, [f"data.train_dir={data_dir}"])
        global_batch = base.data.per_replica_batch * max(base.train.logical_cpus, 1)
        epochs = steps / (read_dataset_info(data_dir)["num_images"] // global_batch)
        decays = ",".join(f"{e / base.train.epochs * epochs:.0f}" for e in base.train.lr_decay_epochs)
        settings += [f"train.epochs={math.ceil(epochs)}", f"train.lr_decay_epochs=[{decays}]"]
    settings += [
        f"data.train_dir={data_dir}",
        f"train.run_dir={run_dir}",
        f"train.max_steps={steps}",
        f"data.verification_bins={paths.join(data_dir, 'verification.bin')}",
        f"train.verify_every={max(steps // 4, 1)}",
        f"train.checkpoint_every={max(steps // 2, 1)}",
    ]
    if quick:
        settings += ["model.image_size=32", "model.width=0.25", "model.embedding_dim=16", "data.per_replica_batch=4"]
    start = time.perf_counter()
    summary = train(load_config(CONFIG, settings + list(overrides or [])))
    history = summary["history"]
    return {
        "run_dir": run_dir,
        "steps": summary["steps"],
        "replicas": summary["replicas"],
        "global_batch": summary["global_batch"],
        "minutes": (time.perf_counter() - start) / 60,
        "images_per_second": summary["images_per_second"],
        "first_loss": history[0]["loss"],
        "last_loss": history[-1]["loss"],
        "first_accuracy": history[0]["accuracy"],
        "last_accuracy": history[-1]["accuracy"],
        "verification": summary["verification"],
        "compute_dtype": summary["compute_dtype"],
    }
