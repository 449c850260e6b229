"""Runs the embedded demo and writes ``SUMMARY.md`` with every figure and where each artefact is.

Stages: synthetic identity set → train ``synthetic_tiny`` with MirroredStrategy on 2 logical CPUs (verification
on the held-out ``.bin`` as it goes) → method check (does quality rank degradation?) → the full-size iResNet-50
(parameters, one training step at batch 8). Later stages (evaluation plots, export, Beam) join as they land.
"""

from __future__ import annotations

import json
import os
import shutil
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZES = {  # identities, images per identity, training steps
    "full": (60, 40, 240),
    "quick": (8, 6, 4),
}


def _log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def synth_stage(out_dir: str, quick: bool) -> dict:
    from crfiqa_tf.data.synthetic import make_synthetic_dataset

    identities, per_identity, _ = SIZES["quick" if quick else "full"]
    data_dir = os.path.join(out_dir, "synthetic", "train")
    _log(f"1/4 synthetic identity set: {identities} identities × {per_identity} images → {data_dir}")
    info = make_synthetic_dataset(data_dir, identities, per_identity, seed=0, shards=4, val_pairs=40 if quick else 400)
    return {"data_dir": data_dir, "identities": identities, "images": info["num_images"]}


def train_stage(out_dir: str, data_dir: str, quick: bool) -> dict:
    from crfiqa_tf.config import load_config
    from training.train_lib import run

    _, _, steps = SIZES["quick" if quick else "full"]
    run_dir = os.path.join(out_dir, "run")
    overrides = [
        f"data.train_dir={data_dir}",
        f"train.run_dir={run_dir}",
        f"train.max_steps={steps}",
        f"data.verification_bins={os.path.join(data_dir, 'verification.bin')}",
        f"train.verify_every={max(steps // 4, 1)}",
        f"train.checkpoint_every={max(steps // 2, 1)}",
    ]
    if quick:
        overrides += ["model.image_size=32", "model.embedding_dim=16", "data.per_replica_batch=4"]
    config = load_config(os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml"), overrides)
    _log(f"2/4 training synthetic_tiny for {steps} steps with MirroredStrategy on 2 logical CPUs → {run_dir}")
    start = time.perf_counter()
    summary = run(config)
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
    }


def method_stage(run_dir: str, data_dir: str) -> dict:
    import keras

    import crfiqa_tf.models  # noqa: F401 — registers the classes load_model needs
    from crfiqa_tf.evaluation.method_check import method_check

    _log("3/4 method check: quality against degradation (held-out identities) and against CR")
    model = keras.saving.load_model(os.path.join(run_dir, "model.keras"))
    return method_check(model, data_dir)


def model_step_stage(quick: bool) -> dict:
    """Builds iResNet-50 (iResNet-18 at 32 px when quick), times one training step at batch 8."""
    import keras

    from crfiqa_tf.config import ModelConfig
    from crfiqa_tf.models import build_crfiqa_model

    depth, size = (18, 32) if quick else (50, 112)
    _log(f"4/4 iResNet-{depth} at {size}×{size}: parameters and one training step at batch 8")
    model = build_crfiqa_model(
        ModelConfig(depth=depth, image_size=size, synchronized_bn=False), 100, backbone_clip_norm=5.0, weight_decay=5e-4
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1 / 512 * 8, momentum=0.9))
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (8, size, size, 3)).astype(np.float32)
    labels = rng.integers(0, 100, 8)
    model.train_on_batch(images, labels)  # the first call traces the step
    start = time.perf_counter()
    model.train_on_batch(images, labels)
    return {
        "depth": depth,
        "image_size": size,
        "step_seconds": time.perf_counter() - start,
        "parameters": model.backbone.count_params() + model.quality_head.count_params(),
    }


def write_summary(out_dir: str, f: dict) -> str:
    data, train, method, step = f["data"], f["train"], f["method"], f["model_step"]
    verification = ", ".join(f"step {v['step']}: {v['verification']:.3f}" for v in train["verification"])
    lines = [
        "# crfiqa-tf demo summary",
        "",
        f"Machine: {f['machine']}. Total time {f['minutes']:.1f} min.",
        "",
        "## Data",
        f"- synthetic identity set: {data['identities']} identities, {data['images']} images → `{data['data_dir']}`",
        f"- held-out verification pairs: `{data['data_dir']}/verification.bin`",
        "",
        "## Training (synthetic_tiny, MirroredStrategy)",
        f"- {train['steps']} steps, {train['replicas']} replicas, global batch {train['global_batch']}, "
        f"{train['minutes']:.1f} min ({train['images_per_second']:.1f} images/s)",
        f"- loss {train['first_loss']:.2f} → {train['last_loss']:.2f}; "
        f"accuracy {train['first_accuracy']:.3f} → {train['last_accuracy']:.3f}",
        f"- verification accuracy (10-fold) on held-out identities: {verification}",
        f"- run directory `{train['run_dir']}`: config.yaml, log.csv, tensorboard/, checkpoints/, model.keras, "
        "inference.keras",
        "",
        "## Method check",
        f"- Spearman(quality, −degradation) on {method['held_out_images']} held-out images: "
        f"{method['spearman_quality_vs_neg_degradation']:.3f} (goal ≥ 0.6)",
        f"- Spearman(quality, own CR) on {method['fresh_training_identity_images']} fresh images of training "
        f"identities: {method['spearman_quality_vs_cr']:.3f}",
        "",
        "## Model core",
        f"- iResNet-{step['depth']} at {step['image_size']}×{step['image_size']}: {step['parameters']:,} parameters "
        "(backbone + quality head)",
        f"- one training step at batch 8: {step['step_seconds']:.2f} s",
        "",
    ]
    path = os.path.join(out_dir, "SUMMARY.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(f, handle, indent=2, default=float)
    return path


def run_demo(out_dir: str = "demo_out", quick: bool = False) -> str:
    """Runs every stage into `out_dir` (replaced if present) and returns the path of SUMMARY.md."""
    from crfiqa_tf.environment import describe_machine

    start = time.perf_counter()
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    figures = {"machine": describe_machine(), "data": synth_stage(out_dir, quick)}
    figures["train"] = train_stage(out_dir, figures["data"]["data_dir"], quick)
    figures["method"] = method_stage(figures["train"]["run_dir"], figures["data"]["data_dir"])
    figures["model_step"] = model_step_stage(quick)
    figures["minutes"] = (time.perf_counter() - start) / 60
    path = write_summary(out_dir, figures)
    _log(f"summary written to {path}")
    return path
