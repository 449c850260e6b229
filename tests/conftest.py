"""Test set-up: quiet TensorFlow and two logical CPUs, configured when a test first imports TensorFlow, before
anything touches a device (a test file that never needs TensorFlow runs without it: the mutation runner forks).

The two logical CPUs let MirroredStrategy run with two replicas on one machine; single-device tests still run
on /cpu:0 and are unaffected.

The suite runs in two pytest-xdist workers (``make test``: ``-n 2 --dist loadgroup``; measured 1.5x faster than one
process on 2 cores, as most tests are bound by Python and graph building, not by arithmetic). Every test that uses
the `exported` fixture is put in one xdist group, so that the fixture (a trained, exported model) is built once
per session and not once per worker, and the longest work is handed out first.
"""

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("CUDA_VISIBLE_DEVICES", "")

import importlib.abc  # noqa: E402
import importlib.util  # noqa: E402
import sys  # noqa: E402

import pytest  # noqa: E402

TWO_CPUS = ["/cpu:0", "/cpu:1"]


def _two_logical_cpus(tf) -> None:
    cpu = tf.config.list_physical_devices("CPU")[0]
    tf.config.set_logical_device_configuration(
        cpu, [tf.config.LogicalDeviceConfiguration(), tf.config.LogicalDeviceConfiguration()]
    )


class _TwoCpusOnImport(importlib.abc.MetaPathFinder):
    """Splits the CPU into two logical devices the moment something imports TensorFlow, before any device exists:
    a test that never needs TensorFlow never imports it (NumPy-only test files run without it)."""

    def find_spec(self, name, path=None, target=None):
        if name != "tensorflow":
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(name)
        load = spec.loader.exec_module

        def load_then_split(module):
            load(module)
            _two_logical_cpus(module)

        spec.loader.exec_module = load_then_split
        return spec


if "tensorflow" in sys.modules:  # imported before the tests (a plugin): split now, no device exists yet
    _two_logical_cpus(sys.modules["tensorflow"])
else:
    sys.meta_path.insert(0, _TwoCpusOnImport())


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook, which reads the group into each test's id
def pytest_collection_modifyitems(config, items):
    for item in items:
        if "exported" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.xdist_group("exported"))

    # The longest work first, so that neither worker is left with a long test at the end: the exported group (the
    # fixture and its tests), then the tests marked slow, then the rest, each in file order.
    def rank(item):
        return 0 if item.get_closest_marker("xdist_group") else 1 if item.get_closest_marker("slow") else 2

    items.sort(key=rank)


@pytest.fixture
def two_cpu_strategy():
    import tensorflow as tf

    return tf.distribute.MirroredStrategy(TWO_CPUS)


import os  # noqa: E402


@pytest.fixture(scope="session")
def exported(tmp_path_factory):
    """A tiny model (32 px) trained for a few dozen steps on the synthetic set, exported in every format."""
    import json

    import keras
    import tensorflow as tf
    from support.helpers import tiny_model

    from crfiqa_tf.data.pipeline import make_dataset
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.data.synthetic import make_synthetic_dataset
    from crfiqa_tf_apps.serving.export_lib import export

    SIZE = 32
    tmp = tmp_path_factory.mktemp("export")
    make_synthetic_dataset(str(tmp / "data"), identities=8, per_identity=16, seed=0, shards=2, val_pairs=4)
    keras.utils.set_random_seed(0)
    model = tiny_model(num_classes=8, size=SIZE, backbone_clip_norm=5.0, weight_decay=5e-4)
    model.compile(optimizer=keras.optimizers.SGD(0.02, momentum=0.9))
    data = make_dataset(
        str(tmp / "data"), 16, training=True, image_size=SIZE, shuffle_buffer=128, seed=0, deterministic=True
    )
    from tensorflow.python.framework import config as tf_framework_config  # TF's only switch-off (2.21)

    # Deterministic ops while training: every session gets the same model, so the parity bounds measured on it hold
    # from one run to the next; switched back off so that later tests run as a user's process would.
    tf.config.experimental.enable_op_determinism()
    try:
        model.fit(data, steps_per_epoch=40, epochs=1, verbose=0)
    finally:
        tf_framework_config.disable_op_determinism()
    model.save(tmp / "model.keras")
    calibration = {"type": "logistic", "centre": 0.2, "scale": 0.3}
    (tmp / "calibration.json").write_text(json.dumps(calibration))
    result = export(
        str(tmp / "model.keras"),
        str(tmp / "out"),
        calibration_path=str(tmp / "calibration.json"),
        representative=str(tmp / "data"),
    )
    files = {os.path.basename(f["path"]): f for f in result["files"]}
    return {
        "tmp": tmp,
        "model": model,
        "saved": result["saved_model"],
        "files": files,
        "images": synthetic_images(24, SIZE, seed=5),
    }
