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
import json
import os
import tempfile
import time

import numpy as np

from benchmarks.common import report
from crfiqa_tf.data.aligned_folders import AlignSettings
from crfiqa_tf.data.cross_quality import make_cross_quality_copy
from crfiqa_tf.data.labelled_faces import read_labelled_faces
from crfiqa_tf.data.prepare import prepare_from_folder
from crfiqa_tf.environment import describe_machine
from crfiqa_tf.evaluation import baselines
from crfiqa_tf.evaluation.plots import plot_edc
from crfiqa_tf.evaluation.protocols import all_vs_all
from crfiqa_tf.evaluation.quality_table import markdown, quality_rows
from crfiqa_tf.matchers.matcher import load_matcher
from crfiqa_tf.matchers.matcher_input import MatcherInput
from crfiqa_tf.on_top.train_on_top import OnTopSettings, train_on_top

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = os.path.join(ROOT, "docs", "figures")
FMRS = (1e-3, 1e-2)
# on-top settings tried on validation people (`select`): head shape, CR definition, cross-quality augmentation
CANDIDATES = [
    {"hidden": hidden, "cr_mode": mode, "augment": augment}
    for hidden, mode, augment in ((0, "paper", False), (0, "paper", True), (0, "code", True), (256, "paper", True))
]


def split_people(identities: list[str], held_out: float, seed: int) -> set[str]:
    """The held-out people: a seeded share of the names (identity-disjoint from training by construction)."""
    order = np.random.default_rng(seed).permutation(sorted(identities))
    return set(order[: int(round(held_out * len(order)))].tolist())


def aligned(folder: str, out: str, timings: dict, key: str):
    """`prepare --align` of `folder` into `out` (reused with its timing when present) and its faces read back."""
    timing = os.path.join(out, "timing.json")
    if not os.path.exists(timing):
        start = time.perf_counter()
        info = prepare_from_folder(folder, out, shards=8, align=AlignSettings("centre"))
        seconds = time.perf_counter() - start
        photos = info["num_images"] + len(info["skipped"])
        figures = {"photos": photos, "faces": info["num_images"], "seconds": seconds, "photos_per_s": photos / seconds}
        with open(timing, "w", encoding="utf-8") as handle:
            json.dump({**figures, "machine": describe_machine()}, handle)
    with open(timing, encoding="utf-8") as handle:
        timings[key] = json.load(handle)
    return read_labelled_faces(out)


def link_people(root: str, names: set[str], target: str) -> str:
    os.makedirs(target, exist_ok=True)
    for name in names:
        if not os.path.exists(os.path.join(target, name)):
            os.symlink(os.path.join(os.path.abspath(root), name), os.path.join(target, name))
    return target


def embedded(faces, matcher) -> dict:
    raw = matcher.raw_embeddings(faces.faces)
    return {"faces": faces, "raw": raw, "labels": np.array([faces.identities[label] for label in faces.labels])}


def subset(data: dict, keep: np.ndarray) -> dict:
    return {"faces": data["faces"].subset(keep), "raw": data["raw"][keep], "labels": data["labels"][keep]}


def candidate_qualities(data: dict, models: dict, seed: int) -> dict:
    qualities = {name: model.predict(data["raw"], batch_size=1024, verbose=0) for name, model in models.items()}
    qualities.update(
        {
            "random": baselines.random_quality(len(data["raw"]), seed),
            "sharpness (Laplacian variance)": baselines.sharpness(data["faces"].faces),
            "embedding norm (the matcher's)": baselines.embedding_norm(data["raw"]),
        }
    )
    return qualities


def comparisons_of(data: dict):
    normalised = data["raw"] / np.linalg.norm(data["raw"], axis=1, keepdims=True)
    return all_vs_all(normalised, data["labels"])


def evaluate_set(name: str, data: dict, matcher, models: dict, seed: int, plots: list) -> tuple[list[dict], dict]:
    comparisons = comparisons_of(data)
    rows, curves = quality_rows(comparisons, candidate_qualities(data, models, seed), FMRS)
    print(f"\n{name}\n" + markdown(rows))
    os.makedirs(FIGURES, exist_ok=True)
    for fmr, by_method in curves.items():
        path = os.path.join(FIGURES, f"real_faces_{name}_fmr{fmr:g}.png")
        plot_edc(by_method, path, fmr, f"{matcher.name} on held-out LFW people ({name})", limit=0.2)
        plots.append(os.path.relpath(path, ROOT))
    counts = {
        "photos_with_a_face": len(data["raw"]),
        "mated": int(comparisons.mated_scores.size),
        "nonmated": comparisons.nonmated_total,
    }
    return [{"set": name, **row} for row in rows], counts


