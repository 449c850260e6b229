"""Distribution strategy from the config: mirrored (local GPUs or logical CPUs), multi-worker, one device."""

from __future__ import annotations

import os

import tensorflow as tf

from crfiqa_tf.config import TrainConfig
from crfiqa_tf_apps.training.tf_config import check_tf_config


def split_cpu(count: int) -> list[str]:
    """Splits the CPU into `count` logical devices; must run before anything touches a device."""
    cpu = tf.config.list_physical_devices("CPU")[0]
    existing = tf.config.get_logical_device_configuration(cpu)
    if existing is None:
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * count)
    elif len(existing) < count:
        raise RuntimeError(f"the CPU is already split into {len(existing)} logical devices; {count} were asked for")
    return [f"/cpu:{i}" for i in range(count)]


def make_strategy(config: TrainConfig) -> tf.distribute.Strategy:
    """``mirrored``: all local GPUs, else ``logical_cpus`` logical CPUs (≥ 2) or the one CPU;
    ``multi_worker``: MultiWorkerMirroredStrategy from ``TF_CONFIG``; ``one_device``: the first GPU or the CPU."""
    if config.strategy == "multi_worker":
        check_tf_config(os.environ.get("TF_CONFIG"))
        return tf.distribute.MultiWorkerMirroredStrategy()
    gpus = tf.config.list_physical_devices("GPU")  # listing logical devices would freeze the CPU split
    if config.strategy == "one_device":
        return tf.distribute.OneDeviceStrategy("/gpu:0" if gpus else "/cpu:0")
    if gpus:
        return tf.distribute.MirroredStrategy()
    if config.logical_cpus >= 2:
        return tf.distribute.MirroredStrategy(split_cpu(config.logical_cpus))
    return tf.distribute.MirroredStrategy(["/cpu:0"])
