"""Error-versus-Discard Characteristic (EDC) and its partial area, as ISO/IEC 29794-1:2024 defines them and as
Schlett et al., "Considerations on the Evaluation of Biometric Quality Assessment Algorithms" (arXiv 2303.13294)
operationalise them.

- Each comparison gets a pair quality, by default the minimum of its two samples' qualities.
- The comparison threshold is fixed **once, before any discarding**: from a target FMR on the non-mated scores,
  or so that the starting FNMR equals a target.
- Mated comparisons are discarded lowest pair quality first; a discard fraction is evaluated only where the pair
  quality changes, so comparisons of equal quality are discarded together (ties are never split arbitrarily).
- The error is the FNMR over the retained mated comparisons; the curve is a step function.
- pAUC up to a discard limit (0.2 and 0.3 by default) is the area under that step function, reported raw and
  with the area of the theoretical best curve (every false non-match discarded first) subtracted.

Scores are similarities: a mated comparison is a false non-match when its score is below the threshold.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

PAIR_QUALITY = {"min": np.minimum, "mean": lambda a, b: (a + b) / 2.0, "product": np.multiply}


@dataclass(frozen=True)
class EDCCurve:
    discard_fractions: np.ndarray  # left edge of each step, starting at 0
    fnmr: np.ndarray  # FNMR on each step
    threshold: float
    starting_fnmr: float
    pauc: dict = field(default_factory=dict)  # limit → area
    pauc_minus_best: dict = field(default_factory=dict)


def pair_quality(quality_a, quality_b, combine: str = "min") -> np.ndarray:
    if combine not in PAIR_QUALITY:
        raise ValueError(f"pair quality combination must be one of {sorted(PAIR_QUALITY)}, got {combine!r}")
    a, b = np.asarray(quality_a, np.float64), np.asarray(quality_b, np.float64)
    if a.shape != b.shape:
        raise ValueError(f"quality_a has {a.size} values, quality_b {b.size}")
    return PAIR_QUALITY[combine](a, b)


def threshold_at_fmr(nonmated_scores, fmr: float) -> float:
    """The smallest threshold whose FMR (share of non-mated scores ≥ threshold) is at most `fmr`."""
    scores = np.sort(np.asarray(nonmated_scores, np.float64))[::-1]
    if scores.size == 0:
        raise ValueError("a threshold at a target FMR needs non-mated comparison scores; none were given")
    if not 0.0 <= fmr < 1.0:
        raise ValueError(f"target FMR must be in [0, 1), got {fmr}")
    allowed = int(np.floor(fmr * scores.size))  # below the count, as fmr < 1
    # Accepting the `allowed` highest non-mated scores: the threshold sits just above the next one.
    return float(np.nextafter(scores[allowed], np.inf))


def threshold_at_fnmr(mated_scores, fnmr: float) -> float:
    """A threshold at which the share of mated scores below it is `fnmr` (rounded down to whole comparisons)."""
    scores = np.sort(np.asarray(mated_scores, np.float64))
    if not 0.0 <= fnmr < 1.0:
        raise ValueError(f"starting FNMR must be in [0, 1), got {fnmr}")
    return float(scores[int(np.floor(fnmr * scores.size))])


def _validate(scores, quality, name):
    scores, quality = np.asarray(scores, np.float64).reshape(-1), np.asarray(quality, np.float64).reshape(-1)
    if scores.shape != quality.shape:
        raise ValueError(f"{name}: {scores.size} scores but {quality.size} qualities")
    if scores.size == 0:
        raise ValueError(f"{name}: no mated comparisons; an EDC over FNMR needs some")
    if not np.all(np.isfinite(quality)):
        raise ValueError(f"{name}: quality values contain NaN or infinity")
    if not np.all(np.isfinite(scores)):
        raise ValueError(f"{name}: comparison scores contain NaN or infinity")
    return scores, quality


def step_area(fractions: np.ndarray, values: np.ndarray, limit: float) -> float:
    """Area under a step function (value[i] on [fraction[i], fraction[i+1])) from 0 to `limit`."""
    edges = np.append(fractions, np.inf)
    widths = np.clip(np.minimum(edges[1:], limit) - edges[:-1], 0.0, None)
    return float(np.sum(widths * values))


def best_case_curve(errors: int, total: int) -> tuple[np.ndarray, np.ndarray]:
    """The theoretical best EDC: discarding the false non-matches first, one comparison at a time."""
    k = np.arange(total)
    return k / total, np.maximum(errors - k, 0) / (total - k)


def edc_curve(
    mated_scores,
    mated_pair_quality,
    nonmated_scores=None,
    fmr: float | None = 1e-3,
    starting_fnmr: float | None = None,
    pauc_limits=(0.2, 0.3),
    threshold: float | None = None,
) -> EDCCurve:
    """The EDC of one quality measure over mated comparisons (see the module docstring).

    Give either a target `fmr` (with `nonmated_scores`), a `starting_fnmr` (then `fmr` is ignored), or a comparison
    `threshold` already fixed (e.g. once for several subsets of the same comparisons).
    """
    scores, quality = _validate(mated_scores, mated_pair_quality, "mated comparisons")
    if threshold is not None:
        threshold = float(threshold)
    elif starting_fnmr is not None:
        threshold = threshold_at_fnmr(scores, starting_fnmr)
    else:
        if nonmated_scores is None or np.asarray(nonmated_scores).size == 0:
            raise ValueError("non-mated comparison scores are required to fix the threshold at a target FMR")
        nonmated = np.asarray(nonmated_scores, np.float64)
        if not np.all(np.isfinite(nonmated)):
            raise ValueError("non-mated comparison scores contain NaN or infinity")
        threshold = threshold_at_fmr(nonmated, fmr)
    order = np.argsort(quality, kind="mergesort")
    errors_sorted = (scores[order] < threshold).astype(np.int64)
    quality_sorted = quality[order]
    total = scores.size
    # Positions where a quality group ends: discarding everything up to there keeps ties together.
    group_ends = np.flatnonzero(np.diff(quality_sorted)) + 1
    discarded = np.concatenate([[0], group_ends])
    remaining_errors = errors_sorted.sum() - np.concatenate([[0], np.cumsum(errors_sorted)])[discarded]
    fractions = discarded / total
    fnmr = remaining_errors / (total - discarded)
    best_fractions, best_fnmr = best_case_curve(int(errors_sorted.sum()), total)
    pauc, minus_best = {}, {}
    for limit in pauc_limits:
        pauc[limit] = step_area(fractions, fnmr, limit)
        minus_best[limit] = pauc[limit] - step_area(best_fractions, best_fnmr, limit)
    return EDCCurve(fractions, fnmr, float(threshold), float(fnmr[0]), pauc, minus_best)
