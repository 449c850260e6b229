"""Quality per group of people: does the quality gate treat groups alike?

NIST's face-quality evaluations (FATE Quality / SIDD) report quality per demographic group; this is the same report
for an evaluation set a user can label. Given a label per image (or per pair), for each group:

- the EDC over the group's mated comparisons and its pAUC up to 20 % discarded, with a bootstrap 95 % interval
  (mated pairs resampled with replacement, percentile interval). The comparison threshold is fixed once, from all
  non-mated scores at the target FMR: one system, one threshold, as deployed;
- the share of the group's images a quality threshold rejects (``quality < threshold``);
- the group's quality distribution (mean and 5/25/50/75/95 % points).

A disparity flag is raised when the highest group rejection rate exceeds `DISPARITY_RATIO` (1.25) times the lowest
(1 / 0.8: the ratio of the "four-fifths rule" of adverse-impact practice, read for rejections). Groups with fewer
mated pairs than `min_pairs` get their rejection rate and distribution but no EDC: they are reported as too small,
never merged into another group. A mated pair whose two images carry different labels counts for neither group's
EDC (it is counted as ``cross_group_mated_pairs``).

The groups file is CSV with a ``group`` column and either ``path`` (image paths as written in the pairs CSV) or
``pair`` (0-based pair number, for a ``.bin`` set; both images of the pair get the label). It is checked before
any model runs: a missing column, an empty label or a key the evaluation set does not have fails with the line.
"""

from __future__ import annotations

import csv
import io

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.evaluation.edc import edc_curve, pair_quality, threshold_at_fmr

DISPARITY_RATIO = 1.25
PAUC_LIMIT = 0.2
PERCENTILES = (5, 25, 50, 75, 95)


def read_groups(path: str, keys: list[str], key_column: str) -> dict[str, str]:
    """``{key: group}`` from the groups CSV at `path`, keyed by `key_column` (``path`` or ``pair``), every key one
    of `keys`. Raises ValueError naming the file and line."""
    known = set(keys)
    reader = csv.DictReader(io.StringIO(paths.read_text(path), newline=""))
    columns = reader.fieldnames or []
    if key_column not in columns or "group" not in columns:
        raise ValueError(f"{path}:1: a groups file needs the columns {key_column},group; found {','.join(columns)}")
    groups = {}
    for line, row in enumerate(reader, start=2):
        key, group = (row.get(key_column) or "").strip(), (row.get("group") or "").strip()
        if not group:
            raise ValueError(f"{path}:{line}: empty group label")
        if key not in known:
            what = "image" if key_column == "path" else "pair number"
            raise ValueError(f"{path}:{line}: unknown {what} {key!r}: not in the evaluation set")
        if groups.get(key, group) != group:
            raise ValueError(f"{path}:{line}: {key!r} is labelled {groups[key]!r} earlier and {group!r} here")
        groups[key] = group
    if not groups:
        raise ValueError(f"{path}: no rows")
    return groups


