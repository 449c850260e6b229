"""MobileFaceNet (Chen, Liu, Gao, Han: *MobileFaceNets*, CCBR 2018): the recognition literature's mobile backbone,
as a drop-in for `IResNet` under the CR-FIQA heads.

Table 1 of the paper at 112×112: a 3×3 stride-2 convolution and a 3×3 depthwise one (64 channels), inverted
residual bottlenecks (expansion t, channels c, repeats n, stride s) = (2, 64, 5, 2), (4, 128, 1, 2),
(2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1), a 1×1 convolution to 512, the linear global depthwise
convolution (GDConv, 7×7 at 112 px) and a linear 1×1 convolution to the embedding. In the paper's network every
non-linearity is a PReLU, written here in the decomposed form `DecomposedPReLU` (exact), so that the int8 TFLite graph
stays inside XNNPACK with no folding step at export; TFLite's converter folds the BatchNorms itself.

Two named variants (`VARIANTS`): ``mobilefacenet`` is the paper's network; ``mobilefacenet-edge`` halves the
bottleneck widths (MobileNet's width multiplier, the 512-channel head kept) and uses ReLU, which TFLite fuses into
the convolutions. On one core of an Intel Xeon the int8 edge variant runs about 3× faster than the paper's
(benchmarks/edge.py): each decomposed PReLU is three int8 elementwise passes over the expanded feature maps, which
cost more than the convolutions between them. Both write the GDConv as `GlobalDepthwiseConv`, the same weights
applied as a product and a spatial sum, because XNNPACK has no fast int8 kernel for a 7×7 depthwise convolution.
"""

from __future__ import annotations

import keras
from keras import layers

from crfiqa_tf.models.backbone import DecomposedPReLU
from crfiqa_tf.models.fused_layers import FusedBatchNormalization
from crfiqa_tf.models.width import check_width, scaled

BOTTLENECKS = ((2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1))
ACTIVATIONS = ("prelu", "relu")
VARIANTS = {
    "mobilefacenet": {"width": 1.0, "activation": "prelu"},  # the paper's
    "mobilefacenet-edge": {"width": 0.5, "activation": "relu"},  # the edge student (see the module docstring)
}


def _bn(name: str, sync: bool):
    return FusedBatchNormalization(epsilon=1e-5, momentum=0.9, synchronized=sync, name=name)


def _activation(x, activation: str | None, name: str):
    if activation == "prelu":
        return DecomposedPReLU(name=f"{name}.prelu")(x)
    return layers.ReLU(name=f"{name}.relu")(x) if activation == "relu" else x


def _conv_bn(x, filters: int, kernel: int, stride: int, name: str, sync: bool, activation: str | None):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}.conv")(x)
    return _activation(_bn(f"{name}.bn", sync)(x), activation, name)


def _depthwise_bn(x, stride: int, name: str, sync: bool, activation: str):
    x = layers.DepthwiseConv2D(3, strides=stride, padding="same", use_bias=False, name=f"{name}.conv")(x)
    return _activation(_bn(f"{name}.bn", sync)(x), activation, name)


