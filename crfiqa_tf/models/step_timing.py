"""How fast this machine runs one CR-FIQA training step: the figure the demo prints and the training and
input-pipeline benchmarks compare against."""

from __future__ import annotations

import time

import numpy as np


def time_training_step(
    depth: int = 50,
    image_size: int = 112,
    batch: int = 16,
    steps: int = 3,
    warmup_steps: int = 1,
    num_classes: int = 1000,
    dropout: float = 0.4,
    jit_compile: bool = False,
) -> dict:
    """Builds iResNet-`depth` with the official recipe's optimizer settings (SGD momentum 0.9, coupled weight decay
    5e-4, backbone clip norm 5) under the current Keras dtype policy and times `steps` calls of ``train_on_batch`` on
    random preprocessed images after `warmup_steps` untimed ones (the first traces the step); ``jit_compile``
    compiles the step with XLA.

    Returns ``{"seconds_per_step", "images_per_second", "parameters"}`` (parameters of backbone + quality head)."""
    import keras

    from crfiqa_tf.config import ModelConfig
    from crfiqa_tf.models.factory import build_crfiqa_model

    model = build_crfiqa_model(
        ModelConfig(depth=depth, image_size=image_size, dropout=dropout, synchronized_bn=False),
        num_classes,
        backbone_clip_norm=5.0,
        weight_decay=5e-4,
    )
    model.compile(optimizer=keras.optimizers.SGD(0.1 / 512 * batch, momentum=0.9), jit_compile=jit_compile)
    rng = np.random.default_rng(0)
    images = rng.uniform(-1, 1, (batch, image_size, image_size, 3)).astype(np.float32)
    labels = rng.integers(0, num_classes, batch)
    for _ in range(max(warmup_steps, 1)):
        model.train_on_batch(images, labels)
    start = time.perf_counter()
    for _ in range(steps):
        model.train_on_batch(images, labels)
    seconds = (time.perf_counter() - start) / steps
    return {
        "seconds_per_step": seconds,
        "images_per_second": batch / seconds,
        "parameters": model.backbone.count_params() + model.quality_head.count_params(),
    }
