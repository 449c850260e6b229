"""Official CR-FIQA PyTorch checkpoints (``32572backbone.pth`` — iResNet-50, ``181952backbone.pth`` —
iResNet-100) → a Keras inference model that `crfiqa-tf export` takes.

The checkpoint is read with ``torch.load(weights_only=True)``: a file that would need anything but tensors and
plain containers (i.e. that carries code) is refused, never unpickled. Every official key is mapped to exactly
one Keras weight (layer names equal the state_dict prefixes); layout changes:

- convolutions OIHW → HWIO; PReLU ``[C]`` → ``[1, 1, C]``; linear ``[out, in]`` → ``[in, out]``;
- the FC after the flatten: PyTorch flattens NCHW, Keras NHWC, so its input rows are permuted;
- ``features`` (BatchNorm1d, scale frozen at 1 in the official model) has no scale in Keras: a scale other than 1
  is folded into the FC before it, which is exact at inference;
- ``num_batches_tracked`` counters are not weights and are ignored.

Missing keys, unexpected keys and shape mismatches are all reported together in one error.
"""

from __future__ import annotations

import io

import keras
import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.models import CRQualityHead, IResNet

ARCHS = {"iresnet18": 18, "iresnet34": 34, "iresnet50": 50, "iresnet100": 100}


class CheckpointError(ValueError):
    """A checkpoint that does not match the architecture, or that is not a plain state_dict."""


