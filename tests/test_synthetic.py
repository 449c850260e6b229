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
