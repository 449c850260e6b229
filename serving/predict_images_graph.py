"""The graph every converted file (TFLite, ONNX) is made from: the SavedModel's uint8 ``predict_images`` signature
alone."""

from __future__ import annotations

import contextlib
import tempfile

import tensorflow as tf

from crfiqa_tf import signatures as sig


@contextlib.contextmanager
def predict_images_only(saved_model_dir: str):
    """Yields a local, temporary SavedModel that holds only `saved_model_dir`'s ``predict_images`` signature and the
    variables it reads, for the converters.

    The exported SavedModel also holds the photo signatures (detector, mesh, tiles), which make every load of it
    slow, and the TFLite converter loads what it is given twice per conversion: on 2 cores a 32-pixel test model's
    load took ~2.4 s, a TFLite conversion from the full SavedModel 5.2 s and from this copy 0.7 s, with the same
    file byte for byte (the copy is made once, in ~1.7 s, for every mode and for ONNX)."""
    loaded = tf.saved_model.load(saved_model_dir)
    signature = loaded.signatures[sig.PREDICT_IMAGES]
    holder = tf.Module()
    holder.predict_images = signature  # tracks the signature's variables
    with tempfile.TemporaryDirectory(prefix="crfiqa_predict_images_") as local:
        tf.saved_model.save(holder, local, signatures={sig.PREDICT_IMAGES: signature})
        yield local
