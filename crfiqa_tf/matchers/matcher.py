"""`Matcher`: the user's face-recognition model, from any format, with its declared preprocessing; and
`load_matcher`, the one place that opens one (as `crfiqa_tf.model_io.load_scorer` opens quality models)."""

from __future__ import annotations

import numpy as np

from crfiqa_tf.matchers.matcher_input import MatcherInput
from crfiqa_tf.model_files import model_kind


class Matcher:
    """Embeddings of aligned faces from a recognition model.

    Args:
        runner: maps the model's float32 input tensor to its raw embeddings ``[N, D]``.
        spec: the model's preprocessing (`MatcherInput`).
        name: how tables and plots name it.
    """

    def __init__(self, runner, spec: MatcherInput, name: str):
        self.runner, self.spec, self.name = runner, spec, name

    def raw_embeddings(self, faces, batch_size: int = 64) -> np.ndarray:
        """The model's embeddings of aligned RGB uint8 faces ``[N, H, W, 3]``, as it gives them (un-normalised:
        their norm is a quality baseline)."""
        faces = np.asarray(faces)
        parts = [
            np.asarray(self.runner(self.spec.tensor(faces[start : start + batch_size])), np.float32)
            for start in range(0, len(faces), batch_size)
        ]
        if not parts:
            raise ValueError(f"matcher {self.name}: no faces to embed")
        embeddings = np.concatenate(parts)
        if embeddings.ndim != 2 or len(embeddings) != len(faces):
            raise ValueError(
                f"matcher {self.name}: expected one embedding vector per face ([{len(faces)}, D]), got "
                f"{list(embeddings.shape)}; name the embedding output"
            )
        if not np.all(np.isfinite(embeddings)):
            raise ValueError(f"matcher {self.name}: the model gave NaN or infinite embeddings")
        return embeddings

    def embeddings(self, faces, batch_size: int = 64) -> np.ndarray:
        """L2-normalised embeddings: their dot products are the comparison scores (cosine similarity)."""
        raw = self.raw_embeddings(faces, batch_size)
        return raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)


def load_matcher(
    path: str,
    spec: MatcherInput | None = None,
    *,
    signature: str | None = None,
    input_name: str | None = None,
    output_name: str | None = None,
) -> Matcher:
    """Opens a recognition model: a SavedModel folder, a ``.onnx``, ``.tflite`` or ``.keras`` file, local or remote.

    Args:
        path: the model.
        spec: its preprocessing (default: 112 px, 0..255, RGB, NHWC, insightface alignment).
        signature: the SavedModel signature (default ``serving_default``, or the only one).
        input_name: the input to feed (needed only when the model has several).
        output_name: the embedding output (needed only when the model has several).

    Examples:
        >>> matcher = load_matcher("mobileface/", MatcherInput(value_range="0..255"))
        >>> scores = matcher.embeddings(faces_a) @ matcher.embeddings(faces_b).T
    """
    from crfiqa_tf import paths
    from crfiqa_tf.matchers import runtimes

    spec = spec or MatcherInput()
    kind = model_kind(path)
    if kind == "saved_model":
        runner = runtimes.SavedModelRunner(path, signature, input_name, output_name)
    elif kind == "onnx":
        runner = runtimes.OnnxRunner(path, input_name, output_name)
    elif kind == "tflite":
        runner = runtimes.TFLiteRunner(path, input_name, output_name)
    else:
        if not str(path).lower().endswith(".keras"):
            raise ValueError(f"matcher {path}: give the .keras file itself")
        runner = runtimes.KerasRunner(path, output_name)
    return Matcher(runner, spec, paths.basename(str(path).rstrip("/")))
