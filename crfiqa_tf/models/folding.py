"""The inference form of a trained model: BatchNorms folded into the preceding convolution / FC layer, PReLU as
``x + (alpha - 1) * min(x, 0)`` (`DecomposedPReLU`).

Same function, fewer element-wise passes: SavedModel, TFLite and ONNX exports are built from this form. A
BatchNorm ``y = a * x + d`` (``a = gamma / sqrt(var + eps)``, ``d = beta - mean * a``) after a layer with kernel
``W`` and bias ``b`` becomes ``W * a`` (per output channel) and ``b * a + d``. The last ``bn2`` sits before
flatten → FC; its per-channel affine folds into the FC rows of each channel. The ``bn1`` of each block precedes a
zero-padded convolution, where folding would change the border pixels, so it stays.
"""

from __future__ import annotations

import keras
import numpy as np

from crfiqa_tf.models.backbone import DecomposedPReLU, IResNet
from crfiqa_tf.models.inference_model import build_inference_model
from crfiqa_tf.models.preprocessing_layer import FacePreprocessing
from crfiqa_tf.models.quality_head import CRQualityHead


def _affine(bn: keras.layers.BatchNormalization) -> tuple[np.ndarray, np.ndarray]:
    gamma = np.asarray(bn.gamma) if bn.scale else 1.0
    beta = np.asarray(bn.beta) if bn.center else 0.0
    a = gamma / np.sqrt(np.asarray(bn.moving_variance, np.float64) + bn.epsilon)
    d = beta - np.asarray(bn.moving_mean, np.float64) * a
    return a, d


def _folded(kernel: np.ndarray, bias, bn) -> list[np.ndarray]:
    a, d = _affine(bn)
    bias = 0.0 if bias is None else np.asarray(bias, np.float64)
    return [(np.asarray(kernel, np.float64) * a).astype(np.float32), (bias * a + d).astype(np.float32)]


def _bn_following(conv_name: str) -> str | None:
    """The BatchNorm that follows a convolution in the official layout (None for the SE block's 1×1 convs)."""
    if conv_name == "conv1":
        return "bn1"
    prefix, _, last = conv_name.rpartition(".")
    following = {"conv1": "bn2", "conv2": "bn3", "0": "1"}
    if last in ("conv1", "conv2") or (prefix.endswith("downsample") and last == "0"):
        return f"{prefix}.{following[last]}"
    return None


def fold_backbone(backbone: IResNet) -> IResNet:
    """The ``form="inference"`` twin of a trained `IResNet`, computing the same embedding.

    Raises:
        ValueError: the backbone is already in the inference form.
    """
    if backbone.form != "training":
        raise ValueError(f"{backbone.name} is already in the {backbone.form!r} form")
    folded = IResNet.from_config(backbone.get_config() | {"form": "inference", "synchronized_bn": False})
    source = {layer.name: layer for layer in backbone.layers}
    for layer in folded.layers:
        name = layer.name
        if name == "fc" or not layer.weights:
            continue
        if isinstance(layer, DecomposedPReLU):
            layer.set_weights([np.asarray(source[name].alpha).reshape(-1)])
            continue
        bn_name = _bn_following(name) if isinstance(layer, keras.layers.Conv2D) else None
        if bn_name is None:
            layer.set_weights(source[name].get_weights())
        else:
            conv = source[name]
            layer.set_weights(_folded(conv.kernel, conv.bias if conv.use_bias else None, source[bn_name]))
    # bn2 (per channel, before flatten) → fc → features BN, all into fc.
    fc = source["fc"]
    kernel = np.asarray(fc.kernel, np.float64)
    a2, d2 = _affine(source["bn2"])
    repeats = kernel.shape[0] // a2.shape[0]  # flatten order is (h, w, c): the channel of row i is i % C
    bias = np.asarray(fc.bias, np.float64) + np.tile(d2, repeats) @ kernel
    kernel = kernel * np.tile(a2, repeats)[:, None]
    folded.get_layer("fc").set_weights(_folded(kernel, bias, source["features"]))
    return folded


def fold_inference_model(model: keras.Model) -> keras.Model:
    """An inference model (`build_inference_model`'s layout) with its backbone in the folded form; same outputs.

    Raises:
        ValueError: the model is not in that layout, or `fold_backbone` refuses its backbone.
    """
    backbones = [layer for layer in model.layers if isinstance(layer, IResNet)]
    heads = [layer for layer in model.layers if isinstance(layer, CRQualityHead)]
    preprocessing = [layer for layer in model.layers if isinstance(layer, FacePreprocessing)]
    if len(backbones) != 1 or len(heads) != 1 or len(preprocessing) != 1:
        raise ValueError(f"{model.name} is not an inference model (preprocessing → IResNet → quality head)")
    head = CRQualityHead.from_config(heads[0].get_config())
    head.build(heads[0].dense.kernel.shape[:1])
    head.set_weights(heads[0].get_weights())
    return build_inference_model(
        fold_backbone(backbones[0]),
        head,
        input_dtype=model.inputs[0].dtype,
        channel_order=preprocessing[0].channel_order,
        name=model.name,
    )
