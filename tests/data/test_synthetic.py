import json

import numpy as np
import pytest

from crfiqa_tf.data.bin_sets import load_bin
from crfiqa_tf.data.synthetic import identity_params, make_sample, make_synthetic_dataset, render_identity
from crfiqa_tf.image_io import read_image


def test_counts_severities_and_verification_set(tmp_path):
    info = make_synthetic_dataset(str(tmp_path / "s"), identities=6, per_identity=3, seed=1, shards=2, val_pairs=10)
    assert info["num_images"] == 18 and info["num_classes"] == 6
    images, issame = load_bin(str(tmp_path / "s" / "verification.bin"))
    assert images.shape == (20, 112, 112, 3) and issame.sum() == 5
    meta = json.loads((tmp_path / "s" / "verification_meta.json").read_text())
    assert all(0 <= m["degradation"] <= 1 and m["identity"] >= 6 for m in meta["images"])


def _features(images):
    x = images[:, 32:88, 28:84].astype(np.float32)  # the inner face: the background is nuisance
    x = x.reshape(len(x), 28, 2, 28, 2, 3).mean(axis=(2, 4))
    x = x.reshape(len(x), -1)
    x -= x.mean(axis=1, keepdims=True)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


def _nearest_centroid_accuracy(identities, severity):
    faces = [render_identity(identity_params(np.random.default_rng([3, i]))) for i in range(identities)]
    rng = np.random.default_rng(4)
    train, test, labels = [], [], []
    for label, face in enumerate(faces):
        train += [read_image(make_sample(face, rng, severity=0.0)[0]) for _ in range(4)]
        test += [read_image(make_sample(face, rng, severity=severity)[0]) for _ in range(4)]
        labels += [label] * 4
    labels = np.array(labels)
    centroids = np.stack([_features(np.array(train))[labels == c].mean(0) for c in range(identities)])
    predicted = np.argmax(_features(np.array(test)) @ centroids.T, axis=1)
    return float(np.mean(predicted == labels))


@pytest.mark.slow
def test_identities_are_distinguishable_and_degradation_hurts():
    identities = 20
    clean = _nearest_centroid_accuracy(identities, 0.0)
    degraded = _nearest_centroid_accuracy(identities, 1.0)
    assert clean > 5 / identities, clean  # chance is 1/20
    assert degraded < clean - 0.15, (clean, degraded)


def _inner_face(images: np.ndarray) -> np.ndarray:
    """Inner face at 56 px (the demo model's resolution), 2×2-pooled, as flat vectors in [0, 1]."""
    x = images.astype(np.float32).reshape(len(images), 56, 2, 56, 2, 3).mean(axis=(2, 4)) / 255
    x = x[:, 14:50, 14:42].reshape(len(images), 18, 2, 14, 2, 3).mean(axis=(2, 4))
    return x.reshape(len(images), -1)


def test_each_degradation_lowers_identity_certainty():
    """A linear face recogniser (LDA) learnt from the training distribution loses certainty as severity grows, for
    every kind, and the certainty ratio it measures ranks severity across kinds (the scales are comparable)."""
    from crfiqa_tf.data.synthetic import DEGRADATIONS, apply_degradation, apply_nuisance, encode_jpeg

    identities, per_identity = 30, 16
    faces = [render_identity(identity_params(np.random.default_rng([0, i]))) for i in range(identities)]
    rng = np.random.default_rng(7)
    train = np.stack([read_image(make_sample(f, rng)[0]) for f in faces for _ in range(per_identity)])
    labels = np.repeat(np.arange(identities), per_identity)
    x = _inner_face(train)
    mean = x.mean(0)
    class_means = np.stack([x[labels == c].mean(0) for c in range(identities)])
    within = (x - class_means[labels]).T @ (x - class_means[labels]) / len(x) + 1e-3 * np.eye(x.shape[1])
    between = (class_means - mean).T @ (class_means - mean) / identities
    values, vectors = np.linalg.eig(np.linalg.solve(within, between))
    projection = vectors[:, np.argsort(-values.real)[: identities - 1]].real

    def embed(v):
        e = (v - mean) @ projection
        return e / np.linalg.norm(e, axis=-1, keepdims=True)

    centres = np.stack([embed(x[labels == c]).mean(0) for c in range(identities)])
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    severities = (0.0, 0.5, 1.0)
    all_cr, all_s = [], []
    for kind in DEGRADATIONS:
        by_severity = []
        for s in severities:
            images = []
            for face in faces:
                image, quality = apply_degradation(apply_nuisance(face, rng), kind, s, rng)
                images.append(read_image(encode_jpeg(image, quality)))
            sims = embed(_inner_face(np.stack(images))) @ centres.T
            own = sims[np.arange(identities), np.arange(identities)]
            sims[np.arange(identities), np.arange(identities)] = -np.inf
            cr = own / (sims.max(axis=1) + 1)  # the paper's CR
            by_severity.append(cr.mean())
            all_cr += list(cr)
            all_s += [s] * identities
        # Mid-range blur and down-scaling are finer than this 28 px recogniser sees: no rise beyond noise there.
        assert by_severity[2] < by_severity[1] < by_severity[0] + 0.05, (kind, by_severity)
        assert by_severity[2] < by_severity[0] - 0.1, (kind, by_severity)
    from crfiqa_tf.evaluation.rank_correlation import spearman

    assert spearman(all_cr, -np.array(all_s)) > 0.5
