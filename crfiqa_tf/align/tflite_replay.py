"""A float `.tflite` graph of builtin ops replayed as TensorFlow ops, its weights as constants: MediaPipe's BlazeFace
and Face Mesh inside a SavedModel, so that TF Serving (CPU or GPU) runs detection with no Python and no LiteRT.

The flatbuffer is read with TensorFlow's own schema reader (``tensorflow.lite.tools.flatbuffer_utils``); each
operator becomes the TensorFlow op with the same semantics (TFLite and TensorFlow share the SAME/VALID padding rule
and NHWC layout; filters are transposed from TFLite's OHWI / 1HW(I·M) layouts). Only the operators these two models
use are supported; any other raises, naming it. Tested equal to LiteRT's outputs on real photos
(tests/align/test_tflite_replay.py).
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

# tflite schema enums (schema.fbs): tensor types, padding, fused activations
_DTYPES = {0: np.float32, 1: np.float16, 2: np.int32, 4: np.int64}
_PADDING = {0: "SAME", 1: "VALID"}


def _activation(x, code: int):
    if code == 0:
        return x
    if code == 1:
        return tf.nn.relu(x)
    if code == 3:
        return tf.nn.relu6(x)
    raise ValueError(f"fused activation {code} is not supported")


class TFLiteGraph:
    """``graph(x)`` runs the model's single subgraph on a float32 NHWC batch and returns its outputs in the
    model's output order (the batch dimension may be any size: reshapes keep it)."""

    def __init__(self, path: str):
        from tensorflow.lite.python import schema_py_generated as schema
        from tensorflow.lite.tools import flatbuffer_utils

        model = flatbuffer_utils.read_model(path)
        if len(model.subgraphs) != 1:
            raise ValueError(f"{path}: expected one subgraph, found {len(model.subgraphs)}")
        self.path = path
        names = {value: name for name, value in vars(schema.BuiltinOperator).items() if not name.startswith("_")}
        graph = model.subgraphs[0]
        self._inputs, self._outputs = list(graph.inputs), list(graph.outputs)
        self._shapes = [np.asarray(t.shape).tolist() for t in graph.tensors]
        self._constants = {}
        for index, tensor in enumerate(graph.tensors):
            data = model.buffers[tensor.buffer].data if tensor.buffer < len(model.buffers) else None
            if data is not None and len(data):
                array = np.frombuffer(bytes(data), _DTYPES[tensor.type]).reshape(tensor.shape)
                # float16 weights (BlazeFace stores them so, behind DEQUANTIZE) are widened once, here
                self._constants[index] = array.astype(np.float32) if array.dtype == np.float16 else array
        self._ops = []
        for op in graph.operators:
            code = model.operatorCodes[op.opcodeIndex]
            name = names.get(max(code.builtinCode, code.deprecatedBuiltinCode), str(code.builtinCode))
            if not hasattr(self, f"_op_{name.lower()}"):
                raise ValueError(f"{path}: operator {name} is not supported by the TensorFlow replay")
            self._ops.append((name, list(op.inputs), list(op.outputs), op.builtinOptions))
        # One graph function a model: a pipeline that runs it in several places (the whole frame, the tiles, the
        # second looks, the retry) holds its operators and weights once, and traces them once.
        batch_of_inputs = tf.TensorSpec([None, *self._shapes[self._inputs[0]][1:]], tf.float32)
        self._function = tf.function(self._run, input_signature=[batch_of_inputs], autograph=False)

    def _value(self, values: dict, index: int):
        return values[index] if index in values else self._constants[index]  # a NumPy constant

    def __call__(self, x):
        return self._function(tf.convert_to_tensor(x, tf.float32))

    def _run(self, x):
        values = {self._inputs[0]: x}
        for name, inputs, outputs, options in self._ops:
            args = [self._value(values, i) if i >= 0 else None for i in inputs]
            values[outputs[0]] = getattr(self, f"_op_{name.lower()}")(args, options, outputs[0])
        return [values[i] for i in self._outputs]

    # -- operators --------------------------------------------------------------------------------------------

    def _op_dequantize(self, args, options, out):
        value = args[0]
        return value.astype(np.float32) if isinstance(value, np.ndarray) else tf.cast(value, tf.float32)

    def _op_conv_2d(self, args, o, out):
        x, kernel, bias = args
        kernel = np.transpose(np.asarray(kernel, np.float32), [1, 2, 3, 0])  # OHWI → HWIO, once, as a constant
        y = tf.nn.conv2d(
            x,
            kernel,
            strides=[1, o.strideH, o.strideW, 1],
            padding=_PADDING[o.padding],
            dilations=[1, o.dilationHFactor, o.dilationWFactor, 1],
        )
        return _activation(y if bias is None else y + np.asarray(bias, np.float32), o.fusedActivationFunction)

    def _op_depthwise_conv_2d(self, args, o, out):
        x, kernel, bias = args
        channels = int(self._shapes[out][-1])
        multiplier = o.depthMultiplier or 1
        _, height, width, _ = np.shape(kernel)
        kernel = np.reshape(np.asarray(kernel, np.float32), [height, width, channels // multiplier, multiplier])
        y = tf.nn.depthwise_conv2d(
            x,
            kernel,
            strides=[1, o.strideH, o.strideW, 1],
            padding=_PADDING[o.padding],
            dilations=[o.dilationHFactor, o.dilationWFactor],
        )
        return _activation(y if bias is None else y + np.asarray(bias, np.float32), o.fusedActivationFunction)

    def _op_add(self, args, o, out):
        return _activation(args[0] + args[1], o.fusedActivationFunction)

    def _op_relu(self, args, o, out):
        return tf.nn.relu(args[0])

    def _op_prelu(self, args, o, out):
        x, alpha = args
        return tf.maximum(x, 0.0) + np.asarray(alpha, np.float32) * tf.minimum(x, 0.0)

    def _op_max_pool_2d(self, args, o, out):
        y = tf.nn.max_pool2d(
            args[0],
            ksize=[1, o.filterHeight, o.filterWidth, 1],
            strides=[1, o.strideH, o.strideW, 1],
            padding=_PADDING[o.padding],
        )
        return _activation(y, o.fusedActivationFunction)

    def _op_pad(self, args, o, out):
        return tf.pad(args[0], np.asarray(args[1], np.int32))

    def _op_resize_bilinear(self, args, o, out):
        if o.alignCorners:
            raise ValueError(f"{self.path}: RESIZE_BILINEAR with align_corners is not supported")
        size = np.asarray(args[1], np.int32)
        # half_pixel_centers is TF2's tf.image.resize bilinear (no antialias)
        return tf.image.resize(args[0], size, method="bilinear")

    def _op_reshape(self, args, o, out):
        shape = list(self._shapes[out])
        shape[0] = -1  # the batch, whatever its size
        return tf.reshape(args[0], shape)
