"""Class centres taken from a frozen matcher instead of learned: each identity's centre is the mean direction of its
samples' L2-normalised embeddings, and each sample's certainty-ratio inputs are measured against the centres
without its own pull. With a frozen matcher nothing moves the embeddings, so the centres need no training; leaving
the sample out matters on labelled sets of a few photos per person, where a centre that holds the sample agrees
with it whatever its quality (with two photos, the centre without the sample is the other photo)."""

from __future__ import annotations

import numpy as np

ROWS_PER_BLOCK = 4096  # samples compared with every centre at once: [block, identities] floats in memory


def _unit(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)


def leave_one_out_similarities(features, labels, fits_centres=None) -> tuple[np.ndarray, np.ndarray]:
    """CCS and NNCCS of every sample against centres computed from `features` ``[N, D]`` with identity `labels`
    ``[N]`` (integers ``0..C-1``).

    A centre is the sum of the unit features of its identity's samples that `fits_centres` marks (default all),
    normalised. A marked sample's CCS is its cosine with its centre less itself; an unmarked one (an augmented copy)
    is compared with the whole centre. NNCCS is the largest cosine with any other identity's centre (an identity
    with no marked sample has none). Where nothing is left of a sample's centre (a marked sample alone in its
    identity, or an identity with no marked sample) CCS is 0, and with no other centre NNCCS is 0:
    `crfiqa_tf.on_top.target_weights.cr_target_weights` gives such samples no CR target. Returns float32
    ``(ccs [N], nnccs [N])``."""
    units = _unit(np.asarray(features, np.float64))
    labels = np.asarray(labels, np.int64)
    fits = np.ones(len(labels), bool) if fits_centres is None else np.asarray(fits_centres, bool)
    if units.ndim != 2 or labels.shape != (len(units),) or fits.shape != (len(units),):
        raise ValueError(
            f"features [N, D], labels [N] and fits_centres [N] must match, got {units.shape}, {labels.shape} and "
            f"{fits.shape}"
        )
    classes = int(labels.max()) + 1 if len(labels) else 0
    sums = np.zeros((classes, units.shape[1]))
    np.add.at(sums, labels[fits], units[fits])
    own = sums[labels] - np.where(fits[:, None], units, 0.0)  # all zeros where nothing is left: CCS 0
    ccs = np.sum(units * _unit(own), axis=1)
    centres = _unit(sums)
    present = np.linalg.norm(sums, axis=1) > 1e-9
    nnccs = np.empty(len(units))
    for start in range(0, len(units), ROWS_PER_BLOCK):
        block = slice(start, start + ROWS_PER_BLOCK)
        cosines = units[block] @ centres.T
        cosines[:, ~present] = -np.inf
        cosines[np.arange(len(cosines)), labels[block]] = -np.inf
        nnccs[block] = cosines.max(axis=1)
    nnccs = np.where(np.isfinite(nnccs), nnccs, 0.0)  # no other identity: no negative, cosine 0
    return ccs.astype(np.float32), nnccs.astype(np.float32)
