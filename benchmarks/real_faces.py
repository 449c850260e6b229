"""Quality for the user's matcher on real faces: CR-FIQA trained on top of a frozen recognition model over labelled
raw photos (LFW's View 1 training people, `../shared/data/lfw-devtrain`), evaluated on identity-disjoint held-out
people, clean and cross-quality, against the baselines and the oracle.

    python -m benchmarks.real_faces --lfw ../shared/data/lfw-devtrain --matcher ../shared/data/matchers/mobileface

Steps (each timed): `prepare --align` of every photo (the face nearest the centre, as LFW's crops are cut), the
matcher's embeddings, a seeded identity-disjoint split of the people (70 % training, 30 % held out), on-top training
(linear and one-hidden-layer heads), a cross-quality copy of the held-out people (a quarter of their photos
degraded, `crfiqa_tf.data.cross_quality`) aligned and embedded in turn, and all-vs-all comparisons on each held-out
set (every mated pair, every non-mated pair). Writes results/real_faces.json and the EDC plots under
docs/figures/. The data stay where the user keeps them: nothing of them is written into the repository but figures.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time

import numpy as np

from benchmarks.common import report
from crfiqa_tf.data.aligned_folders import AlignSettings
from crfiqa_tf.data.cross_quality import make_cross_quality_copy
from crfiqa_tf.data.labelled_faces import read_labelled_faces
from crfiqa_tf.data.prepare import prepare_from_folder
from crfiqa_tf.evaluation import baselines
from crfiqa_tf.evaluation.plots import plot_edc
from crfiqa_tf.evaluation.protocols import all_vs_all
from crfiqa_tf.evaluation.quality_table import markdown, quality_rows
from crfiqa_tf.matchers.matcher import load_matcher
from crfiqa_tf.matchers.matcher_input import MatcherInput
from crfiqa_tf.on_top.train_on_top import OnTopSettings, train_on_top

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = os.path.join(ROOT, "docs", "figures")
HEADS = {"CR-FIQA on top (linear head)": 0, "CR-FIQA on top (MLP head, 256)": 256}


def split_people(identities: list[str], held_out: float, seed: int) -> set[str]:
    """The held-out people: a seeded share of the names (identity-disjoint from training by construction)."""
    order = np.random.default_rng(seed).permutation(sorted(identities))
    return set(order[: int(round(held_out * len(order)))].tolist())


def aligned(folder: str, out: str, timings: dict, key: str):
    """`prepare --align` of `folder` into `out` (reused when present) and its faces read back."""
    if not os.path.exists(os.path.join(out, "dataset_info.json")):
        start = time.perf_counter()
        info = prepare_from_folder(folder, out, shards=8, align=AlignSettings("centre"))
        seconds = time.perf_counter() - start
        photos = info["num_images"] + len(info["skipped"])
        timings[key] = {
            "photos": photos,
            "faces": info["num_images"],
            "seconds": seconds,
            "photos_per_s": photos / seconds,
        }
    return read_labelled_faces(out)


def link_people(root: str, names: set[str], target: str) -> str:
    os.makedirs(target, exist_ok=True)
    for name in names:
        if not os.path.exists(os.path.join(target, name)):
            os.symlink(os.path.join(os.path.abspath(root), name), os.path.join(target, name))
    return target


def evaluate_set(name, faces, matcher, models, fmrs, seed, plots):
    raw = matcher.raw_embeddings(faces.faces)
    normalised = raw / np.linalg.norm(raw, axis=1, keepdims=True)
    labels = np.array([faces.identities[label] for label in faces.labels])
    comparisons = all_vs_all(normalised, labels)
    qualities = {head: model.predict(raw, batch_size=1024, verbose=0) for head, model in models.items()}
    qualities.update(
        {
            "random": baselines.random_quality(len(raw), seed),
            "sharpness (Laplacian variance)": baselines.sharpness(faces.faces),
            "embedding norm (the matcher's)": baselines.embedding_norm(raw),
        }
    )
    rows, curves = quality_rows(comparisons, qualities, fmrs)
    print(f"\n{name}\n" + markdown(rows))
    os.makedirs(FIGURES, exist_ok=True)
    for fmr, by_method in curves.items():
        path = os.path.join(FIGURES, f"real_faces_{name}_fmr{fmr:g}.png")
        plot_edc(by_method, path, fmr, f"{matcher.name} on held-out LFW people ({name})", limit=0.2)
        plots.append(os.path.relpath(path, ROOT))
    counts = {"photos": len(raw), "mated": int(comparisons.mated_scores.size), "nonmated": comparisons.nonmated_total}
    return [{"set": name, **row} for row in rows], counts


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lfw", default=os.path.join(ROOT, "..", "shared", "data", "lfw-devtrain"))
    parser.add_argument("--matcher", default=os.path.join(ROOT, "..", "shared", "data", "matchers", "mobileface"))
    parser.add_argument("--matcher-range", default="0..255", help="the matcher's input range (MatcherInput)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "crfiqa_real_faces"))
    parser.add_argument("--held-out", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--epochs", type=int, default=OnTopSettings.epochs)
    args = parser.parse_args()
    photos = os.path.join(args.lfw, "lfw")
    timings: dict = {}
    everyone = aligned(photos, os.path.join(args.work, "aligned"), timings, "prepare_align")
    matcher = load_matcher(args.matcher, MatcherInput(value_range=args.matcher_range))
    held_out = split_people(everyone.identities, args.held_out, args.seed)
    in_held_out = np.array([everyone.identities[label] in held_out for label in everyone.labels])
    training = everyone.subset(~in_held_out)

    start = time.perf_counter()
    train_raw = matcher.raw_embeddings(training.faces)
    timings["embed_training"] = {"faces": len(train_raw), "seconds": time.perf_counter() - start}
    models, training_runs = {}, {}
    for head, hidden in HEADS.items():
        start = time.perf_counter()
        models[head], history = train_on_top(
            train_raw, training.labels, OnTopSettings(hidden=hidden, epochs=args.epochs, seed=args.seed)
        )
        training_runs[head] = {"seconds": time.perf_counter() - start, "final_cr_loss": history["cr_loss"][-1]}

    plots: list[str] = []
    rows, sets = [], {}
    clean = everyone.subset(in_held_out)
    set_rows, sets["clean"] = evaluate_set("clean", clean, matcher, models, (1e-3, 1e-2), args.seed, plots)
    rows += set_rows
    copy = os.path.join(args.work, "cross_quality_photos")
    if not os.path.exists(os.path.join(copy, ".degradations.csv")):
        linked = link_people(photos, held_out, os.path.join(args.work, "held_out_photos"))
        make_cross_quality_copy(linked, copy, fraction=0.25, seed=args.seed)
    degraded = aligned(copy, os.path.join(args.work, "cross_quality_aligned"), timings, "prepare_align_cross_quality")
    set_rows, sets["cross_quality"] = evaluate_set(
        "cross-quality", degraded, matcher, models, (1e-3, 1e-2), args.seed, plots
    )
    rows += set_rows
    report(
        "real_faces",
        rows,
        {
            "matcher": matcher.name,
            "people": {"training": len(set(training.labels.tolist())), "held_out": len(held_out)},
            "sets": sets,
            "timings": timings,
            "on_top_training": training_runs,
            "plots": plots,
        },
    )


if __name__ == "__main__":
    main()