def sample_groups_for_pairs(groups: dict[str, str], pairs: int) -> list[str | None]:
    """Labels of the ``2·pairs`` samples of a ``.bin`` set from ``{pair number: group}``."""
    return [groups.get(str(index // 2)) for index in range(2 * pairs)]


def group_report(
    scores,
    issame,
    quality,
    sample_groups: list[str | None],
    fmr: float,
    reject_below: float,
    min_pairs: int = 20,
    bootstrap: int = 1000,
    seed: int = 0,
) -> dict:
    """The per-group report (module docstring) as a JSON-ready dict, with the EDC curves under ``"curves"``.

    Args:
        scores: one comparison score per pair; issame: True for mated pairs.
        quality: one quality per sample (pair i = samples 2i and 2i+1).
        sample_groups: one label (or None) per sample.
        reject_below: the quality threshold for the rejection rates.
    """
    scores, issame = np.asarray(scores, np.float64), np.asarray(issame, bool)
    quality = np.asarray(quality, np.float64)
    labels = np.array([g if g is not None else "" for g in sample_groups], object)
    threshold = threshold_at_fmr(scores[~issame], fmr)
    pq = pair_quality(quality[0::2], quality[1::2])
    pair_group = np.where(labels[0::2] == labels[1::2], labels[0::2], None)
    cross = int(np.sum(issame & (labels[0::2] != labels[1::2]) & (labels[0::2] != "") & (labels[1::2] != "")))
    rng = np.random.default_rng(seed)
    report_groups, curves = {}, {}
    for group in sorted({g for g in labels if g}):
        members = labels == group
        mated = np.flatnonzero(issame & (pair_group == group))
        q = quality[members]
        entry = {
            "images": int(members.sum()),
            "mated_pairs": int(mated.size),
            "rejected_fraction": float(np.mean(q < reject_below)),
            "quality": {"mean": float(q.mean()), **{f"p{p}": float(np.percentile(q, p)) for p in PERCENTILES}},
        }
        if mated.size < min_pairs:
            entry["status"] = f"too_few_pairs: {mated.size} mated pairs, fewer than {min_pairs}: no EDC"
        else:
            curve = edc_curve(scores[mated], pq[mated], threshold=threshold, pauc_limits=(PAUC_LIMIT,))
            samples = np.empty(bootstrap)
            for b in range(bootstrap):
                pick = rng.choice(mated, size=mated.size, replace=True)
                samples[b] = edc_curve(scores[pick], pq[pick], threshold=threshold, pauc_limits=(PAUC_LIMIT,)).pauc[
                    PAUC_LIMIT
                ]
            low, high = np.percentile(samples, [2.5, 97.5])
            entry.update(
                status="ok",
                starting_fnmr=curve.starting_fnmr,
                pauc=curve.pauc[PAUC_LIMIT],
                pauc_ci95=[float(low), float(high)],
            )
            curves[group] = curve
        report_groups[group] = entry
    rates = [e["rejected_fraction"] for e in report_groups.values()]
    highest, lowest = (max(rates), min(rates)) if rates else (0.0, 0.0)
    ratio = float("inf") if lowest == 0 and highest > 0 else (highest / lowest if lowest > 0 else 1.0)
    return {
        "fmr": fmr,
        "comparison_threshold": threshold,
        "reject_below": reject_below,
        "pauc_limit": PAUC_LIMIT,
        "bootstrap": bootstrap,
        "min_pairs": min_pairs,
        "ungrouped_images": int(np.sum(labels == "")),
        "cross_group_mated_pairs": cross,
        "groups": report_groups,
        "rejection_ratio": ratio,
        "disparity_flag": bool(ratio > DISPARITY_RATIO),
        "curves": curves,
    }


def report_lines(report: dict) -> list[str]:
    """A console / Markdown table of the report."""
    lines = [
        f"quality per group (reject below {report['reject_below']:.4f}; EDC at FMR {report['fmr']:g}, "
        f"pAUC@{report['pauc_limit']:g} with bootstrap 95 % interval)",
        "| group | images | mated pairs | rejected | median quality | pAUC | 95 % interval |",
        "|---|---|---|---|---|---|---|",
    ]
    for name, entry in report["groups"].items():
        if entry["status"] == "ok":
            pauc, interval = f"{entry['pauc']:.4f}", "{:.4f}–{:.4f}".format(*entry["pauc_ci95"])
        else:
            pauc, interval = "too few pairs", ""
        lines.append(
            f"| {name} | {entry['images']} | {entry['mated_pairs']} | {entry['rejected_fraction']:.1%} | "
            f"{entry['quality']['p50']:.4f} | {pauc} | {interval} |"
        )
    verdict = "FLAG" if report["disparity_flag"] else "no flag"
    lines.append(
        f"highest / lowest rejection rate: {report['rejection_ratio']:.2f} ({verdict}; flagged above "
        f"{DISPARITY_RATIO:g})"
    )
    return lines
