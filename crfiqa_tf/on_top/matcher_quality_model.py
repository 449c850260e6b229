"""`MatcherQualityModel`: the user's matcher and the on-top quality head as one model — aligned uint8 faces in,
``{"embedding", "quality"}`` out, as the package's own inference model — so that the exporter gives it the usual
signatures (aligned images, image bytes, raw photos) and every scoring path (score, calibrate, Beam, TF Serving,
best shots, TFLite) runs it unchanged.

The matcher runs inside the graph, so it must be a TensorFlow model: a SavedModel or a ``.keras`` file. An ONNX or
TFLite matcher is used through the Python API instead (`crfiqa_tf.matchers.matcher.Matcher` and the head).
"""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.matchers.matcher_input import VALUE_RANGES, MatcherInput
from crfiqa_tf.model_files import model_kind

ALIGNED_SIZE = 112  # the package aligns onto the insightface 112 x 112 template


class MatcherQualityModel(tf.Module):
    """Aligned RGB uint8 faces ``[N, 112, 112, 3]`` → the matcher's L2-normalised embedding and the on-top quality.

    Args:
        matcher_path: the matcher (SavedModel folder or ``.keras`` file).
        spec: its preprocessing (`MatcherInput`), applied here in TensorFlow ops.
        head: the trained `crfiqa_tf.on_top.on_top_model.OnTopQuality`.
        signature, input_name, output_name: as `crfiqa_tf.matchers.matcher.load_matcher` takes them.

    Call arguments:
        images: uint8 or float32 ``[N, 112, 112, 3]``, RGB in 0..255.

    Examples:
        >>> model = MatcherQualityModel("mobileface/", MatcherInput(), head)
        >>> model(faces)["quality"]
    """

    input_shape = (None, ALIGNED_SIZE, ALIGNED_SIZE, 3)

    def __init__(self, matcher_path: str, spec: MatcherInput, head, signature=None, input_name=None, output_name=None):
        super().__init__(name="matcher_quality")
        from crfiqa_tf.matchers import runtimes

        kind = model_kind(matcher_path)
        if kind == "saved_model":
            self.runner = runtimes.SavedModelRunner(matcher_path, signature, input_name, output_name)
        elif kind == "keras" and str(matcher_path).lower().endswith(".keras"):
            self.runner = runtimes.KerasRunner(matcher_path, output_name)
        else:
            raise ValueError(
                f"matcher {matcher_path}: a quality model runs its matcher in the graph, so the matcher must be a "
                "SavedModel or a .keras file (an ONNX or TFLite matcher scores through the Python API)"
            )
        self.spec, self.head = spec, head

    def matcher_input(self, images):
        """The matcher's input tensor from aligned faces, as `MatcherInput.tensor` makes it (resized with
        antialiasing in TensorFlow when the matcher's side is not 112)."""
        x = tf.cast(images, tf.float32)
        if self.spec.size != ALIGNED_SIZE:
            x = tf.image.resize(x, [self.spec.size, self.spec.size], "bilinear", antialias=True)
            x = tf.clip_by_value(tf.round(x), 0.0, 255.0)
        offset, scale = VALUE_RANGES[self.spec.value_range]
        x = x * scale + offset
        if self.spec.channels == "BGR":
            x = tf.reverse(x, axis=[-1])
        if self.spec.layout == "NCHW":
            x = tf.transpose(x, [0, 3, 1, 2])
        return x

    def raw_embeddings(self, images):
        x = self.matcher_input(images)
        runner = self.runner
        if hasattr(runner, "function"):
            return runner.function(**{runner.input_name: x})[runner.output_name]
        outputs = runner.model(x, training=False)
        return outputs[runner.output_name] if isinstance(outputs, dict) else outputs

    def __call__(self, images, training=False):
        raw = tf.cast(self.raw_embeddings(images), tf.float32)
        inputs = raw
        if getattr(self.head, "mirror", False):  # as `crfiqa_tf.on_top.head_inputs.head_inputs` gives them
            mirrored = tf.cast(self.raw_embeddings(tf.reverse(images, axis=[2])), tf.float32)
            inputs = tf.stack([raw, mirrored], axis=1)
        return {"embedding": tf.math.l2_normalize(raw, axis=1), "quality": self.head(inputs, training=False)}
