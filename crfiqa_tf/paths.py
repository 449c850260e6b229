"""User-given paths, local or remote (gs://, s3://, ram://, ...), for the library's readers of small files.

A path with a scheme goes through TensorFlow's `tf.io.gfile`, which reads every filesystem TensorFlow has a plugin
for; a plain local path goes through the standard library, so that the TensorFlow-free edge path (`[edge]` extra)
can read its model's sidecar and calibration without importing TensorFlow. Beam-side code uses Beam's
``FileSystems`` instead (beam_jobs/).
"""

from __future__ import annotations

import os
import posixpath


def is_remote(path: str) -> bool:
    return "://" in str(path)


def _gfile(path: str):
    try:
        import tensorflow as tf
    except ImportError:
        raise OSError(f"{path}: reading a non-local path needs TensorFlow (pip install 'crfiqa-tf[tf]')") from None
    return tf.io.gfile


def join(path: str, *parts: str) -> str:
    return posixpath.join(path, *parts) if is_remote(path) else os.path.join(path, *parts)


def exists(path: str) -> bool:
    return _gfile(path).exists(path) if is_remote(path) else os.path.exists(path)


def isdir(path: str) -> bool:
    return _gfile(path).isdir(path) if is_remote(path) else os.path.isdir(path)


def listdir(path: str) -> list[str]:
    """Entry names (no trailing slashes), sorted."""
    names = _gfile(path).listdir(path) if is_remote(path) else os.listdir(path)
    return sorted(name.rstrip("/") for name in names)


def read_bytes(path: str) -> bytes:
    if is_remote(path):
        with _gfile(path).GFile(path, "rb") as handle:
            return handle.read()
    with open(path, "rb") as handle:
        return handle.read()


def read_text(path: str) -> str:
    return read_bytes(path).decode("utf-8")
