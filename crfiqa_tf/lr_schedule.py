"""The training learning-rate schedule: linear warmup, then piecewise-constant decay (insightface's recipe).

It lives in the library, not in ``training/``, because ``model.keras`` stores the optimizer with its schedule and
must load wherever the package is installed.
"""

from __future__ import annotations

import keras
from keras import ops


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class WarmupPiecewiseConstant(keras.optimizers.schedules.LearningRateSchedule):
    """``values[i]`` between ``boundaries[i-1]`` and ``boundaries[i]``, ramped linearly from ``values[0] / warmup``
    to ``values[0]`` over the first `warmup_steps` steps.

    Args:
        boundaries: increasing step numbers at which the rate changes (``len(values) - 1`` of them).
        values: the rates, the first one being the base rate.
        warmup_steps: length of the linear ramp (0: none).

    Examples:
    >>> schedule = WarmupPiecewiseConstant([10], [0.1, 0.01], warmup_steps=4)
    >>> [round(float(schedule(s)), 3) for s in (0, 3, 9, 10)]
    [0.025, 0.1, 0.1, 0.01]
    """

    def __init__(self, boundaries, values, warmup_steps: int = 0):
        if len(values) != len(boundaries) + 1:
            raise ValueError(f"need one more value than boundaries, got {len(values)} and {len(boundaries)}")
        if warmup_steps < 0:
            raise ValueError(f"warmup_steps must be >= 0, got {warmup_steps}")
        self.boundaries = [int(b) for b in boundaries]
        self.values = [float(v) for v in values]
        self.warmup_steps = int(warmup_steps)

    def __call__(self, step):
        step = ops.cast(step, "float32")
        rate = ops.full((), self.values[0], "float32")
        for boundary, value in zip(self.boundaries, self.values[1:]):
            rate = ops.where(step >= boundary, value, rate)
        if self.warmup_steps:
            ramp = ops.minimum((step + 1.0) / float(self.warmup_steps), 1.0)
            rate = rate * ramp
        return rate

    def get_config(self):
        return {"boundaries": self.boundaries, "values": self.values, "warmup_steps": self.warmup_steps}
