"""iResNet backbone with the official CR-FIQA topology and one Keras weight per official state_dict key."""

from __future__ import annotations

import keras
from keras import layers

from crfiqa_tf.models.fused_layers import FusedBatchNormalization, SelectPReLU
from crfiqa_tf.models.width import check_width, scaled

DEPTHS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3), 50: (3, 4, 14, 3), 100: (3, 13, 30, 3)}
STAGE_WIDTHS = (64, 128, 256, 512)
BN_EPSILON = 1e-5
# PyTorch BatchNorm momentum 0.1 updates running stats with weight 0.1; Keras' momentum is the weight kept.
BN_MOMENTUM = 0.9
SE_REDUCTION = 16
FORMS = ("training", "inference")


def _bn(name: str, synchronized: bool, scale: bool = True) -> layers.BatchNormalization:
    return FusedBatchNormalization(
        epsilon=BN_EPSILON, momentum=BN_MOMENTUM, scale=scale, synchronized=synchronized, name=name
    )


def _conv3x3(x, filters: int, stride: int, name: str, folded: bool = False):
    """PyTorch's conv3x3 (padding 1 on every side). At stride 1 that is Keras "same"; at stride 2 "same" pads
    asymmetrically, so the padding is explicit there. The training form pads explicitly at both strides, keeping
    its layer list as it always was. The folded inference form carries the BatchNorm in a bias and uses "same" at
    stride 1, which TF's CPU kernels run 5–13% faster than pad + "valid" (TF 2.21 oneDNN, 2-core AMD EPYC)."""
    use_bias = folded
    if folded and stride == 1:
        return layers.Conv2D(filters, 3, padding="same", use_bias=True, name=name)(x)
    x = layers.ZeroPadding2D(1, name=f"{name}_pad")(x)
    return layers.Conv2D(filters, 3, strides=stride, padding="valid", use_bias=use_bias, name=name)(x)


def _prelu(name: str, decomposed: bool = False) -> layers.Layer:
    if decomposed:
        return DecomposedPReLU(name=name)
    # One slope per channel, like torch.nn.PReLU(channels); PyTorch initialises slopes at 0.25.
    return SelectPReLU(alpha_initializer=keras.initializers.Constant(0.25), shared_axes=[1, 2], name=name)


def _bn_after_conv(x, name: str, sync: bool, folded: bool):
    """The BatchNorm that follows a convolution; in the folded form it lives in the convolution's weights."""
    return x if folded else _bn(name, sync)(x)


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class DecomposedPReLU(layers.Layer):
    """PReLU with per-channel slopes written as ``x + (alpha - 1) * min(x, 0)``: exact for every slope.

    The inference form of `IResNet` uses it because TFLite then emits MINIMUM + MUL + ADD, which XNNPACK runs in
    int8, whereas an int8 PRELU has no XNNPACK kernel and splits the graph. The shorter ``max(x, alpha * x)`` is
    as fast but more than doubles the int8 error: MAXIMUM forces ``alpha * x`` onto the scale of ``x``, losing the
    small negative branch. `benchmarks/prelu_int8.py` measures all three forms (speed, int8 error, TFLite ops).
    """

    def build(self, input_shape):
        self.alpha = self.add_weight(shape=(int(input_shape[-1]),), initializer="zeros", name="alpha")
        self.built = True

    def call(self, x):
        return x + keras.ops.minimum(x, 0.0) * (keras.ops.cast(self.alpha, x.dtype) - 1.0)

    def compute_output_shape(self, input_shape):
        return input_shape


