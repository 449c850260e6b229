"""Parity of an exported model against the SavedModel on held-out images, and the JSON sidecar beside it."""

from __future__ import annotations

import json

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.preprocess import IMAGE_SIZE


def parity_report(reference: dict, candidate: dict, path: str) -> dict:
    """Max abs differences, Spearman of quality, mean cosine of embeddings, file size."""
    q_ref, q = np.asarray(reference[sig.OUTPUT_QUALITY]), np.asarray(candidate[sig.OUTPUT_QUALITY])
    e_ref, e = np.asarray(reference[sig.OUTPUT_EMBEDDING]), np.asarray(candidate[sig.OUTPUT_EMBEDDING])
    cosine = np.sum(e_ref * e, axis=1) / np.maximum(np.linalg.norm(e_ref, axis=1) * np.linalg.norm(e, axis=1), 1e-12)
    return {
        "images": int(len(q)),
        "max_abs_diff_quality": float(np.max(np.abs(q - q_ref))),
        "max_abs_diff_embedding": float(np.max(np.abs(e - e_ref))),
        "spearman_quality": spearman(q, q_ref) if len(q) > 1 else float("nan"),
        "mean_cosine_embedding": float(np.mean(cosine)),
        "size_bytes": paths.size(path),
    }


def write_sidecar(
    path: str,
    image_size: int,
    quantization: str,
    source: str,
    parity: dict,
    calibration: dict | None,
    extra: dict | None = None,
) -> str:
    sidecar = {
        "format": path.rsplit(".", 1)[-1],
        "signature": sig.PREDICT_IMAGES,
        "input": {
            "name": sig.INPUT_IMAGES,
            "shape": [None, image_size, image_size, 3],
            "dtype": "uint8",
            "channel_order": "RGB",
            "aligned": f"insightface 5-point template, {IMAGE_SIZE}x{IMAGE_SIZE}",
        },
        "preprocessing": "inside the model: (pixel / 255 - 0.5) / 0.5",
        "outputs": [sig.OUTPUT_QUALITY, sig.OUTPUT_EMBEDDING] + ([sig.OUTPUT_QUALITY_SCORE] if calibration else []),
        "quantization": quantization,
        "source_model": source,
        "parity_vs_saved_model": parity,
        "calibration": calibration,
        **(extra or {}),
    }
    paths.write_text(path + sig.SIDECAR_SUFFIX, json.dumps(sidecar, indent=2))
    return path + sig.SIDECAR_SUFFIX
