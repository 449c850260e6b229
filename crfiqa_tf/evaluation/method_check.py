"""Does the trained quality head rank samples as CR-FIQA should? A check on the synthetic identity set.

- Held-out identities (the ``verification.bin`` of `make_synthetic_dataset`, whose degradation severities are in
  ``verification_meta.json``): Spearman between predicted quality and −degradation, over all images and within
  each degradation kind.
- The same ranking by a certainty ratio the head never sees: each held-out image's CR against centres of the
  held-out identities (the mean of that identity's other images), as the paper's CR with those centres. It says
  how far the embedding itself orders degradation, so a low quality figure can be put on the head (it does not
  learn CR) or on the embedding (degradation does not move it away from its identity).
- Fresh samples of the training identities: Spearman between predicted quality and the sample's own certainty
  ratio measured against the learnt class centres — how well the head learnt its regression target.
"""

from __future__ import annotations

import json

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.data.schema import read_dataset_info
from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.image_io import read_image
from crfiqa_tf.inference.keras_model import model_outputs
from crfiqa_tf.losses import certainty_ratio


def held_out_certainty_ratio(embeddings: np.ndarray, identities: np.ndarray) -> np.ndarray:
    """Paper-form CR of each embedding against leave-one-out centres of the identities in `identities`.

    The centre of the sample's own identity is the normalised mean of that identity's *other* embeddings (NaN CR
    where it has none); the negatives are the full centres of every other identity.
    """
    unit = embeddings / np.maximum(np.linalg.norm(embeddings, axis=1, keepdims=True), 1e-12)
    names, index = np.unique(identities, return_inverse=True)
    if len(names) < 2:
        raise ValueError(f"held-out CR needs at least 2 identities, got {len(names)}")
    sums = np.zeros((len(names), unit.shape[1]))
    np.add.at(sums, index, unit)
    counts = np.bincount(index, minlength=len(names))
    centres = sums / np.maximum(np.linalg.norm(sums, axis=1, keepdims=True), 1e-12)
    own_sum = sums[index] - unit  # leave the sample out of its own centre
    own_norm = np.linalg.norm(own_sum, axis=1)
    ccs = np.where(counts[index] > 1, np.sum(own_sum * unit, axis=1) / np.maximum(own_norm, 1e-12), np.nan)
    negatives = unit @ centres.T
    negatives[np.arange(len(unit)), index] = -np.inf
    return certainty_ratio(ccs, negatives.max(axis=1), "paper")


def method_check(model, data_dir: str, samples_per_identity: int = 4, seed: int = 99) -> dict:
    """Spearman(quality, −degradation) on held-out identities and Spearman(quality, own CR) on training ones."""
    images, _ = load_bin(paths.join(data_dir, "verification.bin"))
    meta = json.loads(paths.read_text(paths.join(data_dir, "verification_meta.json")))["images"]
    degradation = np.array([m["degradation"] for m in meta])
    kinds = np.array([m.get("kind", "") for m in meta])
    identities = np.array([m["identity"] for m in meta])
    held_out_embeddings, quality = model_outputs(model, images)
    held_out_cr = held_out_certainty_ratio(held_out_embeddings, identities)
    known = ~np.isnan(held_out_cr)
    per_kind = {}  # where the ranking fails: the same Spearman within each degradation kind
    for kind in sorted(set(kinds) - {""}):
        mask = kinds == kind
        if mask.sum() >= 3:
            both = mask & known
            per_kind[kind] = {
                "images": int(mask.sum()),
                "spearman": spearman(quality[mask], -degradation[mask]),
                "spearman_held_out_cr": (
                    spearman(held_out_cr[both], -degradation[both]) if both.sum() >= 3 else float("nan")
                ),
            }
    result = {
        "held_out_images": len(images),
        "spearman_quality_vs_neg_degradation": spearman(quality, -degradation),
        "spearman_held_out_cr_vs_neg_degradation": spearman(held_out_cr[known], -degradation[known]),
        "spearman_quality_vs_held_out_cr": spearman(quality[known], held_out_cr[known]),
        "per_kind": per_kind,
    }
    info = read_dataset_info(data_dir)
    synthetic = info["synthetic"]
    faces = identity_faces(synthetic["identities"], synthetic["seed"])
    rng = np.random.default_rng(seed)
    fresh, labels = [], []
    for label, face in enumerate(faces):
        for _ in range(samples_per_identity):
            fresh.append(read_image(make_sample(face, rng)[0]))
            labels.append(label)
    embeddings, quality = model_outputs(model, np.stack(fresh))
    head = model.margin_head(embeddings, np.array(labels))
    cr = np.asarray(certainty_ratio(head["ccs"], head["nnccs"], model.cr_mode))
    result.update({"fresh_training_identity_images": len(fresh), "spearman_quality_vs_cr": spearman(quality, cr)})
    return result
