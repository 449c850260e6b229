"""The Error-versus-Reject Characteristic (ERC) as the CR-FIQA paper reports it, kept to reproduce its tables.

At each discard step (0, 5 %, 10 %, ...) the lowest-quality share of *all* comparisons (mated and non-mated, by
pair quality) is removed, the threshold is **recomputed** on the retained non-mated scores for the target FMR
(1e-3 and 1e-4 in the paper), and the FNMR is measured on the retained mated ones; the area is the trapezoid over
the steps.

How it differs from the EDC (`crfiqa_tf.evaluation.edc`): the EDC fixes the threshold once before discarding
(so the operating point of the deployed system does not drift), discards only at quality changes (ties kept
together), uses a step function, and normalises its partial area against the theoretical best. Re-tuning the
threshold per step, as the ERC does, can reward a quality measure that merely removes non-mated comparisons.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.evaluation.edc import threshold_at_fmr


@dataclass(frozen=True)
class ERCCurve:
    discard_fractions: np.ndarray
    fnmr: np.ndarray
    thresholds: np.ndarray
    fmr: float
    area: float


def erc_curve(scores, issame, pair_quality, fmr: float = 1e-3, step: float = 0.05, max_discard: float = 0.95):
    """The paper's ERC of one quality measure at one FMR."""
    scores = np.asarray(scores, np.float64).reshape(-1)
    issame = np.asarray(issame, bool).reshape(-1)
    quality = np.asarray(pair_quality, np.float64).reshape(-1)
    if not (scores.shape == issame.shape == quality.shape):
        raise ValueError(f"{scores.size} scores, {issame.size} labels and {quality.size} qualities must match")
    if not np.all(np.isfinite(quality)) or not np.all(np.isfinite(scores)):
        raise ValueError("scores or qualities contain NaN or infinity")
    if issame.all() or not issame.any():
        raise ValueError("the ERC needs both mated and non-mated comparisons")
    order = np.argsort(quality, kind="mergesort")
    fractions = np.round(np.arange(0.0, max_discard + 1e-9, step), 10)
    fnmrs, thresholds = [], []
    for fraction in fractions:
        keep = order[int(round(fraction * scores.size)) :]
        mated, nonmated = scores[keep][issame[keep]], scores[keep][~issame[keep]]
        if mated.size == 0 or nonmated.size == 0:
            fractions = fractions[: len(fnmrs)]
            break
        threshold = threshold_at_fmr(nonmated, fmr)
        thresholds.append(threshold)
        fnmrs.append(float(np.mean(mated < threshold)))
    fnmr = np.array(fnmrs)
    area = float(np.sum((fnmr[1:] + fnmr[:-1]) / 2.0 * np.diff(fractions)))
    return ERCCurve(fractions, fnmr, np.array(thresholds), fmr, area)
