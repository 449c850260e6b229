"""The oracle and the share of the random-to-oracle gap a quality measure closes.

The oracle ranks mated comparisons by their own comparison score: it discards the failing comparisons first, the
best any quality measure can do on a set (its EDC is the best-case curve wherever failures remain). Random discarding
keeps the FNMR where it started (in expectation, exactly), so its expected pAUC up to a discard fraction `limit`
is ``starting FNMR × limit``. A measure closes ``(random − measure) / (random − oracle)`` of the gap: 0 is random,
1 the oracle. This compares measures across matchers of different strength, where raw pAUCs do not.
"""

from __future__ import annotations

import numpy as np

from crfiqa_tf.evaluation.edc import EDCCurve, edc_curve


def oracle_curve(mated_scores, threshold: float, pauc_limits=(0.2, 0.3)) -> EDCCurve:
    """The oracle's EDC at a comparison `threshold` already fixed (e.g. at a target FMR)."""
    scores = np.asarray(mated_scores, np.float64)
    return edc_curve(scores, scores, threshold=threshold, pauc_limits=pauc_limits)


def random_pauc(starting_fnmr: float, limit: float) -> float:
    """The expected pAUC of random discarding up to `limit`."""
    return float(starting_fnmr) * float(limit)


def gap_closed(pauc: float, starting_fnmr: float, oracle_pauc: float, limit: float) -> float:
    """The share of the random-to-oracle gap a measure with `pauc` closes (NaN when there is no gap: no failure)."""
    random = random_pauc(starting_fnmr, limit)
    gap = random - float(oracle_pauc)
    return float("nan") if gap <= 0 else (random - float(pauc)) / gap
