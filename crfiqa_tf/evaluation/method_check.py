"""Does the trained quality head rank samples as CR-FIQA should? A check on the synthetic identity set.

- Held-out identities (the ``verification.bin`` of `make_synthetic_dataset`, whose degradation severities are in
  ``verification_meta.json``): Spearman between predicted quality and −degradation, over all images and within
  each degradation kind.
- Fresh samples of the training identities: Spearman between predicted quality and the sample's own certainty
  ratio measured against the learnt class centres — how well the head learnt its regression target.
"""

from __future__ import annotations

import json
import os

import numpy as np

from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.data.schema import read_dataset_info
from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.evaluation.evaluate import model_outputs
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.image_io import read_image
from crfiqa_tf.losses import certainty_ratio


def method_check(model, data_dir: str, samples_per_identity: int = 4, seed: int = 99) -> dict:
    """Spearman(quality, −degradation) on held-out identities and Spearman(quality, own CR) on training ones."""
    images, _ = load_bin(os.path.join(data_dir, "verification.bin"))
    with open(os.path.join(data_dir, "verification_meta.json"), encoding="utf-8") as handle:
        meta = json.load(handle)["images"]
    degradation = np.array([m["degradation"] for m in meta])
    kinds = np.array([m.get("kind", "") for m in meta])
    _, quality = model_outputs(model, images)
    per_kind = {}  # where the ranking fails: the same Spearman within each degradation kind
    for kind in sorted(set(kinds) - {""}):
        mask = kinds == kind
        if mask.sum() >= 3:
            per_kind[kind] = {"images": int(mask.sum()), "spearman": spearman(quality[mask], -degradation[mask])}
    result = {
        "held_out_images": len(images),
        "spearman_quality_vs_neg_degradation": spearman(quality, -degradation),
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
