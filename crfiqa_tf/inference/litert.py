"""Edge scorer over a ``.tflite`` model with ai-edge-litert: imports NumPy, Pillow and ai_edge_litert only.

Runs on a Raspberry Pi or a phone side-car with ``pip install crfiqa-tf[edge]`` — no TensorFlow. Quantized
inputs and outputs (full-int8 models) are converted with each tensor's scale and zero point. A LiteRT interpreter
must not be invoked from two threads at once, and Beam shares one model between the threads of a worker process,
so `predict` holds a lock: threads decode in parallel and take turns on the interpreter.
"""

from __future__ import annotations

import threading

import numpy as np
from ai_edge_litert.interpreter import Interpreter

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.base import Scorer, load_sidecar


def _dequantize(value: np.ndarray, detail: dict) -> np.ndarray:
    scale, zero_point = detail["quantization"]
    if scale == 0.0:
        return value.astype(np.float32)
    return (value.astype(np.float32) - zero_point) * scale


class LiteRTScorer(Scorer):
    def __init__(self, path: str, num_threads: int = 2):
        self.path = path
        if paths.is_remote(path):  # LiteRT reads local files only
            self._interpreter = Interpreter(model_content=paths.read_bytes(path), num_threads=num_threads)
        else:
            self._interpreter = Interpreter(model_path=path, num_threads=num_threads)
        self._runner = self._interpreter.get_signature_runner(sig.PREDICT_IMAGES)
        self._input = self._runner.get_input_details()[sig.INPUT_IMAGES]
        self._outputs = self._runner.get_output_details()
        self.image_size = int(
            self._input["shape_signature"][1] if self._input["shape_signature"][1] > 0 else self._input["shape"][1]
        )
        self.calibration = load_sidecar(path).get("calibration")
        self._lock = threading.Lock()

    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        x = images
        scale, zero_point = self._input["quantization"]
        if self._input["dtype"] != np.uint8 and scale:
            x = np.clip(np.round(images / scale + zero_point), -128, 127).astype(self._input["dtype"])
        with self._lock:
            outputs = self._runner(**{sig.INPUT_IMAGES: x})
        return {name: _dequantize(value, self._outputs[name]) for name, value in outputs.items()}
