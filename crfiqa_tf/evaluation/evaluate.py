"""`crfiqa-tf evaluate`: qualities and embeddings for a pair set, EDC plots, a pAUC table with the baselines,
the paper's ERC area, and verification accuracy. Every path (pairs, images, the output folder) may be local or
remote (`crfiqa_tf.paths`)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.evaluation import baselines
from crfiqa_tf.evaluation.edc import edc_curve, pair_quality
from crfiqa_tf.evaluation.erc import erc_curve
from crfiqa_tf.evaluation.groups import group_report, read_groups, report_lines, sample_groups_for_pairs
from crfiqa_tf.evaluation.plots import plot_edc
from crfiqa_tf.evaluation.verification import cosine_scores, ten_fold_accuracy
from crfiqa_tf.image_io import read_image
from crfiqa_tf.inference.keras_model import model_image_size, model_outputs
from crfiqa_tf.model_io import load_keras_model


def read_pairs_csv(path: str) -> tuple[list[str], np.ndarray]:
    """The sample paths ``[2·pairs]`` (as written) and issame of a CSV with columns ``path_a,path_b,issame``."""
    samples, issame = [], []
    for number, row in enumerate(csv.DictReader(io.StringIO(paths.read_text(path), newline="")), start=2):
        try:
            a, b, same = row["path_a"], row["path_b"], row["issame"]
        except KeyError:
            raise ValueError(f"{path}: columns must be path_a,path_b,issame") from None
        if same.strip().lower() not in ("0", "1", "true", "false"):
            raise ValueError(f"{path}:{number}: issame must be 0/1/true/false, got {same!r}")
        samples += [a, b]
        issame.append(same.strip().lower() in ("1", "true"))
    return samples, np.array(issame)


def load_pairs_csv(path: str, root: str, image_size: int = 112) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[2·pairs, S, S, 3]`` and issame from a CSV with columns ``path_a,path_b,issame``."""
    samples, issame = read_pairs_csv(path)
    return np.stack([read_image(paths.join(root, s), size=image_size) for s in samples]), issame


def group_threshold(reject_below: float | None, calibration_path: str | None, quality) -> tuple[float, str]:
    """The quality threshold of the per-group rejection rates and where it comes from: `reject_below`, else the
    calibration's 10 % rejection point, else this set's own 10 % point."""
    if reject_below is not None:
        return float(reject_below), "--threshold"
    if calibration_path:
        calibration = json.loads(paths.read_text(calibration_path))
        for row in calibration.get("rejection_thresholds", []):
            if abs(row.get("reject_fraction", -1) - 0.10) < 1e-9:
                return float(row["quality"]), f"10 % point of {calibration_path}"
        raise ValueError(f"{calibration_path}: no 10 % rejection threshold (re-run crfiqa-tf calibrate)")
    return float(np.quantile(quality, 0.10)), "10 % point of this evaluation set"


