"""EDC of a quality model for the user's own matcher, on the field's protocols over real photos: an LFW-style
``pairs.txt`` with its folder of raw photos (aligned here, the face nearest the centre), or all-vs-all over aligned
labelled shards (every mated pair; every or a seeded sample of non-mated pairs). Baselines: random, sharpness,
the matcher's embedding norm; the oracle row and the share of the random-to-oracle gap each measure closes."""

from __future__ import annotations

import json

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.evaluation import baselines
from crfiqa_tf.evaluation.plots import plot_edc
from crfiqa_tf.evaluation.protocols import ComparisonSet, all_vs_all, cap_per_identity, read_lfw_pairs
from crfiqa_tf.evaluation.quality_table import markdown, quality_rows


def aligned_lfw_photos(pairs_path: str, images_root: str, face: str = "centre"):
    """The unique photos of a pairs file aligned (``[P, 112, 112, 3]``), the pairs as photo indices, whether
    each pair is mated, and the photos without a face (their pairs are left out and counted)."""
    from crfiqa_tf.data.aligned_folders import AlignSettings, PhotoAligner
    from crfiqa_tf.image_io import ImageReadError, read_bytes, read_image

    pairs = read_lfw_pairs(pairs_path)
    names = sorted({p.first for p in pairs} | {p.second for p in pairs})
    aligner = PhotoAligner(AlignSettings(face))
    faces, index, missing = [], {}, {}
    for name in names:
        try:
            crop = aligner.face(read_image(read_bytes(paths.join(images_root, name)), source=name))
        except ImageReadError as error:
            missing[name] = f"{error.cause}: {error.detail}"
            continue
        if crop is None:
            missing[name] = "no_face"
            continue
        index[name] = len(faces)
        faces.append(crop)
    kept = [p for p in pairs if p.first in index and p.second in index]
    first = np.array([index[p.first] for p in kept], np.int64)
    second = np.array([index[p.second] for p in kept], np.int64)
    mated = np.array([p.mated for p in kept], bool)
    return np.stack(faces), first, second, mated, missing, len(pairs)


def model_name(path: str) -> str:
    """A model's name for tables: its file or folder name (``name/version`` for a SavedModel version folder)."""
    path = str(path).rstrip("/")
    name = paths.basename(path)
    return f"{paths.basename(paths.dirname(path))}/{name}" if name.isdigit() else name


def pair_comparisons(embeddings, first, second, mated) -> ComparisonSet:
    scores = np.sum(embeddings[first] * embeddings[second], axis=1)
    return ComparisonSet(first[mated], second[mated], scores[mated], scores[~mated], int((~mated).sum()))


def evaluate_for_matcher(
    quality_model: str,
    matcher,
    out_dir: str,
    *,
    lfw_pairs: str | None = None,
    images_root: str | None = None,
    all_vs_all_data: str | None = None,
    bin_path: str | None = None,
    nonmated: int | None = None,
    max_per_identity: int | None = None,
    fmrs=(1e-3, 1e-2),
    seed: int = 0,
) -> dict:
    """Writes ``pauc.md``, ``evaluation.json`` and EDC plots to `out_dir` and returns the evaluation.

    Args:
        quality_model: any model `crfiqa_tf.model_io.load_scorer` opens (its ``quality`` output is the measure).
        matcher: a `crfiqa_tf.matchers.matcher.Matcher` (None: the quality model's own embedding).
        lfw_pairs, images_root: an LFW-format pairs file and the folder of its raw photos; or
        all_vs_all_data: aligned labelled shards (`prepare --align`), with `nonmated` to sample non-mated pairs and
            `max_per_identity` to keep a seeded few photos of each person (`protocols.cap_per_identity`); or
        bin_path: an insightface ``.bin`` pair set (aligned faces).
    """
    from crfiqa_tf.data.labelled_faces import read_labelled_faces
    from crfiqa_tf.model_io import load_scorer

    if sum(map(bool, (lfw_pairs, all_vs_all_data, bin_path))) != 1:
        raise ValueError("give exactly one of an LFW pairs file (with its images folder), all-vs-all shards or a .bin")
    scorer = load_scorer(quality_model)
    result: dict = {"quality_model": quality_model}
    if lfw_pairs:
        if not images_root:
            raise ValueError(f"{lfw_pairs}: give the folder of its photos (--images)")
        faces, first, second, mated, missing, total = aligned_lfw_photos(lfw_pairs, images_root)
        result.update({"protocol": f"pairs {lfw_pairs}", "pairs_in_file": total, "photos_without_a_face": missing})
    elif bin_path:
        from crfiqa_tf.data.bin_sets import load_bin

        faces, mated = load_bin(bin_path, 112)
        first, second = np.arange(0, len(faces), 2), np.arange(1, len(faces), 2)
        result["protocol"] = f"pairs {bin_path}"
    else:
        labelled = read_labelled_faces(all_vs_all_data)
        if max_per_identity:
            labelled = labelled.subset(cap_per_identity(labelled.labels, max_per_identity, seed))
        faces, labels = labelled.faces, labelled.labels
        result["protocol"] = f"all-vs-all {all_vs_all_data}"
    predicted = scorer.predict(faces)
    if matcher is not None:
        raw = matcher.raw_embeddings(faces)
        result["matcher"] = matcher.name
    else:
        raw = np.asarray(predicted["embedding"], np.float32)
        result["matcher"] = f"the quality model's own embedding ({paths.basename(quality_model)})"
    normalised = raw / np.maximum(np.linalg.norm(raw, axis=1, keepdims=True), 1e-12)
    if lfw_pairs or bin_path:
        comparisons = pair_comparisons(normalised, first, second, mated)
    else:
        comparisons = all_vs_all(normalised, labels, nonmated, seed)
    qualities = {
        f"quality model ({model_name(quality_model)})": np.asarray(predicted["quality"], np.float64),
        "random": baselines.random_quality(len(faces), seed),
        "sharpness (Laplacian variance)": baselines.sharpness(faces),
    }
    if matcher is not None:
        qualities["embedding norm (the matcher's)"] = baselines.embedding_norm(raw)
    rows, curves = quality_rows(comparisons, qualities, fmrs)
    paths.makedirs(out_dir)
    plots = [
        plot_edc(by_method, paths.join(out_dir, f"edc_fmr{fmr:g}.png"), fmr, result["matcher"], limit=0.2)
        for fmr, by_method in curves.items()
    ]
    result.update(
        {
            "faces": len(faces),
            "mated": int(comparisons.mated_scores.size),
            "nonmated": int(comparisons.nonmated_scores.size),
            "table": rows,
            "plots": plots,
        }
    )
    paths.write_text(paths.join(out_dir, "pauc.md"), markdown(rows) + "\n")
    paths.write_text(paths.join(out_dir, "evaluation.json"), json.dumps(result, indent=2, default=float))
    return result
