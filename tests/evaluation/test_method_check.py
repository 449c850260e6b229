"""The held-out certainty ratio behind the method check's diagnosis (leave-one-out identity centres)."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.method_check import held_out_certainty_ratio


def test_held_out_cr_by_hand():
    # Identity a: two samples on e0 and one halfway to e1; identity b: two samples on e1.
    e0, e1 = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    mid = (e0 + e1) / np.sqrt(2)
    embeddings = np.stack([e0, 3 * e0, mid, e1, e1])  # scale must not matter
    cr = held_out_certainty_ratio(embeddings, np.array(["a", "a", "a", "b", "b"]))
    # Sample 0: own centre = normalise(e0 + mid), negatives: centre of b = e1.
    own = (e0 + mid) / np.linalg.norm(e0 + mid)
    assert cr[0] == pytest.approx(float(own @ e0) / (0.0 + 1.0))
    # The sample halfway to b: own centre e0 (cos 0.707), nearest negative e1 (cos 0.707).
    assert cr[2] == pytest.approx(np.sqrt(0.5) / (np.sqrt(0.5) + 1.0))
    assert cr[2] < cr[0] and cr[2] < cr[1]
    # b's samples sit on their (leave-one-out) centre; a's full centre is normalise(2·e0 + mid).
    a_centre = (2 * e0 + mid) / np.linalg.norm(2 * e0 + mid)
    assert cr[3] == pytest.approx(1.0 / (float(a_centre @ e1) + 1.0))


def test_held_out_cr_singleton_is_nan_and_one_identity_is_refused():
    cr = held_out_certainty_ratio(np.eye(3), np.array([0, 0, 1]))
    assert np.isnan(cr[2]) and not np.isnan(cr[:2]).any()
    with pytest.raises(ValueError, match="at least 2 identities"):
        held_out_certainty_ratio(np.eye(2), np.array([5, 5]))


@pytest.fixture(scope="module")
def held_out_set(tmp_path_factory):
    import json

    from crfiqa_tf.data.synthetic import make_synthetic_dataset

    folder = tmp_path_factory.mktemp("method_check")
    make_synthetic_dataset(str(folder), identities=4, per_identity=2, seed=0, shards=1, val_identities=6, val_pairs=60)
    meta = json.loads((folder / "verification_meta.json").read_text())["images"]
    return str(folder), np.array([m["degradation"] for m in meta]), np.array([m["identity"] for m in meta])


class _AnswerModel:
    """Stands in for a trained model: the method check's model calls are replaced by outputs with a known ranking,
    so the check's own arithmetic (signs, pairing of images and severities) is what is tested."""

    cr_mode = "code"

    def __init__(self, quality_of_held_out, identities):
        self.quality_of_held_out, self.identities = quality_of_held_out, identities
        self.fresh_quality = None

    def outputs(self, model, images):
        if len(images) == len(self.quality_of_held_out):  # the held-out identities, in the .bin's order
            return np.eye(len(set(self.identities)))[np.unique(self.identities, return_inverse=True)[1]], (
                self.quality_of_held_out
            )
        self.fresh_quality = np.linspace(0.1, 1.0, len(images))  # fresh training-identity images
        return np.ones((len(images), 3)), self.fresh_quality

    def margin_head(self, embeddings, labels):
        return {"ccs": self.fresh_quality, "nnccs": np.full(len(labels), 0.5)}  # CR rises with the quality


@pytest.mark.parametrize("answer", ["perfect", "reversed", "random"])
def test_method_check_known_answers(held_out_set, answer, monkeypatch):
    from crfiqa_tf.evaluation import method_check as module

    folder, degradation, identities = held_out_set
    quality = {
        "perfect": -degradation,
        "reversed": degradation,
        "random": np.random.default_rng(0).permutation(len(degradation)).astype(float),
    }[answer]
    model = _AnswerModel(quality, identities)
    monkeypatch.setattr(module, "model_outputs", model.outputs)
    result = module.method_check(model, folder, samples_per_identity=2)
    rho = result["spearman_quality_vs_neg_degradation"]
    if answer == "random":
        assert abs(rho) < 0.25
    else:
        assert rho == pytest.approx(1.0 if answer == "perfect" else -1.0, abs=0.02)  # ties among severities 0
    assert result["spearman_quality_vs_cr"] == pytest.approx(1.0)
    assert result["held_out_images"] == len(degradation) and result["fresh_training_identity_images"] == 8


def test_the_set_is_read_from_a_remote_filesystem(held_out_set, monkeypatch):
    """ram:// (TensorFlow's in-memory filesystem) stands in for gs://: the same answer as from the local folder."""
    import os

    from crfiqa_tf import paths
    from crfiqa_tf.evaluation import method_check as module

    folder, degradation, identities = held_out_set
    remote = "ram://method-check-test/set"
    paths.makedirs(remote)
    for name in os.listdir(folder):
        paths.copy(os.path.join(folder, name), paths.join(remote, name))
    model = _AnswerModel(-degradation, identities)
    monkeypatch.setattr(module, "model_outputs", model.outputs)
    try:
        result = module.method_check(model, remote, samples_per_identity=2)
    finally:
        paths.remove_tree(remote)
    assert result["spearman_quality_vs_neg_degradation"] == pytest.approx(1.0, abs=0.02)
    assert result["held_out_images"] == len(degradation)