def evaluate(
    model_path: str,
    out_dir: str,
    bin_path: str | None = None,
    pairs_csv: str | None = None,
    images_root: str | None = None,
    fr_model_path: str | None = None,
    fmrs=(1e-3,),
    seed: int = 0,
    groups_csv: str | None = None,
    reject_below: float | None = None,
    calibration_path: str | None = None,
    min_group_pairs: int = 20,
    bootstrap: int = 1000,
) -> dict:
    """Writes the evaluation to `out_dir` and returns it; with `groups_csv`, also quality per group
    (`crfiqa_tf.evaluation.groups`: ``groups.json``, ``groups.md``, ``edc_groups_fmr*.png``)."""
    if bool(bin_path) == bool(pairs_csv):
        raise ValueError("give exactly one of a .bin file or a pairs CSV (with its images root)")
    sample_groups = None
    if groups_csv and pairs_csv:  # checked before any image is read or model loaded
        samples, _ = read_pairs_csv(pairs_csv)
        labels = read_groups(groups_csv, samples, "path")
        sample_groups = [labels.get(s) for s in samples]
    model = load_keras_model(model_path)
    size = model_image_size(model)
    if bin_path:
        images, issame = load_bin(bin_path, size)
        source = bin_path
        if groups_csv:  # checked before the model runs
            labels = read_groups(groups_csv, [str(i) for i in range(len(issame))], "pair")
            sample_groups = sample_groups_for_pairs(labels, len(issame))
    else:
        images, issame = load_pairs_csv(pairs_csv, images_root or paths.dirname(pairs_csv), size)
        source = pairs_csv
    embeddings, quality = model_outputs(model, images)
    fr_name = f"CR-FIQA backbone ({paths.basename(model_path)})"
    fr_embeddings = embeddings
    if fr_model_path:
        fr_embeddings, _ = model_outputs(load_keras_model(fr_model_path), images)
        fr_name = paths.basename(fr_model_path)
    scores = cosine_scores(fr_embeddings)
    methods = {
        "CR-FIQA": quality,
        "sharpness (Laplacian variance)": baselines.sharpness(images),
        "random": baselines.random_quality(len(images), seed),
    }
    if np.ptp(np.linalg.norm(embeddings, axis=1)) > 1e-6:
        methods["embedding norm"] = baselines.embedding_norm(embeddings)
    paths.makedirs(out_dir)
    rows, plots = [], []
    for fmr in fmrs:
        curves = {}
        for name, q in methods.items():
            pq = pair_quality(q[0::2], q[1::2])
            curve = edc_curve(scores[issame], pq[issame], scores[~issame], fmr=fmr)
            curves[name] = curve
            erc = erc_curve(scores, issame, pq, fmr=fmr)
            rows.append(
                {
                    "method": name,
                    "fmr": fmr,
                    "starting_fnmr": curve.starting_fnmr,
                    **{f"pauc@{k:g}": v for k, v in curve.pauc.items()},
                    **{f"pauc@{k:g}-best": v for k, v in curve.pauc_minus_best.items()},
                    "erc_area": erc.area,
                }
            )
        plots.append(plot_edc(curves, paths.join(out_dir, f"edc_fmr{fmr:g}.png"), fmr, fr_name))
    accuracy, std = ten_fold_accuracy(scores, issame)
    _write_tables(rows, out_dir)
    result = {
        "source": source,
        "pairs": int(len(issame)),
        "fr_model": fr_name,
        "verification_accuracy": accuracy,
        "verification_std": std,
        "table": rows,
        "plots": plots,
    }
    if sample_groups is not None:
        threshold, origin = group_threshold(reject_below, calibration_path, quality)
        report = group_report(
            scores, issame, quality, sample_groups, fmrs[0], threshold, min_group_pairs, bootstrap, seed
        )
        curves = report.pop("curves")
        report["reject_below_from"] = origin
        if curves:
            path = paths.join(out_dir, f"edc_groups_fmr{fmrs[0]:g}.png")
            report["plot"] = plot_edc(curves, path, fmrs[0], fr_name, limit=report["pauc_limit"])
            plots.append(report["plot"])
        paths.write_text(paths.join(out_dir, "groups.json"), json.dumps(report, indent=2))
        paths.write_text(paths.join(out_dir, "groups.md"), "\n".join(report_lines(report)) + "\n")
        result["groups"] = report
    paths.write_text(paths.join(out_dir, "evaluation.json"), json.dumps(result, indent=2))
    return result


def _write_tables(rows: list[dict], out_dir: str) -> None:
    columns = list(rows[0])
    table = io.StringIO(newline="")
    writer = csv.DictWriter(table, columns)
    writer.writeheader()
    writer.writerows(rows)
    paths.write_text(paths.join(out_dir, "pauc.csv"), table.getvalue())
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    paths.write_text(paths.join(out_dir, "pauc.md"), "\n".join(lines) + "\n")
