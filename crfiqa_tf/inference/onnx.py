"""Scorer over an ``.onnx`` model with ONNX Runtime (CPU by default; any installed execution provider)."""

from __future__ import annotations

import numpy as np
import onnxruntime as ort

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.base import Scorer, load_sidecar


class OnnxScorer(Scorer):
    def __init__(self, path: str, threads: int = 0, providers: list[str] | None = None):
        self.path = path
        options = ort.SessionOptions()
        if threads:
            options.intra_op_num_threads = threads
        providers = list(providers or ["CPUExecutionProvider"])
        missing = sorted(set(providers) - set(ort.get_available_providers()))
        if missing:
            raise ValueError(
                f"{path}: ONNX Runtime providers {missing} are not installed here; available: "
                f"{ort.get_available_providers()}"
            )
        model = paths.read_bytes(path) if paths.is_remote(path) else path
        self._session = ort.InferenceSession(model, options, providers=providers)
        inputs = {i.name: i for i in self._session.get_inputs()}
        if sig.INPUT_IMAGES not in inputs:
            raise ValueError(f"{path}: expected an input named {sig.INPUT_IMAGES!r}, found {sorted(inputs)}")
        self.image_size = int(inputs[sig.INPUT_IMAGES].shape[1])
        self._names = [o.name for o in self._session.get_outputs()]
        self.calibration = load_sidecar(path).get("calibration")

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        values = self._session.run(self._names, {sig.INPUT_IMAGES: images.astype(np.uint8)})
        return dict(zip(self._names, values))
