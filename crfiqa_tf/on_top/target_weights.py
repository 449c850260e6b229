"""Which samples get a CR target when training on top of a matcher: the rules `train_on_top` applies before any
TensorFlow runs (NumPy only)."""

from __future__ import annotations

import numpy as np


def cr_target_weights(labels: np.ndarray, fits_centres: np.ndarray) -> np.ndarray:
    """1 where a sample gets a CR target, else 0: a centre-fitting sample where its class has other centre-fitting
    samples, an augmented copy (which does not fit the centre) where its class has at least two — with one, the
    centre is the copy's own source photo, and the CR would say how far the degradation moved the face, not how
    well it matches the person's other photos."""
    fits = np.asarray(fits_centres, np.float32)
    fitting = np.bincount(labels, weights=fits)
    return ((fitting[labels] - fits) > (1 - fits)).astype(np.float32)


def unchanged_copies(embeddings, labels, fits_centres, tolerance: float = 1e-5) -> np.ndarray:
    """True for an augmented copy (`fits_centres` False) whose embedding ``[N, D]`` is that of one of its person's
    centre-fitting photos (cosine within `tolerance` of 1): a photo the copy left as it was, as the untouched share
    of a cross-quality copy is. Such a copy is no degradation, only the same input a second time with a second CR
    target — with leave-one-out centres a biased one, as its own photo is in its centre. A degraded copy of LFW
    photos stays > 5e-4 away (measured on the benchmark's copies); an unchanged one is within 1e-6."""
    embeddings = np.asarray(embeddings)
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    labels, fits = np.asarray(labels), np.asarray(fits_centres, bool)
    unchanged = np.zeros(len(unit), bool)
    copies = np.flatnonzero(~fits)
    if not len(copies):
        return unchanged
    fitting = np.flatnonzero(fits)
    fitting = fitting[np.argsort(labels[fitting])]  # each person's photos side by side
    starts = np.searchsorted(labels[fitting], labels[copies])
    ends = np.searchsorted(labels[fitting], labels[copies], side="right")
    for copy, start, end in zip(copies, starts, ends):
        if end > start:
            unchanged[copy] = (unit[fitting[start:end]] @ unit[copy]).max() >= 1.0 - tolerance
    return unchanged