def _se_block(x, channels: int, name: str):
    s = layers.GlobalAveragePooling2D(keepdims=True, name=f"{name}.pool")(x)
    s = layers.Conv2D(max(1, channels // SE_REDUCTION), 1, activation="relu", name=f"{name}.fc1")(s)
    s = layers.Conv2D(channels, 1, activation="sigmoid", name=f"{name}.fc2")(s)
    return layers.Multiply(name=f"{name}.scale")([x, s])


def _basic_block(x, planes: int, stride: int, downsample: bool, use_se: bool, sync: bool, name: str, form: str):
    folded = form == "inference"
    identity = x
    out = _bn(f"{name}.bn1", sync)(x)  # before a zero-padded conv: cannot be folded exactly
    out = _conv3x3(out, planes, 1, f"{name}.conv1", folded)
    out = _bn_after_conv(out, f"{name}.bn2", sync, folded)
    out = _prelu(f"{name}.prelu", decomposed=folded)(out)
    out = _conv3x3(out, planes, stride, f"{name}.conv2", folded)
    out = _bn_after_conv(out, f"{name}.bn3", sync, folded)
    if use_se:
        out = _se_block(out, planes, f"{name}.se_block")
    if downsample:
        identity = layers.Conv2D(planes, 1, strides=stride, use_bias=folded, name=f"{name}.downsample.0")(x)
        identity = _bn_after_conv(identity, f"{name}.downsample.1", sync, folded)
    return layers.Add(name=f"{name}.add")([out, identity])


@keras.saving.register_keras_serializable(package="crfiqa_tf")
class IResNet(keras.Model):
    """iResNet face-recognition backbone as used by CR-FIQA (ArcFace's "improved ResNet").

    Stem conv3x3(64, stride 1)-BN-PReLU; four stages of IBasicBlocks (BN-conv3x3-BN-PReLU-conv3x3(stride)-BN plus a
    1×1 conv/BN shortcut on the first block of each stage, every stage strided by 2); then BN, dropout, flatten,
    fully connected layer and a BatchNorm1d ("features") whose scale is fixed at 1 as in the official model.
    Layer names equal the official PyTorch state_dict prefixes (``conv1``, ``layer3.13.bn2``, ``fc``, ``features``),
    so each official key maps to exactly one Keras weight.

    The input is the preprocessed image (see `crfiqa_tf.preprocess`), NHWC float in [−1, 1].

    Args:
        depth: 18, 34, 50 or 100.
        embedding_dim: size of the embedding (the official models use 512).
        use_se: add squeeze-and-excitation blocks (official ``use_se`` option, reduction 16).
        dropout: dropout rate before the fully connected layer (0.4 in the official training recipe).
        input_shape: ``(height, width, 3)``; the FC layer size depends on it (7×7 at 112×112).
        synchronized_bn: compute batch statistics across replicas under a distribution strategy.
        width: multiplier on every stage's channels (`crfiqa_tf.models.width`): 1.0, the default, is the official
            network (64, 128, 256, 512); 0.25 gives 16, 32, 64, 128, the tests' tiny models.
        form: ``"training"`` (default: the official layout, trainable) or ``"inference"``: every BatchNorm that
            follows a convolution or the FC layer folded into it, and PReLU as `DecomposedPReLU`. Build it with
            `crfiqa_tf.models.folding.fold_backbone`, which computes its weights from a trained backbone.

    Call arguments:
        inputs: float tensor ``[batch, height, width, 3]``.
        training: whether BatchNorm uses batch statistics and dropout is active.

    Examples:
    >>> backbone = IResNet(depth=18, embedding_dim=128, input_shape=(32, 32, 3))
    >>> backbone(np.zeros((2, 32, 32, 3), "float32")).shape
    TensorShape([2, 128])
    """

    def __init__(
        self,
        depth: int = 50,
        embedding_dim: int = 512,
        use_se: bool = False,
        dropout: float = 0.0,
        input_shape=(112, 112, 3),
        synchronized_bn: bool = False,
        form: str = "training",
        width: float = 1.0,
        **kwargs,
    ):
        if form not in FORMS:
            raise ValueError(f"IResNet form must be one of {FORMS}, got {form!r}")
        if depth not in DEPTHS:
            raise ValueError(f"IResNet depth must be one of {sorted(DEPTHS)}, got {depth}")
        input_shape = tuple(int(d) for d in input_shape)
        if len(input_shape) != 3 or input_shape[-1] != 3 or min(input_shape[:2]) < 16:
            raise ValueError(f"input_shape must be (height, width, 3) with sides >= 16, got {input_shape}")
        width = check_width(width)
        widths = [scaled(channels, width) for channels in STAGE_WIDTHS]
        sync = synchronized_bn
        folded = form == "inference"
        inputs = keras.Input(shape=input_shape, name="images")
        x = _conv3x3(inputs, widths[0], 1, "conv1", folded)
        x = _bn_after_conv(x, "bn1", sync, folded)
        x = _prelu("prelu", decomposed=folded)(x)
        for stage, (blocks, channels) in enumerate(zip(DEPTHS[depth], widths), start=1):
            for block in range(blocks):
                first = block == 0
                x = _basic_block(
                    x,
                    channels,
                    stride=2 if first else 1,
                    downsample=first,
                    use_se=use_se,
                    sync=sync,
                    name=f"layer{stage}.{block}",
                    form=form,
                )
        x = x if folded else _bn("bn2", sync)(x)  # a per-channel affine before flatten: folds into fc exactly
        x = layers.Flatten(name="flatten")(x)
        x = layers.Dropout(dropout, name="dropout")(x)
        x = layers.Dense(embedding_dim, name="fc")(x)
        embedding = x if folded else _bn("features", sync, scale=False)(x)
        kwargs.setdefault("name", f"iresnet{depth}")
        super().__init__(inputs=inputs, outputs=embedding, **kwargs)
        self.depth = depth
        self.embedding_dim = embedding_dim
        self.use_se = use_se
        self.dropout = dropout
        self.image_shape = input_shape
        self.synchronized_bn = synchronized_bn
        self.form = form
        self.width = width

    def get_config(self):
        return {
            "name": self.name,
            "trainable": self.trainable,
            "depth": self.depth,
            "embedding_dim": self.embedding_dim,
            "use_se": self.use_se,
            "dropout": self.dropout,
            "input_shape": list(self.image_shape),
            "synchronized_bn": self.synchronized_bn,
            "form": self.form,
            "width": self.width,
        }

    @classmethod
    def from_config(cls, config):
        return cls(**config)
