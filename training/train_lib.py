"""The training run: strategy, data, model, optimiser, checkpoints with exact resume, verification, logs.

`train(config)` trains until ``train.max_steps`` (or ``epochs × steps_per_epoch``) and leaves in ``train.run_dir``:
``config.yaml`` (resolved), ``checkpoints/``, ``log.csv``, ``tensorboard/``, ``verification.csv``, and at the end
``model.keras`` (training model, margin head included) and ``inference.keras`` (uint8 images → embedding, quality).

Resume (``resume=True``) restores model, optimizer (its step counter drives the learning-rate schedule) and the
data position: with ``data.deterministic`` the input stream is a function of the seed, and the stream restarts
``step`` batches in, so a killed-and-resumed run ends with the same weights as an uninterrupted one.
"""

from __future__ import annotations

import json
import math
import time

import keras
import numpy as np
import tensorflow as tf

from crfiqa_tf import paths
from crfiqa_tf.config import ExperimentConfig, save_config
from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.data.pipeline import CorruptRecordCounter, make_distributed_dataset, shard_files
from crfiqa_tf.data.schema import read_dataset_info
from crfiqa_tf.evaluation.verification import cosine_scores, ten_fold_accuracy
from crfiqa_tf.lr_schedule import WarmupPiecewiseConstant
from crfiqa_tf.model_io import save_keras_model
from crfiqa_tf.models import build_crfiqa_model
from crfiqa_tf.preprocess import preprocess_images_np
from crfiqa_tf_apps.training.run_logging import RunLogger
from crfiqa_tf_apps.training.strategy import make_strategy

FINISHED_FILE = "summary.json"


class NonFiniteLossError(RuntimeError):
    """Training produced a NaN or infinite loss; the last good checkpoint was kept."""


def learning_rate_schedule(config: ExperimentConfig, global_batch: int, steps_per_epoch: int):
    """Linear warmup over ``train.warmup_steps``, then piecewise-constant decay by epoch; base lr = ``train.lr`` or
    0.1/512 × global batch (official rule)."""
    train = config.train
    base = train.lr or train.base_lr_per_512 / 512.0 * global_batch
    boundaries = [int(epoch * steps_per_epoch) for epoch in train.lr_decay_epochs]
    values = [base * train.lr_decay_factor**i for i in range(len(boundaries) + 1)]
    return base, WarmupPiecewiseConstant(boundaries, values, train.warmup_steps)


def _is_chief(strategy) -> bool:
    resolver = getattr(strategy, "cluster_resolver", None)
    if resolver is None or not resolver.task_type:
        return True
    return resolver.task_type == "chief" or (resolver.task_type == "worker" and resolver.task_id == 0)


def _worker_dir(run_dir: str, strategy) -> str:
    """The chief writes into `run_dir`; every other worker into ``run_dir/_workers/<task>`` (multi-worker
    checkpointing needs every worker to save, and they must not overwrite the chief's files)."""
    if _is_chief(strategy):
        return run_dir
    resolver = strategy.cluster_resolver
    return paths.join(run_dir, "_workers", f"{resolver.task_type}{resolver.task_id}")


class VerificationSets:
    """insightface `.bin` sets evaluated with the backbone (embedding of the image plus its mirror)."""

    def __init__(self, bin_paths, image_size: int):
        self.sets = {paths.basename(p).rsplit(".", 1)[0]: load_bin(p, image_size) for p in bin_paths}
        self.image_size = image_size
        self._embed, self._backbone = None, None

    def evaluate(self, backbone, batch_size: int = 64) -> dict[str, float]:
        if self._backbone is not backbone:  # traced once per backbone: the eager per-batch calls took ~1.4x as long
            self._backbone = backbone
            spec = tf.TensorSpec([None, self.image_size, self.image_size, 3], tf.float32)
            self._embed = tf.function(
                lambda x: backbone(x, training=False) + backbone(tf.reverse(x, [2]), training=False),
                input_signature=[spec],
            )
        results = {}
        for name, (images, issame) in self.sets.items():
            embeddings = []
            for start in range(0, len(images), batch_size):
                emb = self._embed(preprocess_images_np(images[start : start + batch_size]))
                embeddings.append(np.asarray(emb))
            results[name], _ = ten_fold_accuracy(cosine_scores(np.concatenate(embeddings)), issame)
        return results


def train(config: ExperimentConfig, resume: bool = False) -> dict:
    """Trains as `config` says; returns a summary (steps, final logs, verification, paths).

    The process-wide switches a run turns on (the mixed-precision policy, op determinism) are put back as they
    were when it returns or fails, so that code running after it in the same process is unaffected."""
    from tensorflow.python.framework import config as tf_framework_config  # the only switch-off TF 2.21 has

    policy = keras.mixed_precision.global_policy()
    determinism = tf_framework_config.is_op_determinism_enabled()
    try:
        return _train(config, resume)
    finally:
        keras.mixed_precision.set_global_policy(policy)
        if not determinism:
            tf_framework_config.disable_op_determinism()


