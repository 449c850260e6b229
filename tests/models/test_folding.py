"""The inference form (BatchNorms folded, PReLU decomposed) computes what the training form computes."""

import keras
import numpy as np
import pytest
import tensorflow as tf
from support.helpers import run_saving_test, tiny_model

from crfiqa_tf import signatures as sig
from crfiqa_tf.models import IResNet
from crfiqa_tf.models.backbone import DecomposedPReLU
from crfiqa_tf.models.folding import fold_backbone, fold_inference_model


def _randomise(model, seed=0, slopes=(-0.2, 0.9)):
    """Non-trivial BatchNorm statistics and PReLU slopes (negative ones included), as after training."""
    rng = np.random.default_rng(seed)
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            weights = [rng.uniform(0.5, 1.5, w.shape) for w in layer.get_weights()]
            weights[-2] = rng.uniform(-0.5, 0.5, weights[-2].shape)  # moving mean
            if layer.center:
                weights[-3] = rng.uniform(-0.5, 0.5, weights[-3].shape)  # beta
            layer.set_weights(weights)
        elif isinstance(layer, keras.layers.PReLU):
            layer.set_weights([rng.uniform(*slopes, layer.alpha.shape)])


@pytest.mark.parametrize("use_se, slopes", [(False, (-0.2, 0.9)), (True, (0.5, 1.5))])
def test_folded_backbone_equals_training_form(use_se, slopes):
    backbone = IResNet(18, 32, use_se=use_se, input_shape=(32, 32, 3))
    _randomise(backbone, slopes=slopes)
    folded = fold_backbone(backbone)
    x = np.random.default_rng(1).uniform(-1, 1, (4, 32, 32, 3)).astype(np.float32)
    expected = backbone(x, training=False).numpy()
    actual = folded(x, training=False).numpy()
    # float32 re-association only: 1e-5 of the largest magnitude
    np.testing.assert_allclose(actual, expected, rtol=0, atol=1e-5 * np.abs(expected).max())
    kinds = {type(layer).__name__ for layer in folded.layers}
    assert "PReLU" not in kinds and "DecomposedPReLU" in kinds
    batch_norms = [layer.name for layer in folded.layers if isinstance(layer, keras.layers.BatchNormalization)]
    assert batch_norms == [f"layer{s}.{b}.bn1" for s in range(1, 5) for b in range(2)]  # only the pre-conv ones
    assert folded.form == "inference" and folded.count_params() < backbone.count_params()
    # stride-1 3×3 convolutions pad "same"; only the strided ones keep an explicit (symmetric) ZeroPadding2D
    pads = [layer.name for layer in folded.layers if isinstance(layer, keras.layers.ZeroPadding2D)]
    assert pads == [f"layer{s}.0.conv2_pad" for s in range(1, 5)]


def test_folded_inference_model_equals_and_saves(tmp_path):
    keras.utils.set_random_seed(6)
    model = tiny_model()
    _randomise(model.backbone, seed=2)
    inference = model.inference_model()
    folded = fold_inference_model(inference)
    images = np.random.default_rng(3).integers(0, 256, (5, 32, 32, 3), dtype=np.uint8)
    expected, actual = inference(images), folded(images)
    # quality is a sum of terms as large as the largest output: float32 error scales with that, not with each value
    scale = 1.0 + float(np.abs(expected["quality"]).max())
    np.testing.assert_allclose(actual["quality"], expected["quality"], rtol=0, atol=1e-5 * scale)
    np.testing.assert_allclose(actual["embedding"], expected["embedding"], atol=1e-5)
    run_saving_test(folded, images, tmp_path)


def test_a_model_outside_the_standard_layout_is_exported_unfolded(tmp_path, capsys):
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model

    images = keras.Input((8, 8, 3), dtype="uint8")
    features = keras.layers.Dense(4)(keras.layers.Flatten()(keras.ops.cast(images, "float32") / 255.0))
    custom = keras.Model(
        images, {"embedding": keras.layers.UnitNormalization()(features), "quality": keras.ops.sum(features, -1)}
    )
    saved = export_saved_model(custom, str(tmp_path))
    assert "exporting the unfolded graph" in capsys.readouterr().err
    batch = np.random.default_rng(5).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    out = tf.saved_model.load(saved).signatures[sig.PREDICT_IMAGES](images=tf.constant(batch))
    np.testing.assert_allclose(out["quality"], custom(batch)["quality"], rtol=1e-5, atol=1e-5)


def test_export_with_weights_as_variables_equals_the_frozen_export(tmp_path):
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model

    keras.utils.set_random_seed(7)
    inference = tiny_model().inference_model()
    images = np.random.default_rng(4).integers(0, 256, (3, 32, 32, 3), dtype=np.uint8)
    outputs = {}
    for freeze in (True, False):
        loaded = tf.saved_model.load(export_saved_model(inference, str(tmp_path / str(freeze)), freeze=freeze))
        assert (len(loaded.variables) > 0) is not freeze
        outputs[freeze] = loaded.signatures[sig.PREDICT_IMAGES](images=tf.constant(images))
    for name in (sig.OUTPUT_QUALITY, sig.OUTPUT_EMBEDDING):
        np.testing.assert_allclose(outputs[True][name], outputs[False][name], atol=1e-6)


def test_decomposed_prelu_is_prelu_for_any_slope():
    layer = DecomposedPReLU()
    x = np.linspace(-3, 3, 24, dtype=np.float32).reshape(1, 2, 3, 4)
    layer.build(x.shape)
    alpha = np.array([-0.5, 0.25, 1.0, 1.7], np.float32)
    layer.set_weights([alpha])
    np.testing.assert_allclose(layer(x), np.where(x >= 0, x, alpha * x), atol=1e-7)


def test_folding_refuses_what_it_cannot_fold():
    backbone = IResNet(18, 16, input_shape=(32, 32, 3))
    with pytest.raises(ValueError, match="already in the 'inference' form"):
        fold_backbone(fold_backbone(backbone))
    with pytest.raises(ValueError, match="not an inference model"):
        fold_inference_model(keras.Sequential([keras.Input((4,)), keras.layers.Dense(1)]))
    with pytest.raises(ValueError, match="form"):
        IResNet(18, form="fused")
