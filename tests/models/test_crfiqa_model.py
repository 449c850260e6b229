import json
import subprocess
import sys

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.helpers import run_saving_test, run_serialization_test, tiny_model
from support.paths import ROOT


def _batch(n=8, size=32, classes=5, seed=0):
    rng = np.random.default_rng(seed)
    return rng.uniform(-1, 1, (n, size, size, 3)).astype(np.float32), rng.integers(0, classes, n)


def test_training_reduces_loss_on_a_fixed_batch():
    keras.utils.set_random_seed(0)
    model = tiny_model(backbone_clip_norm=5.0, weight_decay=5e-4)
    model.compile(optimizer=keras.optimizers.SGD(0.05, momentum=0.9))
    images, labels = _batch()
    first = model.train_on_batch(images, labels, return_dict=True)
    for _ in range(15):
        last = model.train_on_batch(images, labels, return_dict=True)
    assert set(first) == {"loss", "ce", "cr_loss", "accuracy", "mean_cr", "mean_quality"}
    assert last["loss"] < first["loss"]


def test_clipping_covers_backbone_and_quality_head_not_margin_head():
    """As the official clip_grad_norm_(backbone.parameters(), 5), whose backbone module holds the qs layer."""
    keras.utils.set_random_seed(3)
    clip = 1e-3
    model = tiny_model(backbone_clip_norm=clip)
    model.compile(optimizer=keras.optimizers.SGD(1.0))  # plain SGD, lr 1: the update is the conditioned gradient
    images, labels = _batch()
    model(images)
    groups = {
        "clipped": model.backbone.trainable_variables + model.quality_head.trainable_variables,
        "margin": model.margin_head.trainable_variables,
    }
    before = {k: [v.numpy() for v in vs] for k, vs in groups.items()}
    model.train_on_batch(images, labels)

    def update_norm(key):
        return np.sqrt(sum(np.sum((v.numpy() - b) ** 2) for v, b in zip(groups[key], before[key])))

    head_update = np.sqrt(
        sum(np.sum((v.numpy() - b) ** 2) for v, b in zip(groups["clipped"][-2:], before["clipped"][-2:]))
    )
    assert update_norm("clipped") == pytest.approx(clip, rel=1e-3)
    assert 0 < head_update <= clip * (1 + 1e-3)
    assert update_norm("margin") > 10 * clip


def _weights_after_one_step(strategy, weights, images, labels):
    with strategy.scope():
        model = tiny_model(sync=True, backbone_clip_norm=0.5, weight_decay=5e-4)
        model.set_weights(weights)
        model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    data = tf.data.Dataset.from_tensor_slices((images, labels)).batch(len(labels))
    model.fit(data, epochs=1, verbose=0)
    return [v.numpy() for v in model.weights]


def test_mirrored_step_equals_single_device_step(two_cpu_strategy):
    keras.utils.set_random_seed(1)
    reference = tiny_model(sync=True)
    weights = reference.get_weights()
    images, labels = _batch(8)
    single = _weights_after_one_step(tf.distribute.OneDeviceStrategy("/cpu:0"), weights, images, labels)
    mirrored = _weights_after_one_step(two_cpu_strategy, weights, images, labels)
    changed = 0
    for before, a, b in zip(weights, single, mirrored):
        # Same global batch: synchronized BN, compute_average_loss, clip after the all-reduce. The two differ only
        # by float32 summation order: tolerance 1e-5 of the tensor's largest magnitude (the ArcFace centres move
        # by ~10 in one step from their 0.01-scale initialisation, so their absolute error is larger).
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5 * max(1.0, float(np.abs(a).max())))
        changed += not np.allclose(before, a)
    assert changed > len(weights) // 2


def test_inference_model_outputs_and_no_class_centres():
    model = tiny_model()
    inference = model.inference_model()
    images = np.random.default_rng(2).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    out = inference(images)
    assert out["quality"].shape == (3,)
    np.testing.assert_allclose(np.linalg.norm(out["embedding"], axis=1), 1.0, atol=1e-5)
    assert not any("margin_head" in w.path for w in inference.weights)
    float_model = model.inference_model(input_dtype="float32")
    np.testing.assert_allclose(float_model(images.astype(np.float32))["quality"], out["quality"], atol=1e-6)