def train(parts: list[dict], candidate: dict, epochs: int, seed: int):
    raw = np.concatenate([part["raw"] for part in parts])
    labels = np.concatenate([part["labels"] for part in parts])
    settings = OnTopSettings(hidden=candidate["hidden"], cr_mode=candidate["cr_mode"], epochs=epochs, seed=seed)
    start = time.perf_counter()
    model, history = train_on_top(raw, labels, settings)
    return model, {"seconds": time.perf_counter() - start, "samples": len(raw), "final_cr_loss": history["cr_loss"][-1]}


def gap_at(data: dict, model, fmr: float, limit: float = 0.2) -> float:
    rows, _ = quality_rows(comparisons_of(data), {"m": model.predict(data["raw"], batch_size=1024, verbose=0)}, (fmr,))
    return rows[0][f"gap_closed@{limit:g}"]


def select(clean: dict, degraded: dict, people: list[str], epochs: int, seed: int) -> tuple[dict, list[dict]]:
    """The on-top settings chosen on validation people carved from the training people (never the held-out ones):
    the best mean gap closed at pAUC@0.2, FMR 1e-2, over the clean and the cross-quality validation sets."""
    validation = split_people(people, 0.2, seed + 1)
    rows = []
    for candidate in CANDIDATES:
        fit = [subset(clean, ~np.isin(clean["labels"], list(validation)))]
        if candidate["augment"]:
            fit.append(subset(degraded, ~np.isin(degraded["labels"], list(validation))))
        model, run = train(fit, candidate, epochs, seed)
        gaps = [
            gap_at(subset(data, np.isin(data["labels"], list(validation))), model, 1e-2) for data in (clean, degraded)
        ]
        rows.append({**candidate, "validation_gap_clean": gaps[0], "validation_gap_cross_quality": gaps[1], **run})
        print(f"selection: {candidate} → validation gap closed {gaps[0]:.3f} clean, {gaps[1]:.3f} cross-quality")
    best = max(rows, key=lambda r: r["validation_gap_clean"] + r["validation_gap_cross_quality"])
    return {key: best[key] for key in ("hidden", "cr_mode", "augment")}, rows


def describe(candidate: dict) -> str:
    head = "linear head" if candidate["hidden"] == 0 else f"MLP head, {candidate['hidden']}"
    augment = ", cross-quality augmentation" if candidate["augment"] else ""
    return f"CR-FIQA on top ({head}, CR {candidate['cr_mode']}{augment})"


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
    matcher = load_matcher(args.matcher, MatcherInput(value_range=args.matcher_range))
    everyone = aligned(photos, os.path.join(args.work, "aligned"), timings, "prepare_align")
    held_out = split_people(everyone.identities, args.held_out, args.seed)
    training_people = sorted(set(everyone.identities) - held_out)
    # cross-quality copies: of the training people for augmentation (seed + 1), of the held-out people to evaluate
    degraded_sets = {}
    for name, people, seed in (("training", training_people, args.seed + 1), ("held_out", held_out, args.seed)):
        copy = os.path.join(args.work, f"cross_quality_{name}_photos")
        if not os.path.exists(os.path.join(copy, ".degradations.csv")):
            linked = link_people(photos, set(people), os.path.join(args.work, f"{name}_photos"))
            make_cross_quality_copy(linked, copy, fraction=0.25, seed=seed)
        faces = aligned(
            copy, os.path.join(args.work, f"cross_quality_{name}_aligned"), timings, f"prepare_align_{name}_copy"
        )
        degraded_sets[name] = faces

    start = time.perf_counter()
    clean = embedded(everyone, matcher)
    timings["embed"] = {"faces": len(clean["raw"]), "seconds": time.perf_counter() - start}
    in_held_out = np.isin(clean["labels"], list(held_out))
    training, evaluation = subset(clean, ~in_held_out), subset(clean, in_held_out)
    degraded_training = embedded(degraded_sets["training"], matcher)
    degraded_evaluation = embedded(degraded_sets["held_out"], matcher)

    chosen, selection = select(training, degraded_training, training_people, args.epochs, args.seed)
    models, runs = {}, {}
    # the chosen settings, and each head shape under them, trained on every training person
    for candidate in (chosen, {**chosen, "hidden": 256 if chosen["hidden"] == 0 else 0}):
        fit = [training, degraded_training] if candidate["augment"] else [training]
        models[describe(candidate)], runs[describe(candidate)] = train(fit, candidate, args.epochs, args.seed)
    plots: list[str] = []
    rows, sets = [], {}
    for name, data in (("clean", evaluation), ("cross-quality", degraded_evaluation)):
        set_rows, sets[name] = evaluate_set(name, data, matcher, models, args.seed, plots)
        rows += set_rows
    report(
        "real_faces",
        rows,
        {
            "matcher": matcher.name,
            "people": {"training": len(training_people), "held_out": len(held_out)},
            "sets": sets,
            "chosen": describe(chosen),
            "selection": selection,
            "timings": timings,
            "on_top_training": runs,
            "plots": plots,
        },
    )


if __name__ == "__main__":
    main()
