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
import subprocess
import sys
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
from crfiqa_tf.evaluation.protocols import all_vs_all, cap_per_identity
from crfiqa_tf.evaluation.quality_table import markdown, quality_rows
from crfiqa_tf.matchers.matcher import load_matcher
from crfiqa_tf.matchers.matcher_input import MatcherInput
from crfiqa_tf.on_top.head_inputs import head_inputs
from crfiqa_tf.on_top.train_on_top import OnTopSettings, train_on_top

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIGURES = os.path.join(ROOT, "docs", "figures")
FMRS = (1e-3, 1e-2)
PER_PERSON = 10  # photos of a person at most in an evaluation set: LFW's best-known people have up to 530
# on-top settings tried on validation people (`select`): head shape, CR definition, cross-quality augmentation
# (the degraded copies get CR targets, the clean photos alone fit the class centres), epochs, members, mirror
# averaging, and where the class centres come from (learned, or the matcher's own means without the sample)
CANDIDATES = [
    {
        "hidden": hidden,
        "cr_mode": "paper",
        "augment": augment,
        "epochs": epochs,
        "members": members,
        "mirror": mirror,
        "centres": centres,
        "learning_rate": learning_rate,
    }
    for hidden, augment, epochs, members, mirror, centres, learning_rate in (
        (0, False, 40, 1, False, "learned", 1e-2),  # the official head shape and target, no augmentation
        (256, True, 40, 5, True, "learned", 1e-2),  # 0.8.0's choice on every split
        (256, True, 80, 10, True, "leave-one-out", 1e-3),
    )
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
    """The faces with the matcher's raw embeddings of each face and of its mirror image (``pairs``, [N, 2, D])."""
    pairs = head_inputs(matcher, faces.faces, mirror=True)
    labels = np.array([faces.identities[label] for label in faces.labels])
    return {"faces": faces, "raw": pairs[:, 0], "pairs": pairs, "labels": labels}


def head_input(data: dict, model):
    return data["pairs"] if model.mirror else data["raw"]


def subset(data: dict, keep: np.ndarray) -> dict:
    return {
        "faces": data["faces"].subset(keep),
        "raw": data["raw"][keep],
        "pairs": data["pairs"][keep],
        "labels": data["labels"][keep],
    }


def evaluation_set(data: dict, people, seed: int) -> dict:
    """The photos of `people`, at most `PER_PERSON` of each (seeded), so that every person weighs alike."""
    of_people = subset(data, np.isin(data["labels"], list(people)))
    return subset(of_people, cap_per_identity(of_people["labels"], PER_PERSON, seed))


def component_values(photos: str, data: dict, cache: str) -> dict:
    """OFIQ-like components of every face of `data`, measured on its raw photo under `photos` (the face
    `prepare --align` kept: nearest the centre), as ``{component: [N] 0–100 values}`` (NaN where a component cannot
    be measured, e.g. colour on a grey photo); cached in `cache` (JSON by source id)."""
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.similarity import warp_face
    from crfiqa_tf.components import COMPONENTS, face_components
    from crfiqa_tf.data.aligned_folders import pick_face
    from crfiqa_tf.image_io import read_bytes, read_image

    known = {}
    if os.path.exists(cache):
        with open(cache, encoding="utf-8") as handle:
            known = json.load(handle)
    aligner = FaceAligner(policy="all")
    start, measured = time.perf_counter(), 0
    for source in data["faces"].source_ids:
        if source in known:
            continue
        image = read_image(read_bytes(os.path.join(photos, source)), source=source)
        found = aligner.detect_all(image)
        face = pick_face(found, image.shape[0], image.shape[1], "centre")
        values = {}
        if face is not None:
            crop = warp_face(image, face.landmarks, 112)
            components = face_components(image, face, [f.area for f in found], crop)
            values = {name: component.value for name, component in components.items()}
        known[source] = values
        measured += 1
    if measured:
        with open(cache, "w", encoding="utf-8") as handle:
            json.dump(known, handle)
        print(f"components of {measured} photos in {time.perf_counter() - start:.0f} s")
    return {
        name: np.array([np.nan if known[s].get(name) is None else known[s][name] for s in data["faces"].source_ids])
        for name in COMPONENTS
    }


def component_qualities(values: dict) -> dict:
    """Each component as a quality (0–100, higher is better; a face a component cannot measure ranks lowest), and
    the component whose EDC is best on the set itself — chosen on the people it is evaluated on, so an upper bound
    for any one component, not a fair rival."""
    usable = {name: v for name, v in values.items() if np.isfinite(v).any() and np.nanstd(v) > 0}
    return {f"OFIQ-like: {name}": np.nan_to_num(v, nan=-1.0) for name, v in usable.items()}


def candidate_qualities(data: dict, models: dict, seed: int, extra: dict) -> dict:
    qualities = {
        name: model.predict(head_input(data, model), batch_size=1024, verbose=0) for name, model in models.items()
    }
    qualities.update(extra)
    qualities.update(
        {
            "random": baselines.random_quality(len(data["raw"]), seed),
            "sharpness (Laplacian variance)": baselines.sharpness(data["faces"].faces),
            "embedding norm (the matcher's)": baselines.embedding_norm(data["raw"]),
            "mirror agreement (the matcher's)": baselines.mirror_agreement(data["pairs"]),
        }
    )
    return qualities


def comparisons_of(data: dict):
    normalised = data["raw"] / np.linalg.norm(data["raw"], axis=1, keepdims=True)
    return all_vs_all(normalised, data["labels"])


BEST_COMPONENT = "OFIQ-like, best component on this set"
COMPONENT_PREFIX = "OFIQ-like: "


def with_best_component(rows: list[dict]) -> list[dict]:
    """`rows` and, per FMR, a copy of the component row that closes the most of the gap at pAUC@0.2, named
    `BEST_COMPONENT` with the component in ``component``."""
    best = []
    for fmr in dict.fromkeys(row["fmr"] for row in rows):
        components = [r for r in rows if r["fmr"] == fmr and r["method"].startswith(COMPONENT_PREFIX)]
        if components:
            top = max(components, key=lambda r: r["gap_closed@0.2"])
            best.append({**top, "method": BEST_COMPONENT, "component": top["method"][len(COMPONENT_PREFIX) :]})
    return rows + best


def evaluate_set(name: str, data: dict, matcher, models: dict, seed: int, plots: list | None, extra: dict):
    comparisons = comparisons_of(data)
    rows, curves = quality_rows(comparisons, candidate_qualities(data, models, seed, extra), FMRS)
    rows = with_best_component(rows)
    print(f"\n{name}\n" + markdown([row for row in rows if not row["method"].startswith(COMPONENT_PREFIX)]))
    os.makedirs(FIGURES, exist_ok=True)
    for fmr, by_method in curves.items() if plots is not None else ():  # the plots show the first split only
        path = os.path.join(FIGURES, f"real_faces_{name}_fmr{fmr:g}.png")
        best = next((r["component"] for r in rows if r["method"] == BEST_COMPONENT and r["fmr"] == fmr), None)
        shown = {  # one component in the plot: the best (the others are in the JSON)
            (f"{BEST_COMPONENT} ({best})" if method == COMPONENT_PREFIX + str(best) else method): curve
            for method, curve in by_method.items()
            if not method.startswith(COMPONENT_PREFIX) or method == COMPONENT_PREFIX + str(best)
        }
        plot_edc(shown, path, fmr, f"{matcher.name}, held-out LFW ({name})", limit=0.2, size=(8.0, 7.0))
        plots.append(os.path.relpath(path, ROOT))
    counts = {
        "photos_with_a_face": len(data["raw"]),
        "mated": int(comparisons.mated_scores.size),
        "nonmated": comparisons.nonmated_total,
    }
    return [{"set": name, **row} for row in rows], counts


def train(clean: dict, degraded: dict | None, candidate: dict, seed: int):
    parts = [clean] + ([degraded] if degraded is not None else [])
    raw = np.concatenate([part["pairs" if candidate["mirror"] else "raw"] for part in parts])
    labels = np.concatenate([part["labels"] for part in parts])
    fits_centres = np.arange(len(raw)) < len(clean["raw"])
    settings = OnTopSettings(
        hidden=candidate["hidden"],
        cr_mode=candidate["cr_mode"],
        epochs=candidate["epochs"],
        seed=seed,
        members=candidate["members"],
        mirror=candidate["mirror"],
        centres=candidate["centres"],
        learning_rate=candidate["learning_rate"],
    )
    start = time.perf_counter()
    model, history = train_on_top(raw, labels, settings, fits_centres=fits_centres)
    return model, {"seconds": time.perf_counter() - start, "samples": len(raw), "final_cr_loss": history["cr_loss"][-1]}


def gap_at(data: dict, model, fmr: float, limit: float = 0.2) -> float:
    quality = model.predict(head_input(data, model), batch_size=1024, verbose=0)
    rows, _ = quality_rows(comparisons_of(data), {"m": quality}, (fmr,))
    return rows[0][f"gap_closed@{limit:g}"]


VALIDATION_FOLDS = 2  # disjoint sets of validation people: one set's figures move by several points with its people


def validation_folds(people: list[str], seed: int) -> list[set[str]]:
    """`VALIDATION_FOLDS` disjoint sets of about 30 % of the training people each (the first is the one 0.9.0 used)."""
    folds, rest = [], sorted(people)
    for fold in range(VALIDATION_FOLDS):
        share = 0.3 * len(people) / max(len(rest), 1)
        folds.append(split_people(rest, min(share, 1.0), seed + 1 + 100 * fold))
        rest = sorted(set(rest) - folds[-1])
    return folds


def select(clean: dict, degraded: dict, people: list[str], seed: int) -> tuple[dict, list[dict]]:
    """The on-top settings chosen on validation people carved from the training people (never the held-out ones):
    the best mean gap closed at pAUC@0.2 over FMR 1e-3 and 1e-2, the clean and cross-quality validation sets and
    the `validation_folds` (each candidate trained once per fold, on the training people outside it)."""
    per_fold = {index: [] for index in range(len(CANDIDATES))}
    runs = {index: [] for index in range(len(CANDIDATES))}
    for fold, validation in enumerate(validation_folds(people, seed)):
        fit_clean = subset(clean, ~np.isin(clean["labels"], list(validation)))
        fit_degraded = subset(degraded, ~np.isin(degraded["labels"], list(validation)))
        checks = {
            name: evaluation_set(data, validation, seed)
            for name, data in (("clean", clean), ("cross_quality", degraded))
        }
        for index, candidate in enumerate(CANDIDATES):
            model, run = train(fit_clean, fit_degraded if candidate["augment"] else None, candidate, seed)
            gaps = {
                f"validation_gap_{name}_fmr{fmr:g}": gap_at(data, model, fmr)
                for name, data in checks.items()
                for fmr in FMRS
            }
            per_fold[index].append(gaps)
            runs[index].append(run)
            print(f"selection, fold {fold}: {candidate} → validation gap closed {gaps}")
    rows = []
    for index, candidate in enumerate(CANDIDATES):
        means = {key: float(np.mean([gaps[key] for gaps in per_fold[index]])) for key in per_fold[index][0]}
        rows.append({**candidate, **means, "folds": per_fold[index], **runs[index][0]})
    best = max(rows, key=lambda r: np.mean([v for k, v in r.items() if k.startswith("validation_gap")]))
    return {key: best[key] for key in CANDIDATES[0]}, rows


def from_scratch(photos: str, people: list[str], work: str, steps: int, timings: dict):
    """The paper's simultaneous CR-FIQA trained from scratch on the training people's aligned photos (`crfiqa-tf
    train` with `synthetic_tiny`'s iResNet-18 at 56 px, MirroredStrategy on 2 logical CPUs, in its own process: the
    CPU split must come before anything touches a device): its quality model."""
    from crfiqa_tf.model_io import load_keras_model

    data = os.path.join(work, "training_aligned")
    linked = link_people(photos, set(people), os.path.join(work, "training_photos"))
    aligned(linked, data, timings, "prepare_align_training")
    run = os.path.join(work, f"scratch_{steps}")
    if not os.path.exists(os.path.join(run, "model.keras")):
        with open(os.path.join(data, "dataset_info.json"), encoding="utf-8") as handle:
            images = json.load(handle)["num_images"]
        epochs = max(1, -(-steps * 64 // images))
        settings = [
            f"data.train_dir={data}",
            f"train.run_dir={run}",
            f"train.max_steps={steps}",
            f"train.epochs={epochs}",
            f"train.lr_decay_epochs=[{max(1, int(epochs * 0.6))},{max(1, int(epochs * 0.85))}]",
            "data.verification_bins=[]",
            f"train.checkpoint_every={steps}",
        ]
        config = os.path.join(ROOT, "training", "configs", "synthetic_tiny.yaml")
        command = [sys.executable, "-m", "crfiqa_tf.cli", "train", "--config", config]
        start = time.perf_counter()
        subprocess.run(command + [arg for s in settings for arg in ("--set", s)], check=True, cwd=ROOT)
        with open(os.path.join(run, "timing.json"), "w", encoding="utf-8") as handle:
            json.dump({"steps": steps, "seconds": time.perf_counter() - start, "machine": describe_machine()}, handle)
    with open(os.path.join(run, "timing.json"), encoding="utf-8") as handle:
        timings["from_scratch_training"] = json.load(handle)
    return load_keras_model(run)


def describe(candidate: dict) -> str:
    head = "linear head" if candidate["hidden"] == 0 else f"MLP head, {candidate['hidden']}"
    members = f" ×{candidate['members']}" if candidate["members"] > 1 else ""
    mirror = ", mirror-averaged" if candidate["mirror"] else ""
    augment = ", cross-quality augmentation" if candidate["augment"] else ""
    centres = ", leave-one-out centres" if candidate.get("centres") == "leave-one-out" else ""  # 0.8.0: learned
    rate = candidate.get("learning_rate", OnTopSettings.learning_rate)
    steps = f"{candidate['epochs']} epochs" + (f" at {rate:g}" if rate != OnTopSettings.learning_rate else "")
    return f"CR-FIQA on top ({head}{members}{mirror}, CR {candidate['cr_mode']}{centres}{augment}, {steps})"


def splits_table(first: dict) -> list[str]:
    """Lines comparing the chosen on-top model with the baselines on every split measured (`--seed`: other people
    held out and trained on; results/real_faces_split*.json): gap closed at pAUC@0.2 per set and FMR."""
    import glob

    from benchmarks.common import RESULTS

    results = [first]
    for path in sorted(glob.glob(os.path.join(RESULTS, "real_faces_split*.json"))):
        with open(path, encoding="utf-8") as handle:
            results.append(json.load(handle))
    if len(results) < 2:
        return []
    keys = [(name, fmr) for name in first["sets"] for fmr in FMRS]
    lines = [
        "",
        f"**Every split measured** (gap closed at pAUC@0.2; each split holds out other people, and the on-top "
        f"setting is chosen again on its own validation people; {results[0]['machine']}):",
        "",
        "| split | measure | " + " | ".join(f"{name}, FMR {fmr:g}" for name, fmr in keys) + " |",
        "|" + "---|" * (2 + len(keys)),
    ]
    pooled: dict[str, list[list[float]]] = {}  # measure → each split's cells, for the mean of the splits
    for index, result in enumerate(results):
        chosen = next(r["method"] for r in result["rows"] if r["method"].startswith("CR-FIQA on top"))
        centres = "leave-one-out" if "leave-one-out centres" in chosen else "learned"
        baselines = [
            "mirror agreement (the matcher's)",
            "sharpness (Laplacian variance)",
            "embedding norm (the matcher's)",
            BEST_COMPONENT,
            "CR-FIQA on top (linear head, CR paper, 40 epochs)",
        ]
        for method in dict.fromkeys([chosen, *baselines]):
            values = []
            for name, fmr in keys:
                found = (r for r in result["rows"] if (r["set"], r["fmr"], r["method"]) == (name, fmr, method))
                row = next(found, None)
                values.append(np.nan if row is None else 100 * row["gap_closed@0.2"])
            cells = ["" if np.isnan(value) else f"{value:.1f} %" for value in values]
            label = f"the chosen on-top model ({centres} centres)" if method == chosen else method
            label += " (chosen on these people: an upper bound)" if method == BEST_COMPONENT else ""
            lines.append(f"| {index} | {label} | " + " | ".join(cells) + " |")
            pooled.setdefault("the chosen on-top model (each split's pick)" if method == chosen else label, []).append(
                values
            )
    for label, splits in pooled.items():  # one split's figure moves by several points with its people
        if len(splits) == len(results):
            cells = [f"{value:.1f} %" for value in np.mean(splits, axis=0)]
            lines.append(f"| mean of {len(results)} | {label} | " + " | ".join(cells) + " |")
    return lines


IN_TABLE = False  # its figures are a table of their own
MARKER = "REAL_FACES"  # docs/BENCHMARKS.md's block that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """docs/BENCHMARKS.md's block (the shared table leaves this benchmark out: `IN_TABLE`): pAUC@0.2 and the gap
    closed per measure, set and FMR; the selection; timings."""
    lines = [
        f"Measured on {result['machine']}, {result['date']}; matcher `{result['matcher']}`; "
        f"{result['people']['training']} training people, {result['people']['held_out']} held out (identity-disjoint), "
        f"at most {result.get('per_person', PER_PERSON)} photos of a person in an evaluation set. "
        f"Chosen on validation people: {result['chosen']}.",
        "",
    ]
    for name, counts in result["sets"].items():
        rows = [row for row in result["rows"] if row["set"] == name]
        fmrs = sorted({row["fmr"] for row in rows})
        head = ["measure"] + [f"{kind} @ FMR {fmr:g}" for fmr in fmrs for kind in ("pAUC@0.2", "gap closed")]
        lines += [
            f"**{name}** ({counts['photos_with_a_face']} photos with a face, {counts['mated']:,} mated and "
            f"{counts['nonmated']:,} non-mated comparisons; starting FNMR "
            + ", ".join(
                f"{next(r for r in rows if r['fmr'] == fmr)['starting_fnmr']:.3f} at FMR {fmr:g}" for fmr in fmrs
            )
            + ")",
            "",
            "| " + " | ".join(head) + " |",
            "|" + "---|" * len(head),
        ]
        for method in dict.fromkeys(row["method"] for row in rows if not row["method"].startswith(COMPONENT_PREFIX)):
            cells = [method]
            if method == BEST_COMPONENT:
                cells = [method + " (" + ", ".join(
                    f"{r['component']} at FMR {r['fmr']:g}" for r in rows if r["method"] == method
                ) + "; chosen on these people: an upper bound for one component)"]  # fmt: skip
            for fmr in fmrs:
                row = next(r for r in rows if r["method"] == method and r["fmr"] == fmr)
                cells += [f"{row['pauc@0.2']:.4f}", f"{100 * row['gap_closed@0.2']:.1f} %"]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    timings = result["timings"]
    align = timings["prepare_align"]
    lines.append(
        f"`prepare --align`: {align['photos']} photos in {align['seconds']:.0f} s ({align['photos_per_s']:.0f} "
        f"photos/s, {align['faces']} with a face; {align['machine']}). On-top training: "
        + "; ".join(
            f"{name}: {run['seconds']:.0f} s on {run['samples']} embeddings"
            for name, run in result["on_top_training"].items()
        )
        + (
            f"; from scratch: {timings['from_scratch_training']['seconds'] / 60:.0f} min"
            if "from_scratch_training" in timings
            else ""
        )
        + ". Plots: "
        + ", ".join(
            f"[{os.path.basename(p)}]({os.path.relpath(os.path.join(ROOT, p), os.path.join(ROOT, 'docs'))})"
            for p in result["plots"]
        )
        + "."
    )
    lines += [
        "",
        "Every OFIQ-like component (its 0–100 value as the quality, measured on the raw photo) has its own rows in "
        "`benchmarks/results/real_faces.json`; the table shows the best of them on each set.",
    ]
    lines += splits_table(result)
    folds = len(result["selection"][0].get("folds", [None]))
    lines += ["", f"Selection on validation people (gap closed at pAUC@0.2, mean of {folds} disjoint sets):", ""]
    gaps = [k for k in result["selection"][0] if k.startswith("validation_gap_")]
    lines += [
        "| head | members | mirror-averaged | CR | centres | augmentation | epochs | learning rate | "
        + " | ".join(g[15:].replace("_fmr", ", FMR ") for g in gaps)
        + " |"
    ]
    lines += ["|" + "---|" * (8 + len(gaps))]
    for row in result["selection"]:
        head = "linear" if row["hidden"] == 0 else f"MLP {row['hidden']}"
        cells = [head, str(row.get("members", 1)), "yes" if row.get("mirror") else "no", row["cr_mode"]]
        cells += [row.get("centres", "learned"), "yes" if row["augment"] else "no", str(row["epochs"])]
        cells += [f"{row.get('learning_rate', OnTopSettings.learning_rate):g}"]
        lines.append("| " + " | ".join(cells + [f"{100 * row[g]:.1f} %" for g in gaps]) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--lfw", default=os.path.join(ROOT, "..", "shared", "data", "lfw-devtrain"))
    parser.add_argument("--matcher", default=os.path.join(ROOT, "..", "shared", "data", "matchers", "mobileface"))
    parser.add_argument("--matcher-range", default="0..255", help="the matcher's input range (MatcherInput)")
    parser.add_argument("--work", default=os.path.join(tempfile.gettempdir(), "crfiqa_real_faces"))
    parser.add_argument("--held-out", type=float, default=0.3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--scratch-steps", type=int, default=600, help="from-scratch CR-FIQA training steps (0: none)")
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
    training = subset(clean, ~np.isin(clean["labels"], list(held_out)))
    evaluation = evaluation_set(clean, held_out, args.seed)
    degraded_training = embedded(degraded_sets["training"], matcher)
    degraded_evaluation = evaluation_set(embedded(degraded_sets["held_out"], matcher), held_out, args.seed)

    chosen, selection = select(training, degraded_training, training_people, args.seed)
    models, runs = {}, {}
    # the chosen settings and the official setting (linear head, no augmentation), trained on every training person
    for candidate in dict.fromkeys(map(tuple, map(dict.items, (chosen, CANDIDATES[0])))):
        candidate = dict(candidate)
        degraded = degraded_training if candidate["augment"] else None
        models[describe(candidate)], runs[describe(candidate)] = train(training, degraded, candidate, args.seed)
    scratch = (
        from_scratch(photos, training_people, args.work, args.scratch_steps, timings) if args.scratch_steps else None
    )
    plots: list[str] | None = [] if args.seed == 0 else None
    rows, sets = [], {}
    component_photos = {"clean": photos, "cross-quality": os.path.join(args.work, "cross_quality_held_out_photos")}
    for name, data in (("clean", evaluation), ("cross-quality", degraded_evaluation)):
        cache = os.path.join(args.work, f"components_{name}.json")
        extra = component_qualities(component_values(component_photos[name], data, cache))
        if scratch is not None:
            from crfiqa_tf.inference.keras_model import model_outputs

            label = f"CR-FIQA from scratch (iResNet-18, 56 px, {args.scratch_steps} steps)"
            extra[label] = model_outputs(scratch, data["faces"].faces)[1]
        set_rows, sets[name] = evaluate_set(name, data, matcher, models, args.seed, plots, extra)
        rows += set_rows
    report(
        "real_faces" if args.seed == 0 else f"real_faces_split{args.seed}",
        rows,
        {
            "matcher": matcher.name,
            "per_person": PER_PERSON,
            "people": {"training": len(training_people), "held_out": len(held_out)},
            "sets": sets,
            "chosen": describe(chosen),
            "selection": selection,
            "timings": timings,
            "on_top_training": runs,
            "plots": plots or [],
        },
    )


if __name__ == "__main__":
    main()
