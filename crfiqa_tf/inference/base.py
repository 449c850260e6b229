"""The scorer interface: paths or arrays in, one `ScoreRecord` per input out, the same for every backend.

Imports NumPy and Pillow only (through `crfiqa_tf.image_io`), so the TensorFlow-free edge scorer can use it.
"""

from __future__ import annotations

import abc
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.evaluation.calibration import apply_calibration
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS, ImageReadError, read_image, resize_rgb


@dataclass
class ScoreRecord:
    source: str
    quality: float | None = None
    quality_score: float | None = None
    embedding: np.ndarray | None = None
    error: str | None = None


def load_sidecar(model_path: str) -> dict:
    """The JSON written beside an exported ``.tflite`` / ``.onnx`` file (empty if absent)."""
    path = model_path + sig.SIDECAR_SUFFIX
    if not paths.exists(path):
        return {}
    try:
        return json.loads(paths.read_text(path))
    except ValueError as error:
        raise ValueError(f"{path}: not a JSON sidecar ({error})") from None


class Scorer(abc.ABC):
    """Scores aligned face images. Subclasses implement `predict` on a uint8 batch ``[n, S, S, 3]``."""

    image_size: int = 112
    calibration: dict | None = None
    label: str = ""  # how output rows name the model (the Beam job sets file name, kind and content hash)

    @abc.abstractmethod
    def predict(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Raw outputs by name (`crfiqa_tf.signatures`) for a uint8 RGB batch."""

    def _load(self, item, index: int) -> tuple[str, np.ndarray]:
        if isinstance(item, np.ndarray):
            source = f"array[{index}]"
            if item.ndim != 3 or item.shape[-1] != 3:
                raise ImageReadError(source, "bad_shape", f"expected [H, W, 3], got {item.shape}")
            if item.dtype != np.uint8:
                raise ImageReadError(source, "bad_dtype", f"expected uint8 pixels, got {item.dtype}")
            return source, resize_rgb(item, self.image_size)
        source = os.fspath(item)
        return source, read_image(source, max_pixels=DEFAULT_MAX_PIXELS, size=self.image_size)

    def score(self, inputs: Sequence, batch_size: int = 32, with_embeddings: bool = False) -> list[ScoreRecord]:
        """One record per input, in order; an unreadable input gives a record with `error` set, never an exception."""
        records: list[ScoreRecord] = []
        pending: list[tuple[int, np.ndarray]] = []

        def flush():
            if not pending:
                return
            outputs = self.predict(np.stack([image for _, image in pending]))
            quality = np.asarray(outputs[sig.OUTPUT_QUALITY], np.float32).reshape(-1)
            scores = outputs.get(sig.OUTPUT_QUALITY_SCORE)
            if scores is None and self.calibration is not None:
                scores = apply_calibration(quality, self.calibration)
            for row, (position, _) in enumerate(pending):
                record = records[position]
                record.quality = float(quality[row])
                record.quality_score = None if scores is None else float(np.asarray(scores).reshape(-1)[row])
                if with_embeddings:
                    record.embedding = np.asarray(outputs[sig.OUTPUT_EMBEDDING][row], np.float32)
            pending.clear()

        for index, item in enumerate(inputs):
            try:
                source, image = self._load(item, index)
            except ImageReadError as error:
                records.append(ScoreRecord(error.source, error=f"{error.cause}: {error.detail}"))
                continue
            records.append(ScoreRecord(source))
            pending.append((len(records) - 1, image))
            if len(pending) >= batch_size:
                flush()
        flush()
        return records