def test_model_config_and_keras_round_trip_with_optimizer_state(tmp_path):
    model = tiny_model()
    model.compile(optimizer=keras.optimizers.SGD(0.1, momentum=0.9))
    images, labels = _batch()
    model.train_on_batch(images, labels)
    run_serialization_test(model)
    loaded = run_saving_test(model, images, tmp_path)
    np.testing.assert_array_equal(loaded.margin_head.kernel.numpy(), model.margin_head.kernel.numpy())
    assert len(loaded.optimizer.variables) == len(model.optimizer.variables)
    for a, b in zip(model.optimizer.variables, loaded.optimizer.variables):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))
    # training continues identically after reload
    a = model.train_on_batch(images, labels, return_dict=True)
    b = loaded.train_on_batch(images, labels, return_dict=True)
    np.testing.assert_allclose(a["loss"], b["loss"], rtol=1e-5)


def test_invalid_model_arguments():
    with pytest.raises(ValueError, match="cr_mode"):
        tiny_model(cr_mode="nope")
    with pytest.raises(ValueError, match="backbone_clip_norm"):
        tiny_model(backbone_clip_norm=-1.0)


def _weight_decay_residuals(replicas: int) -> list[float]:
    """For every trainable weight: max |(w_decayed − w_plain) − (−lr·wd·w₀)| / max(1, |w|) after one step from
    the same start, on one device or on two replicas (in this process, so call it where no other MirroredStrategy
    has run: collective instances of strategies made by earlier tests clash)."""
    keras.utils.set_random_seed(4)
    reference = tiny_model()
    images, labels = _batch(8)
    reference(images)
    weights = reference.get_weights()
    models = []
    for decay in (0.0, 0.1):
        devices = ["/cpu:0", "/cpu:1"]
        if replicas == 2:
            strategy = tf.distribute.MirroredStrategy(devices)
        else:
            strategy = tf.distribute.OneDeviceStrategy(devices[0])
        with strategy.scope():
            model = tiny_model(weight_decay=decay)
            model.set_weights(weights)
            model.compile(optimizer=keras.optimizers.SGD(0.5, momentum=0.9))
        model.fit(tf.data.Dataset.from_tensor_slices((images, labels)).batch(8), epochs=1, verbose=0)
        models.append(model)
    plain, decayed = models
    trainable = {id(v) for v in plain.trainable_variables}
    residuals = []
    for start, a, b in zip(weights, plain.weights, decayed.weights):
        if id(a) in trainable:
            error = np.abs((b.numpy() - a.numpy()) - (-0.5 * 0.1 * start)).max()
            residuals.append(float(error / max(1.0, float(np.abs(a.numpy()).max()))))
    return residuals


@pytest.mark.parametrize("replicas", [1, 2])
def test_coupled_weight_decay_known_answer(replicas):
    """torch.optim.SGD(lr, momentum, weight_decay=wd) on its first step: p ← p − lr·(g + wd·p) (the momentum buffer
    starts as that gradient). So the same step with and without decay differs by exactly −lr·wd·p for every
    trainable weight — on one device and, unchanged, on two replicas (no division by the replica count). wd = 0.1
    makes the difference 5 % of each weight, far above float32 noise (residual bound 2e-5 of the weight scale)."""
    if replicas == 1:
        residuals = _weight_decay_residuals(1)
    else:  # two replicas in a fresh process: the CPU split must precede TensorFlow's start
        code = (
            "import json, sys; sys.path[:0] = ['tests', 'tests/models']\n"
            "import conftest, test_crfiqa_model as t\n"
            "print(json.dumps(t._weight_decay_residuals(2)))\n"
        )
        result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=300)
        assert result.returncode == 0, result.stderr[-3000:]
        residuals = json.loads(result.stdout.strip().splitlines()[-1])
    assert len(residuals) > 50 and max(residuals) <= 2e-5, residuals  # every trainable weight of the tiny model


def test_paper_cr_mode_at_model_level_trains_on_ccs_over_nnccs_plus_one():
    """A model built with cr_mode="paper" reports (and regresses onto) CCS / (NNCCS + 1 + ε), computed here from its
    own margin head outputs."""
    keras.utils.set_random_seed(6)
    images, labels = _batch(8)
    for mode in ("paper", "code"):
        model = tiny_model(cr_mode=mode)
        model.compile(optimizer=keras.optimizers.SGD(0.0))  # lr 0: the metrics see the starting weights
        logs = model.test_on_batch(images, labels, return_dict=True)
        head = model.margin_head(model.backbone(images), labels)
        ccs, nnccs = head["ccs"].numpy(), head["nnccs"].numpy()
        expected = ccs / (nnccs + 1 + 1e-9) if mode == "paper" else ccs / nnccs
        assert logs["mean_cr"] == pytest.approx(float(np.mean(expected)), rel=1e-4), mode
        assert model.get_config()["cr_mode"] == mode
