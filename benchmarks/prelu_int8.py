"""Why the exported graph writes PReLU as ``x + (alpha - 1) * min(x, 0)``: int8 TFLite speed (XNNPACK, 2 threads)
and int8 error of three ways to write the same activation, on a stack of 4 × (3×3 conv 64 → activation) at
28×28×64 with per-channel slopes in [0.05, 0.4]. The error is mean |int8 − float| / mean |float| on one input."""

from __future__ import annotations

import time

import keras
import numpy as np
import tensorflow as tf
from ai_edge_litert.interpreter import Interpreter

from benchmarks.common import report
from benchmarks.common import table_row as common_table_row  # noqa: E402
from crfiqa_tf.models.backbone import DecomposedPReLU

SHAPE = (28, 28, 64)
rng = np.random.default_rng(0)
SLOPES = [rng.uniform(0.05, 0.4, SHAPE[-1]).astype("float32") for _ in range(4)]


def _activation(form: str, slopes: np.ndarray) -> keras.layers.Layer:
    if form == "PReLU (Keras; TFLite PRELU)":
        layer = keras.layers.PReLU(shared_axes=[1, 2])
    elif form == "max(x, alpha*x)":
        layer = keras.layers.Lambda(lambda t: keras.ops.maximum(t, t * slopes))
    else:
        layer = DecomposedPReLU()
    layer.build((None, *SHAPE))
    if layer.weights:
        layer.set_weights([np.reshape(slopes, layer.weights[0].shape)])
    return layer


def _stack(form: str) -> keras.Model:
    keras.utils.set_random_seed(1)
    x = inputs = keras.Input(SHAPE)
    for slopes in SLOPES:
        x = _activation(form, slopes)(keras.layers.Conv2D(SHAPE[-1], 3, padding="same")(x))
    return keras.Model(inputs, x)


def _int8(model: keras.Model) -> bytes:
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([rng.uniform(-1, 1, (1, *SHAPE)).astype("float32")] for _ in range(16))
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    return converter.convert()


def main() -> dict:
    x = rng.uniform(-1, 1, (1, *SHAPE)).astype("float32")
    rows = []
    for form in ("PReLU (Keras; TFLite PRELU)", "max(x, alpha*x)", "x + (alpha-1)*min(x, 0) (exported)"):
        model = _stack(form)
        interpreter = Interpreter(model_content=_int8(model), num_threads=2)
        interpreter.allocate_tensors()
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x)
        interpreter.invoke()
        out = interpreter.get_tensor(interpreter.get_output_details()[0]["index"])
        reference = model(x).numpy()
        count, start = 0, time.perf_counter()
        while time.perf_counter() - start < 3.0:
            interpreter.invoke()
            count += 1
        ops = sorted({op["op_name"] for op in interpreter._get_ops_details()} - {"DELEGATE", "QUANTIZE", "DEQUANTIZE"})
        rows.append(
            {
                "what": f"int8 stack, {form}",
                "value": count / (time.perf_counter() - start),
                "int8_relative_error": float(np.abs(out - reference).mean() / np.abs(reference).mean()),
                "tflite_ops": " ".join(ops),
            }
        )
    return report("prelu_int8", rows, {"unit": "value = stack invocations per second"})


def table_row(row: dict) -> tuple[str, str, str]:
    label, value, note = common_table_row(row)
    if "int8_relative_error" in row:
        note = f"invocations/s; int8 error {row['int8_relative_error']:.3f}; TFLite ops {row['tflite_ops']}"
    return label, value, note


if __name__ == "__main__":
    main()