def _bottleneck(x, expansion: int, channels: int, stride: int, name: str, sync: bool, activation: str):
    inputs = x
    x = _conv_bn(x, int(x.shape[-1]) * expansion, 1, 1, f"{name}.expand", sync, activation)
    x = _depthwise_bn(x, stride, f"{name}.depthwise", sync, activation)
    x = _conv_bn(x, channels, 1, 1, f"{name}.project", sync, None)
    if stride == 1 and int(inputs.shape[-1]) == channels:
        x = layers.Add(name=f"{name}.add")([inputs, x])
    return x


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class GlobalDepthwiseConv(layers.Layer):
    """A depthwise convolution whose kernel covers the whole ``[H, W]`` map (MobileFaceNet's GDConv), computed as
    ``sum over (h, w) of x[h, w, c] * kernel[h, w, c]``: the same result and weights (kernel ``[H, W, C, 1]``, as
    `keras.layers.DepthwiseConv2D` holds them) as the valid-padded convolution. Output ``[n, 1, 1, C]``.
    """

    def build(self, input_shape):
        height, width, channels = (int(d) for d in input_shape[1:])
        self.kernel = self.add_weight(shape=(height, width, channels, 1), initializer="glorot_uniform", name="kernel")
        self.built = True

    def call(self, x):
        weights = keras.ops.cast(self.kernel[..., 0], x.dtype)
        return keras.ops.sum(x * weights, axis=(1, 2), keepdims=True)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], 1, 1, input_shape[-1])


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class MobileFaceNet(keras.Model):
    """MobileFaceNet backbone: preprocessed faces ``[n, H, W, 3]`` in [−1, 1] → embedding ``[n, embedding_dim]``.

    Args:
        embedding_dim: size of the embedding (128 in the paper; 512 to match an iResNet teacher).
        input_shape: ``(height, width, 3)``; the global depthwise convolution covers the final ``H/16 × W/16`` map
            (7×7 at 112×112).
        synchronized_bn: synchronise BatchNorm statistics across replicas.
        width: multiplier on the stem and bottleneck channels (1.0 in the paper; the 512-channel head is kept).
        activation: ``"prelu"`` (the paper's) or ``"relu"``.

    Call arguments:
        images: float tensor ``[n, H, W, 3]``, preprocessed as `crfiqa_tf.preprocess`.
        training: BatchNorm in training mode when True.

    Examples:

    >>> backbone = MobileFaceNet(embedding_dim=128, input_shape=(112, 112, 3))
    >>> backbone(np.zeros((1, 112, 112, 3), "float32")).shape
    TensorShape([1, 128])
    """

    def __init__(
        self,
        embedding_dim: int = 128,
        input_shape=(112, 112, 3),
        synchronized_bn: bool = False,
        width: float = 1.0,
        activation: str = "prelu",
        **kwargs,
    ):
        input_shape = tuple(int(d) for d in input_shape)
        if len(input_shape) != 3 or input_shape[-1] != 3 or min(input_shape[:2]) < 16:
            raise ValueError(f"input_shape must be (height, width, 3) with sides >= 16, got {input_shape}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {activation!r}")
        width = check_width(width)
        sync, act = synchronized_bn, activation
        inputs = keras.Input(shape=input_shape, name="images")
        x = _conv_bn(inputs, scaled(64, width), 3, 2, "conv1", sync, act)
        x = _depthwise_bn(x, 1, "dw_conv1", sync, act)
        for stage, (expansion, channels, repeats, stride) in enumerate(BOTTLENECKS, start=1):
            for block in range(repeats):
                name, first = f"stage{stage}.{block}", block == 0
                x = _bottleneck(x, expansion, scaled(channels, width), stride if first else 1, name, sync, act)
        x = _conv_bn(x, 512, 1, 1, "conv2", sync, act)
        x = GlobalDepthwiseConv(name="gdconv.conv")(x)  # covers the whole final map (7×7 at 112 px)
        x = _bn("gdconv.bn", sync)(x)
        x = layers.Conv2D(embedding_dim, 1, use_bias=False, name="linear.conv")(x)
        x = layers.Flatten(name="flatten")(x)
        embedding = _bn("features", sync)(x)
        kwargs.setdefault("name", "mobilefacenet")
        super().__init__(inputs=inputs, outputs=embedding, **kwargs)
        self.embedding_dim = embedding_dim
        self.image_shape = input_shape
        self.synchronized_bn = synchronized_bn
        self.width = width
        self.activation = activation

    @classmethod
    def variant(cls, name: str, embedding_dim: int, **kwargs) -> MobileFaceNet:
        """The network `VARIANTS` names (``mobilefacenet`` or ``mobilefacenet-edge``)."""
        if name not in VARIANTS:
            raise ValueError(f"unknown MobileFaceNet variant {name!r}; choose from {', '.join(VARIANTS)}")
        return cls(embedding_dim, name=name.replace("-", "_"), **VARIANTS[name], **kwargs)

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "embedding_dim": self.embedding_dim,
            "input_shape": list(self.image_shape),
            "synchronized_bn": self.synchronized_bn,
            "width": self.width,
            "activation": self.activation,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
