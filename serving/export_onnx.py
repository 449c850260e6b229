"""ONNX export with tf2onnx from the SavedModel's uint8 ``predict_images`` signature (dynamic batch, opset 17).

The JPEG-decoding ``serving_default`` signature is not exported: tf2onnx cannot convert DecodeJpeg.
"""

from __future__ import annotations

import contextlib
import gc

import tensorflow as tf
import tf2onnx
import tf2onnx.optimizer

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig

OPSET = 17


def export_onnx(saved_model_dir: str, out_dir: str, name: str = sig.DEFAULT_MODEL_NAME, opset: int = OPSET) -> str:
    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[sig.PREDICT_IMAGES]
    spec = signature.structured_input_signature[1][sig.INPUT_IMAGES]
    input_spec = [tf.TensorSpec([None, *spec.shape[1:]], tf.uint8, name=sig.INPUT_IMAGES)]
    paths.makedirs(out_dir)
    path = paths.join(out_dir, f"{name}.onnx")
    function = tf.function(lambda images: signature(**{sig.INPUT_IMAGES: images}))
    with _collecting_garbage_between_optimizers():
        model, _ = tf2onnx.convert.from_function(function, input_signature=input_spec, opset=opset)
    paths.write_bytes(path, model.SerializeToString())  # tf2onnx writes local files only; --out may be remote
    return path


@contextlib.contextmanager
def _collecting_garbage_between_optimizers():
    """Runs a garbage collection before each of tf2onnx's ONNX optimizer passes.

    tf2onnx deep-copies the whole graph, weights included, before every pass; the discarded copies are reference
    cycles that Python's collector reaches late, so they pile up: an iResNet-18 conversion peaked at 6.6 GB
    resident and an iResNet-50 with its weights as graph constants was killed at 24 GB. `from_function` takes no
    optimizer list, so the registry is wrapped for the duration of the call and restored after it.

    Everything alive before the conversion (TensorFlow's own objects, the loaded SavedModel) is frozen out of the
    collector's reach meanwhile (`gc.freeze`), so that each collection walks only what the conversion made: a
    32-pixel test model's conversion took 8.9 s on 2 cores, 6.4 s of it in the 24 collections, and 3.0 s frozen
    (same ONNX outputs). A process that froze objects of its own before (a server that forks does) is left as it
    was: nothing is frozen or unfrozen then."""
    registry = tf2onnx.optimizer._optimizers
    original = dict(registry)
    freeze = gc.get_freeze_count() == 0
    if freeze:
        gc.collect()
        gc.freeze()

    def collecting(factory):
        def make():
            gc.collect()
            return factory()

        return make

    registry.update({name: collecting(factory) for name, factory in original.items()})
    try:
        yield
    finally:
        registry.update(original)
        if freeze:
            gc.unfreeze()