def load_state_dict(path: str) -> dict[str, np.ndarray]:
    """A ``{key: array}`` state_dict (``module.`` prefixes removed) loaded without unpickling code."""
    import pickle

    import torch

    if not paths.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    # a remote checkpoint (gs://…) is read into memory through crfiqa_tf.paths; a local one is read by torch itself
    source = io.BytesIO(paths.read_bytes(path)) if paths.is_remote(path) else path
    try:
        loaded = torch.load(source, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        raise CheckpointError(
            f"{path}: refused — the file holds objects other than tensors (it may carry code), so it was not "
            f"loaded. torch said: {str(error).splitlines()[0]}"
        ) from None
    if isinstance(loaded, dict) and "state_dict" in loaded and isinstance(loaded["state_dict"], dict):
        loaded = loaded["state_dict"]
    if not isinstance(loaded, dict):
        raise CheckpointError(f"{path}: expected a state_dict (a mapping of names to tensors), got {type(loaded)}")
    state = {}
    for key, value in loaded.items():
        if not hasattr(value, "detach"):
            raise CheckpointError(f"{path}: entry {key!r} is not a tensor")
        state[key[len("module.") :] if key.startswith("module.") else key] = value.detach().cpu().numpy()
    return state


def _expected(backbone: IResNet, head: CRQualityHead) -> dict[str, tuple]:
    """Official key → (Keras variable, conversion) for every weight of the Keras model."""
    mapping = {}
    for layer in backbone.layers:
        if not layer.weights:
            continue
        name = layer.name
        if isinstance(layer, keras.layers.Conv2D):
            mapping[f"{name}.weight"] = (layer.kernel, "conv")
            if layer.use_bias:
                mapping[f"{name}.bias"] = (layer.bias, "copy")
        elif isinstance(layer, keras.layers.BatchNormalization):
            if layer.scale:
                mapping[f"{name}.weight"] = (layer.gamma, "copy")
            mapping[f"{name}.bias"] = (layer.beta, "copy")
            mapping[f"{name}.running_mean"] = (layer.moving_mean, "copy")
            mapping[f"{name}.running_var"] = (layer.moving_variance, "copy")
        elif isinstance(layer, keras.layers.PReLU):
            mapping[f"{name}.weight"] = (layer.alpha, "prelu")
        elif isinstance(layer, keras.layers.Dense):
            mapping[f"{name}.weight"] = (layer.kernel, "fc" if name == "fc" else "linear")
            mapping[f"{name}.bias"] = (layer.bias, "copy")
    mapping["qs.weight"] = (head.dense.kernel, "linear")
    mapping["qs.bias"] = (head.dense.bias, "copy")
    return mapping


def _convert(value: np.ndarray, how: str, target_shape: tuple, fc_grid: tuple) -> np.ndarray:
    if how == "conv":
        return value.transpose(2, 3, 1, 0)
    if how == "prelu":
        return value.reshape(target_shape)
    if how == "linear":
        return value.T
    if how == "fc":
        height, width = fc_grid
        out, flat = value.shape
        channels = flat // (height * width)
        return value.reshape(out, channels, height, width).transpose(2, 3, 1, 0).reshape(flat, out)
    return value


def convert_state_dict(
    state: dict[str, np.ndarray],
    arch: str = "iresnet50",
    image_size: int = 112,
    embedding_dim: int = 512,
    use_se: bool = False,
):
    """A Keras inference model (uint8 images → embedding, quality) carrying the official weights."""
    import keras

    from crfiqa_tf.models.preprocessing_layer import FacePreprocessing

    if arch not in ARCHS:
        raise ValueError(f"arch must be one of {sorted(ARCHS)}, got {arch!r}")
    backbone = IResNet(ARCHS[arch], embedding_dim, use_se=use_se, input_shape=(image_size, image_size, 3))
    head = CRQualityHead()
    head.build((None, embedding_dim))
    state = {k: v for k, v in state.items() if not k.endswith("num_batches_tracked")}
    features_scale = state.pop("features.weight", None)
    mapping = _expected(backbone, head)
    missing = sorted(set(mapping) - set(state))
    unexpected = sorted(set(state) - set(mapping))
    fc_grid = tuple(backbone.get_layer("bn2").output.shape[1:3])
    mismatched, converted = [], {}
    for key, (variable, how) in mapping.items():
        if key not in state:
            continue
        value = _convert(state[key], how, tuple(variable.shape), fc_grid)
        if tuple(value.shape) != tuple(variable.shape):
            mismatched.append(f"{key}: checkpoint {tuple(state[key].shape)} vs model {tuple(variable.shape)}")
            continue
        converted[key] = value
    if features_scale is not None and features_scale.shape != (embedding_dim,):
        mismatched.append(f"features.weight: checkpoint {features_scale.shape} vs model ({embedding_dim},)")
    if missing or unexpected or mismatched:
        raise CheckpointError(
            f"checkpoint does not match {arch}: missing keys {missing or 'none'}; unexpected keys "
            f"{unexpected or 'none'}; shape mismatches {mismatched or 'none'}"
        )
    if features_scale is not None and not np.allclose(features_scale, 1.0):
        # Fold BatchNorm1d's scale into the FC before it: γ(Wx + b − μ)/σ = ((γW)x + γb − γμ)/σ.
        converted["fc.weight"] = converted["fc.weight"] * features_scale[None, :]
        converted["fc.bias"] = converted["fc.bias"] * features_scale
        converted["features.running_mean"] = converted["features.running_mean"] * features_scale
    for key, (variable, _) in mapping.items():
        variable.assign(converted[key].astype(np.float32))
    images = keras.Input((image_size, image_size, 3), dtype="uint8", name="images")
    embedding = backbone(FacePreprocessing(name="preprocess")(images), training=False)
    return keras.Model(
        images,
        {
            "embedding": keras.layers.UnitNormalization(axis=-1, dtype="float32", name="embedding")(embedding),
            "quality": keras.layers.Activation("linear", dtype="float32", name="quality")(head(embedding)),
        },
        name=f"crfiqa_{arch}_inference",
    )


def convert_checkpoint(path: str, arch: str, out_dir: str, image_size: int = 112) -> str:
    """Converts an official checkpoint and writes ``out_dir/inference.keras`` (local or remote); returns its path."""
    from crfiqa_tf.model_io import save_keras_model

    model = convert_state_dict(load_state_dict(path), arch, image_size)
    paths.makedirs(out_dir)
    target = paths.join(out_dir, "inference.keras")
    save_keras_model(model, target)
    return target