def _train(config: ExperimentConfig, resume: bool) -> dict:
    train, data = config.train, config.data
    if not data.train_dir:
        raise ValueError("data.train_dir: required for training")
    if train.mixed_precision != "none":
        keras.mixed_precision.set_global_policy(train.mixed_precision)
    if data.deterministic:
        keras.utils.set_random_seed(train.seed)
        tf.config.experimental.enable_op_determinism()
    strategy = make_strategy(train)
    info = read_dataset_info(data.train_dir)
    files = shard_files(data.train_dir)
    num_classes = data.num_classes or int(info["num_classes"])
    global_batch = data.per_replica_batch * strategy.num_replicas_in_sync
    steps_per_epoch = train.steps_per_epoch or max(1, int(info["num_images"]) // global_batch)
    total_steps = train.max_steps or train.epochs * steps_per_epoch
    base_lr, schedule = learning_rate_schedule(config, global_batch, steps_per_epoch)

    run_dir = _worker_dir(train.run_dir, strategy)
    checkpoints = paths.join(run_dir, "checkpoints")
    if paths.isdir(checkpoints) and not resume and _is_chief(strategy):
        raise FileExistsError(f"{run_dir} already holds a run: pass --resume to continue it or choose another run_dir")
    try:
        paths.makedirs(run_dir)
        if _is_chief(strategy):
            save_config(config, paths.join(run_dir, "config.yaml"))
    except OSError as error:
        raise OSError(f"train.run_dir {run_dir}: cannot be written ({type(error).__name__}: {error})") from None

    with strategy.scope():
        model = build_crfiqa_model(
            config.model,
            num_classes,
            backbone_clip_norm=train.backbone_clip_norm or None,
            weight_decay=train.weight_decay,
        )
        optimizer = keras.optimizers.SGD(learning_rate=schedule, momentum=train.momentum)
        model.compile(optimizer=optimizer, jit_compile=train.xla)
        optimizer.build(model.trainable_variables)
    checkpoint = tf.train.Checkpoint(model=model, optimizer=model.optimizer)
    manager = tf.train.CheckpointManager(checkpoint, checkpoints, train.keep_checkpoints)
    if resume:
        if manager.latest_checkpoint is None:
            raise FileNotFoundError(f"--resume: no checkpoint in {checkpoints}")
        checkpoint.restore(manager.latest_checkpoint).assert_existing_objects_matched()
    step = int(model.optimizer.iterations.numpy())

    counter = CorruptRecordCounter()
    dataset = make_distributed_dataset(
        strategy,
        files,
        data.per_replica_batch,
        skip_steps=step,
        training=True,
        image_size=config.model.image_size,
        shuffle_buffer=data.shuffle_buffer,
        random_flip=data.random_flip,
        deterministic=data.deterministic,
        seed=train.seed,
        counter=counter,
    )
    iterator = iter(dataset)
    model.make_train_function()
    train_function = model.train_function
    verification = VerificationSets(data.verification_bins, config.model.image_size)
    chief = _is_chief(strategy)
    logger = RunLogger(run_dir, total_steps, step, enabled=chief)
    verification_log: list[dict] = []
    started, first_step = time.perf_counter(), step
    try:
        while step < total_steps:
            model.reset_metrics()
            logs = {k: float(np.mean(v)) for k, v in train_function(iterator).items()}
            if not math.isfinite(logs["loss"]):
                last = manager.latest_checkpoint or "none (no checkpoint was written yet)"
                raise NonFiniteLossError(
                    f"non-finite loss ({logs['loss']}) at step {step + 1}; training stopped. The last good "
                    f"checkpoint is untouched: {last}"
                )
            step += 1
            logger.add(logs)
            logger.advance()
            lr = float(schedule(step - 1))
            if train.log_every and step % train.log_every == 0 or step == total_steps:
                logger.flush(step, lr)
            if train.checkpoint_every and step % train.checkpoint_every == 0 and step < total_steps:
                manager.save(checkpoint_number=step)
                if chief:
                    print(f"checkpoint saved at step {step}", flush=True)
            if verification.sets and (train.verify_every and step % train.verify_every == 0 or step == total_steps):
                accuracies = verification.evaluate(model.backbone)
                verification_log.append({"step": step, **accuracies})
                for name, accuracy in accuracies.items():
                    logger.scalar(f"verification/{name}", accuracy, step)
    finally:
        logger.close()
    elapsed = time.perf_counter() - started
    manager.save(checkpoint_number=step)
    summary = {
        "steps": step,
        "global_batch": global_batch,
        "replicas": strategy.num_replicas_in_sync,
        "base_lr": base_lr,
        "num_classes": num_classes,
        "images_per_second": (step - first_step) * global_batch / max(elapsed, 1e-9),
        "corrupt_records_skipped": counter.count,
        # what the step computed in (the dtype policy is not stored in model.keras: a reload takes the global one)
        "compute_dtype": model.backbone.compute_dtype,
        "margin_head_dtype": model.margin_head.compute_dtype,
        "xla": bool(train.xla),
        "history": logger.history,
        "verification": verification_log,
        "run_dir": run_dir,
    }
    save_keras_model(model, paths.join(run_dir, "model.keras"))
    save_keras_model(model.inference_model(), paths.join(run_dir, "inference.keras"))
    if chief:
        if verification_log:
            names = sorted(verification.sets)
            lines = [",".join(["step", *names])]
            lines += [",".join([str(row["step"]), *(f"{row[n]:.4f}" for n in names)]) for row in verification_log]
            paths.write_text(paths.join(run_dir, "verification.csv"), "\n".join(lines) + "\n")
        # summary.json is written last: a run directory without it is unfinished (killed, or still running)
        finished = {k: v for k, v in summary.items() if k != "history"}
        paths.write_text(paths.join(run_dir, FINISHED_FILE), json.dumps(finished, indent=2))
    return summary
