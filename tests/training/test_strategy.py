"""The strategy factory on this machine's CPU (conftest has split it into two logical devices)."""

import pytest
import tensorflow as tf

from crfiqa_tf.config import TrainConfig
from crfiqa_tf_apps.training.strategy import make_strategy, split_cpu


def test_mirrored_over_logical_cpus_one_cpu_and_one_device():
    two = make_strategy(TrainConfig(strategy="mirrored", logical_cpus=2))
    assert isinstance(two, tf.distribute.MirroredStrategy) and two.num_replicas_in_sync == 2
    assert sorted(d.split("/")[-1] for d in two.extended.worker_devices) == ["device:CPU:0", "device:CPU:1"]
    one = make_strategy(TrainConfig(strategy="mirrored", logical_cpus=0))
    assert one.num_replicas_in_sync == 1
    single = make_strategy(TrainConfig(strategy="one_device"))
    assert isinstance(single, tf.distribute.OneDeviceStrategy)
    assert single.extended.worker_devices[0].endswith("CPU:0")


def test_asking_for_more_logical_cpus_than_the_split_made_is_an_error():
    assert split_cpu(2) == ["/cpu:0", "/cpu:1"]  # already split by conftest: accepted as it is
    with pytest.raises(RuntimeError, match="already split into 2 logical devices; 3 were asked for"):
        split_cpu(3)
