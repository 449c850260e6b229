"""One runner per model format: each maps the matcher's float32 input tensor to its raw embedding ``[N, D]``.

Inputs and outputs are named by the user or discovered: a model with one input and one output needs no names; with
several, the error lists them. Remote paths are opened through `crfiqa_tf.paths` (TensorFlow reads SavedModels from
any filesystem it knows; ONNX and TFLite models are read into memory).
"""

from __future__ import annotations

import numpy as np

from crfiqa_tf import paths


def _pick(kind: str, names: list[str], wanted: str | None, path: str) -> str:
    if wanted is not None:
        if wanted not in names:
            raise ValueError(f"matcher {path}: no {kind} named {wanted!r}; it has {', '.join(names) or 'none'}")
        return wanted
    if len(names) != 1:
        raise ValueError(f"matcher {path}: {len(names)} {kind}s ({', '.join(names)}); name the one to use")
    return names[0]


class SavedModelRunner:
    """A SavedModel's signature (``serving_default`` where there is one, else its only signature)."""

    def __init__(self, path: str, signature: str | None, input_name: str | None, output_name: str | None):
        import tensorflow as tf

        loaded = tf.saved_model.load(path)
        signatures = list(loaded.signatures.keys())
        if signature is None and "serving_default" in signatures:
            signature = "serving_default"
        self.function = loaded.signatures[_pick("signature", signatures, signature, path)]
        self._loaded = loaded  # keeps the signature's variables alive
        inputs = sorted(self.function.structured_input_signature[1])
        self.input_name = _pick("input", inputs, input_name, path)
        self.output_name = _pick("output", sorted(self.function.structured_outputs), output_name, path)

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        import tensorflow as tf

        return self.function(**{self.input_name: tf.constant(tensor)})[self.output_name].numpy()


class KerasRunner:
    """A ``.keras`` model; a model with several outputs (a dict) needs `output_name`."""

    def __init__(self, path: str, output_name: str | None):
        import os
        import tempfile

        import keras

        if paths.is_remote(path):
            with tempfile.TemporaryDirectory() as local:
                copy = os.path.join(local, paths.basename(path))
                paths.copy(path, copy)
                self.model = keras.saving.load_model(copy, compile=False)
        else:
            self.model = keras.saving.load_model(path, compile=False)
        self.output_name = output_name

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        outputs = self.model(tensor, training=False)
        if isinstance(outputs, dict):
            outputs = outputs[_pick("output", sorted(outputs), self.output_name, "keras model")]
        return np.asarray(outputs)


class OnnxRunner:
    def __init__(self, path: str, input_name: str | None, output_name: str | None):
        import onnxruntime

        self.session = onnxruntime.InferenceSession(paths.read_bytes(path), providers=["CPUExecutionProvider"])
        self.input_name = _pick("input", [i.name for i in self.session.get_inputs()], input_name, path)
        self.output_name = _pick("output", [o.name for o in self.session.get_outputs()], output_name, path)

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        return self.session.run([self.output_name], {self.input_name: tensor})[0]


class TFLiteRunner:
    """A ``.tflite`` model on LiteRT, one face at a time when its batch is fixed; int8/uint8 tensors are quantized
    and dequantized with their own scale and zero point."""

    def __init__(self, path: str, input_name: str | None, output_name: str | None):
        from ai_edge_litert.interpreter import Interpreter

        self.interpreter = Interpreter(model_content=paths.read_bytes(path))
        self.interpreter.allocate_tensors()
        inputs = {d["name"]: d for d in self.interpreter.get_input_details()}
        outputs = {d["name"]: d for d in self.interpreter.get_output_details()}
        self.input = inputs[_pick("input", list(inputs), input_name, path)]
        self.output = outputs[_pick("output", list(outputs), output_name, path)]

    def __call__(self, tensor: np.ndarray) -> np.ndarray:
        rows = []
        for face in tensor:
            batch = face[None]
            scale, zero = self.input["quantization"]
            if self.input["dtype"] in (np.int8, np.uint8) and scale:
                info = np.iinfo(self.input["dtype"])
                batch = np.clip(np.round(batch / scale + zero), info.min, info.max).astype(self.input["dtype"])
            self.interpreter.set_tensor(self.input["index"], batch.astype(self.input["dtype"]))
            self.interpreter.invoke()
            out = self.interpreter.get_tensor(self.output["index"]).astype(np.float32)
            scale, zero = self.output["quantization"]
            rows.append((out - zero) * scale if self.output["dtype"] in (np.int8, np.uint8) and scale else out)
        return np.concatenate(rows) if rows else np.zeros((0, self.output["shape"][-1]), np.float32)
