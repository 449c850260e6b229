"""insightface ``.bin`` verification sets (lfw.bin, agedb_30.bin, cfp_fp.bin, ...), read without trusting pickle.

A ``.bin`` is a pickle of ``(bins, issame_list)``: encoded images and one boolean per consecutive image pair,
written by Python 2 (hence ``encoding="bytes"``). It is unpickled by `_RestrictedUnpickler`, which admits only the
globals real files contain — NumPy array reconstruction and ``_codecs.encode`` (how Python 3 pickles bytes with
protocol 2) — so a pickle that would import anything else is refused before anything runs.
"""

from __future__ import annotations

import io
import pickle

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.image_io import ImageReadError, read_image

_ALLOWED_GLOBALS = {
    ("_codecs", "encode"),
    ("numpy", "ndarray"),
    ("numpy", "dtype"),
    ("numpy.core.multiarray", "_reconstruct"),
    ("numpy._core.multiarray", "_reconstruct"),
}


class UnsafeBinError(pickle.UnpicklingError):
    """The file asked to import something a verification set never contains."""


class _RestrictedUnpickler(pickle.Unpickler):
    def __init__(self, handle, source: str):
        super().__init__(handle, encoding="bytes")
        self.source = source

    def find_class(self, module, name):
        if (module, name) in _ALLOWED_GLOBALS:
            return super().find_class(module, name)
        raise UnsafeBinError(
            f"{self.source}: refused to load {module}.{name} — an insightface .bin holds only encoded images and "
            "booleans; this file is not one (nothing was executed)"
        )


def load_bin_raw(path: str) -> tuple[list[bytes], np.ndarray]:
    """``(encoded images, issame [pairs] bool)`` from a .bin, checked for consistency."""
    with io.BytesIO(paths.read_bytes(path)) as handle:
        try:
            loaded = _RestrictedUnpickler(handle, path).load()
        except UnsafeBinError:
            raise
        except Exception as error:  # a damaged pickle can fail in many ways
            raise ValueError(
                f"{path}: not a readable .bin verification set ({type(error).__name__}: {error})"
            ) from None
    if not (isinstance(loaded, tuple) and len(loaded) == 2):
        raise ValueError(f"{path}: expected a pickled (bins, issame_list) pair")
    bins, issame = loaded
    bins = [bytes(np.asarray(b, dtype=np.uint8).tobytes()) if isinstance(b, np.ndarray) else bytes(b) for b in bins]
    issame = np.asarray(issame, dtype=bool).reshape(-1)
    if len(bins) != 2 * len(issame):
        raise ValueError(f"{path}: {len(bins)} images for {len(issame)} pairs (expected two images per pair)")
    return bins, issame


def load_bin(path: str, image_size: int = 112) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[2·pairs, size, size, 3]`` uint8 RGB and ``issame [pairs]`` from an insightface ``.bin``.

    Decoding goes through Pillow, so PNG entries and CMYK JPEGs (which ``tf.io.decode_jpeg`` rejects) decode too;
    an entry that cannot be decoded raises an error naming its index.
    """
    bins, issame = load_bin_raw(path)
    images = np.empty((len(bins), image_size, image_size, 3), np.uint8)
    for index, data in enumerate(bins):
        try:
            images[index] = read_image(data, source=f"{path}[{index}]", size=image_size)
        except ImageReadError as error:
            raise ValueError(str(error)) from None
    return images, issame


def write_bin(path: str, bins: list[bytes], issame: list[bool]) -> None:
    """Writes a ``.bin`` readable by insightface's loaders and by `load_bin`."""
    if len(bins) != 2 * len(issame):
        raise ValueError(f"{len(bins)} images for {len(issame)} pairs (expected two images per pair)")
    paths.write_bytes(path, pickle.dumps((list(bins), [bool(x) for x in issame]), protocol=4))
