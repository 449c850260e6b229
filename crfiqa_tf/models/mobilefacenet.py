"""MobileFaceNet (Chen, Liu, Gao, Han: *MobileFaceNets*, CCBR 2018): the recognition literature's mobile backbone,
as a drop-in for `IResNet` under the CR-FIQA heads.

Table 1 of the paper at 112×112: a 3×3 stride-2 convolution and a 3×3 depthwise one (64 channels), inverted
residual bottlenecks (expansion t, channels c, repeats n, stride s) = (2, 64, 5, 2), (4, 128, 1, 2),
(2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1), a 1×1 convolution to 512, the linear global depthwise
convolution (GDConv, 7×7 at 112 px) and a linear 1×1 convolution to the embedding. Every non-linearity is a PReLU,
written in the decomposed form `DecomposedPReLU` (exact), so that the int8 TFLite graph stays inside XNNPACK with no
folding step at export; TFLite's converter folds the BatchNorms itself.
"""

from __future__ import annotations

import math

import keras
from keras import layers

from crfiqa_tf.models.backbone import DecomposedPReLU

BOTTLENECKS = ((2, 64, 5, 2), (4, 128, 1, 2), (2, 128, 6, 1), (4, 128, 1, 2), (2, 128, 2, 1))


def _bn(name: str, sync: bool):
    return layers.BatchNormalization(epsilon=1e-5, momentum=0.9, synchronized=sync, name=name)


def _conv_bn(x, filters: int, kernel: int, stride: int, name: str, sync: bool, activation: bool = True):
    x = layers.Conv2D(filters, kernel, strides=stride, padding="same", use_bias=False, name=f"{name}.conv")(x)
    x = _bn(f"{name}.bn", sync)(x)
    return DecomposedPReLU(name=f"{name}.prelu")(x) if activation else x


def _depthwise_bn(x, kernel: int, stride: int, name: str, sync: bool, activation: bool = True, padding="same"):
    x = layers.DepthwiseConv2D(kernel, strides=stride, padding=padding, use_bias=False, name=f"{name}.conv")(x)
    x = _bn(f"{name}.bn", sync)(x)
    return DecomposedPReLU(name=f"{name}.prelu")(x) if activation else x


def _bottleneck(x, expansion: int, channels: int, stride: int, name: str, sync: bool):
    inputs = x
    x = _conv_bn(x, int(x.shape[-1]) * expansion, 1, 1, f"{name}.expand", sync)
    x = _depthwise_bn(x, 3, stride, f"{name}.depthwise", sync)
    x = _conv_bn(x, channels, 1, 1, f"{name}.project", sync, activation=False)
    if stride == 1 and int(inputs.shape[-1]) == channels:
        x = layers.Add(name=f"{name}.add")([inputs, x])
    return x


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class MobileFaceNet(keras.Model):
    """MobileFaceNet backbone: preprocessed faces ``[n, H, W, 3]`` in [−1, 1] → embedding ``[n, embedding_dim]``.

    Args:
        embedding_dim: size of the embedding (128 in the paper; 512 to match an iResNet teacher).
        input_shape: ``(height, width, 3)``; the global depthwise convolution covers the final ``H/16 × W/16`` map
            (7×7 at 112×112).
        synchronized_bn: synchronise BatchNorm statistics across replicas.

    Call arguments:
        images: float tensor ``[n, H, W, 3]``, preprocessed as `crfiqa_tf.preprocess`.
        training: BatchNorm in training mode when True.

    Examples:

    >>> backbone = MobileFaceNet(embedding_dim=128, input_shape=(112, 112, 3))
    >>> backbone(np.zeros((1, 112, 112, 3), "float32")).shape
    TensorShape([1, 128])
    """

    def __init__(self, embedding_dim: int = 128, input_shape=(112, 112, 3), synchronized_bn: bool = False, **kwargs):
        input_shape = tuple(int(d) for d in input_shape)
        if len(input_shape) != 3 or input_shape[-1] != 3 or min(input_shape[:2]) < 16:
            raise ValueError(f"input_shape must be (height, width, 3) with sides >= 16, got {input_shape}")
        sync = synchronized_bn
        inputs = keras.Input(shape=input_shape, name="images")
        x = _conv_bn(inputs, 64, 3, 2, "conv1", sync)
        x = _depthwise_bn(x, 3, 1, "dw_conv1", sync)
        for stage, (expansion, channels, repeats, stride) in enumerate(BOTTLENECKS, start=1):
            for block in range(repeats):
                x = _bottleneck(x, expansion, channels, stride if block == 0 else 1, f"stage{stage}.{block}", sync)
        x = _conv_bn(x, 512, 1, 1, "conv2", sync)
        kernel = (math.ceil(input_shape[0] / 16), math.ceil(input_shape[1] / 16))  # the whole final map
        x = _depthwise_bn(x, kernel, 1, "gdconv", sync, activation=False, padding="valid")
        x = layers.Conv2D(embedding_dim, 1, use_bias=False, name="linear.conv")(x)
        x = layers.Flatten(name="flatten")(x)
        embedding = _bn("features", sync)(x)
        kwargs.setdefault("name", "mobilefacenet")
        super().__init__(inputs=inputs, outputs=embedding, **kwargs)
        self.embedding_dim = embedding_dim
        self.image_shape = input_shape
        self.synchronized_bn = synchronized_bn

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "embedding_dim": self.embedding_dim,
            "input_shape": list(self.image_shape),
            "synchronized_bn": self.synchronized_bn,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
