"""`crfiqa-tf evaluate`: qualities and embeddings for a pair set, EDC plots, a pAUC table with the baselines,
the paper's ERC area, and verification accuracy."""

from __future__ import annotations

import csv
import json
import os

import numpy as np

from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.evaluation import baselines
from crfiqa_tf.evaluation.edc import edc_curve, pair_quality
from crfiqa_tf.evaluation.erc import erc_curve
from crfiqa_tf.evaluation.plots import plot_edc
from crfiqa_tf.evaluation.verification import cosine_scores, ten_fold_accuracy
from crfiqa_tf.image_io import read_image
from crfiqa_tf.inference.keras_model import model_image_size, model_outputs
from crfiqa_tf.model_io import load_keras_model


def load_pairs_csv(path: str, root: str, image_size: int = 112) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[2·pairs, S, S, 3]`` and issame from a CSV with columns ``path_a,path_b,issame``."""
    images, issame = [], []
    with open(path, newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.DictReader(handle), start=2):
            try:
                a, b, same = row["path_a"], row["path_b"], row["issame"]
            except KeyError:
                raise ValueError(f"{path}: columns must be path_a,path_b,issame") from None
            if same.strip().lower() not in ("0", "1", "true", "false"):
                raise ValueError(f"{path}:{number}: issame must be 0/1/true/false, got {same!r}")
            images += [
                read_image(os.path.join(root, a), size=image_size),
                read_image(os.path.join(root, b), size=image_size),
            ]
            issame.append(same.strip().lower() in ("1", "true"))
    return np.stack(images), np.array(issame)


def evaluate(
    model_path: str,
    out_dir: str,
    bin_path: str | None = None,
    pairs_csv: str | None = None,
    images_root: str | None = None,
    fr_model_path: str | None = None,
    fmrs=(1e-3,),
    seed: int = 0,
) -> dict:
    if bool(bin_path) == bool(pairs_csv):
        raise ValueError("give exactly one of a .bin file or a pairs CSV (with its images root)")
    model = load_keras_model(model_path)
    size = model_image_size(model)
    if bin_path:
        images, issame = load_bin(bin_path, size)
        source = bin_path
    else:
        images, issame = load_pairs_csv(pairs_csv, images_root or os.path.dirname(pairs_csv), size)
        source = pairs_csv
    embeddings, quality = model_outputs(model, images)
    fr_name = f"CR-FIQA backbone ({os.path.basename(os.path.normpath(model_path))})"
    fr_embeddings = embeddings
    if fr_model_path:
        fr_embeddings, _ = model_outputs(load_keras_model(fr_model_path), images)
        fr_name = os.path.basename(os.path.normpath(fr_model_path))
    scores = cosine_scores(fr_embeddings)
    methods = {
        "CR-FIQA": quality,
        "sharpness (Laplacian variance)": baselines.sharpness(images),
        "random": baselines.random_quality(len(images), seed),
    }
    if np.ptp(np.linalg.norm(embeddings, axis=1)) > 1e-6:
        methods["embedding norm"] = baselines.embedding_norm(embeddings)
    os.makedirs(out_dir, exist_ok=True)
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
        plots.append(plot_edc(curves, os.path.join(out_dir, f"edc_fmr{fmr:g}.png"), fmr, fr_name))
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
    with open(os.path.join(out_dir, "evaluation.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    return result


def _write_tables(rows: list[dict], out_dir: str) -> None:
    columns = list(rows[0])
    with open(os.path.join(out_dir, "pauc.csv"), "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, columns)
        writer.writeheader()
        writer.writerows(rows)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in rows:
        lines.append("| " + " | ".join(f"{v:.4f}" if isinstance(v, float) else str(v) for v in row.values()) + " |")
    with open(os.path.join(out_dir, "pauc.md"), "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines) + "\n")
