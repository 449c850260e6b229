import os

import keras
import pytest
from support.paths import ROOT

from crfiqa_tf.config import ConfigError, load_config
from crfiqa_tf.lr_schedule import WarmupPiecewiseConstant

CONFIG = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")


def test_warmup_then_piecewise_and_round_trip():
    schedule = WarmupPiecewiseConstant([10, 20], [0.1, 0.01, 0.001], warmup_steps=4)
    rates = [float(schedule(step)) for step in (0, 1, 3, 9, 10, 19, 20)]
    assert rates == pytest.approx([0.025, 0.05, 0.1, 0.1, 0.01, 0.01, 0.001])
    clone = keras.saving.deserialize_keras_object(keras.saving.serialize_keras_object(schedule))
    assert clone.get_config() == schedule.get_config()
    no_warmup = WarmupPiecewiseConstant([], [0.2])
    assert float(no_warmup(0)) == pytest.approx(0.2)


def test_bad_schedules_and_config(tmp_path):
    with pytest.raises(ValueError, match="one more value"):
        WarmupPiecewiseConstant([10], [0.1])
    with pytest.raises(ValueError, match="warmup_steps"):
        WarmupPiecewiseConstant([], [0.1], warmup_steps=-1)
    with pytest.raises(ConfigError, match="train.warmup_steps"):
        load_config(CONFIG, [f"data.train_dir={tmp_path}", "train.warmup_steps=-3"])
