"""Test set-up: quiet TensorFlow and two logical CPUs, configured before anything touches a device.

The two logical CPUs let MirroredStrategy run with two replicas on one machine; single-device tests still run
on /cpu:0 and are unaffected.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import pytest  # noqa: E402
import tensorflow as tf  # noqa: E402

_cpu = tf.config.list_physical_devices("CPU")[0]
tf.config.set_logical_device_configuration(
    _cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
)
TWO_CPUS = ["/cpu:0", "/cpu:1"]


@pytest.fixture
def two_cpu_strategy():
    return tf.distribute.MirroredStrategy(TWO_CPUS)
