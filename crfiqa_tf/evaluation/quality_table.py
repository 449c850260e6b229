"""EDC figures of several quality measures on one comparison set, with the oracle row and the share of the
random-to-oracle gap each measure closes (`crfiqa_tf.evaluation.oracle`)."""

from __future__ import annotations

import numpy as np

from crfiqa_tf.evaluation.edc import edc_curve, pair_quality, threshold_at_fmr
from crfiqa_tf.evaluation.oracle import gap_closed, oracle_curve, random_pauc
from crfiqa_tf.evaluation.protocols import ComparisonSet

ORACLE = "oracle (own comparison score)"


def quality_rows(
    comparisons: ComparisonSet, qualities: dict, fmrs=(1e-3, 1e-2), limits=(0.2, 0.3)
) -> tuple[list[dict], dict]:
    """One row per FMR and measure (per-sample `qualities`, name → ``[N]``), then the oracle's; and the curves
    (``{fmr: {name: EDCCurve}}``) for plots.

    Each row: ``method``, ``fmr``, ``starting_fnmr``, ``pauc@L`` and ``gap_closed@L`` for every limit L.
    """
    rows, curves = [], {}
    first, second = comparisons.mated_first, comparisons.mated_second
    for fmr in fmrs:
        threshold = threshold_at_fmr(comparisons.nonmated_scores, fmr)
        oracle = oracle_curve(comparisons.mated_scores, threshold, limits)
        curves[fmr] = {}
        for name, quality in [*qualities.items(), (ORACLE, None)]:
            if quality is None:
                curve = oracle
            else:
                quality = np.asarray(quality, np.float64)
                curve = edc_curve(
                    comparisons.mated_scores,
                    pair_quality(quality[first], quality[second]),
                    threshold=threshold,
                    pauc_limits=limits,
                )
            curves[fmr][name] = curve
            row = {"method": name, "fmr": fmr, "starting_fnmr": curve.starting_fnmr}
            for limit in limits:
                row[f"pauc@{limit:g}"] = curve.pauc[limit]
                row[f"gap_closed@{limit:g}"] = gap_closed(
                    curve.pauc[limit], curve.starting_fnmr, oracle.pauc[limit], limit
                )
            rows.append(row)
        for limit in limits:  # the random expectation, for reference
            rows[-1][f"random_expected@{limit:g}"] = random_pauc(oracle.starting_fnmr, limit)
    return rows, curves


def markdown(rows: list[dict], limits=(0.2, 0.3)) -> str:
    """The rows as a Markdown table (pAUC and gap closed per limit)."""
    head = ["method", "FMR", "FNMR"] + [f"{kind}@{limit:g}" for limit in limits for kind in ("pAUC", "gap closed")]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for row in rows:
        cells = [row["method"], f"{row['fmr']:g}", f"{row['starting_fnmr']:.4f}"]
        for limit in limits:
            gap = row[f"gap_closed@{limit:g}"]
            cells += [f"{row[f'pauc@{limit:g}']:.4f}", "–" if np.isnan(gap) else f"{100 * gap:.1f} %"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)
