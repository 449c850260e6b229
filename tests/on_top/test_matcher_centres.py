"""crfiqa_tf.on_top.matcher_centres without a model runtime (it runs under mutation): every similarity worked out
by hand on small vectors, and the block-wise NNCCS equal to a one-shot computation."""

import numpy as np
import pytest

from crfiqa_tf.on_top import matcher_centres
from crfiqa_tf.on_top.matcher_centres import leave_one_out_similarities


def unit(v):
    v = np.asarray(v, np.float64)
    return v / np.linalg.norm(v)


def test_each_similarity_by_hand():
    # identity 0: two samples (one scaled by 5: only directions count); identity 1: one; identity 2: two
    features = np.array([[5.0, 0, 0], [0.6, 0.8, 0], [0, 0, 2.0], [0, 1.0, 1.0], [1.0, 0, 1.0]])
    labels = np.array([0, 0, 1, 2, 2])
    ccs, nnccs = leave_one_out_similarities(features, labels)
    assert ccs.dtype == nnccs.dtype == np.float32
    # identity 0 without sample 0 is sample 1's direction, and the other way round
    np.testing.assert_allclose(ccs[:2], [0.6, 0.6], atol=1e-6)
    assert ccs[2] == 0.0  # alone in its identity: nothing left of its centre
    # sample 3 against sample 4's direction alone: cos([0,1,1], [1,0,1]) = 1/2
    np.testing.assert_allclose(ccs[3:], [0.5, 0.5], atol=1e-6)
    centres = [unit([1.6, 0.8, 0]), unit([0, 0, 1]), unit([1 / np.sqrt(2), 1 / np.sqrt(2), 2 / np.sqrt(2)])]
    expected = [
        max(unit(features[0]) @ centres[1], unit(features[0]) @ centres[2]),
        max(unit(features[1]) @ centres[1], unit(features[1]) @ centres[2]),
        max(unit(features[2]) @ centres[0], unit(features[2]) @ centres[2]),
        max(unit(features[3]) @ centres[0], unit(features[3]) @ centres[1]),
        max(unit(features[4]) @ centres[0], unit(features[4]) @ centres[1]),
    ]
    np.testing.assert_allclose(nnccs, expected, atol=1e-6)


def test_copies_that_do_not_fit_the_centres_meet_the_whole_centre():
    features = np.array([[1.0, 0], [0, 1.0], [1.0, 1.0], [-1.0, 0]])
    labels = np.array([0, 0, 0, 1])
    fits = np.array([True, True, False, True])
    ccs, nnccs = leave_one_out_similarities(features, labels, fits)
    # the copy (sample 2) is compared with the centre of samples 0 and 1, itself not in it
    np.testing.assert_allclose(ccs, [0.0, 0.0, 1.0, 0.0], atol=1e-6)
    # identity 1's centre is [-1, 0]; identity 0's is [1, 1]/√2 without the copy's pull
    np.testing.assert_allclose(nnccs, [-1.0, 0.0, -1 / np.sqrt(2), -1 / np.sqrt(2)], atol=1e-6)


def test_an_identity_without_fitting_samples_is_no_centre():
    features = np.array([[1.0, 0], [0, 1.0], [0.6, 0.8], [0.8, 0.6]])
    labels = np.array([0, 0, 1, 1])
    ccs, nnccs = leave_one_out_similarities(features, labels, [True, True, False, False])
    np.testing.assert_allclose(ccs, [0.0, 0.0, 0.0, 0.0], atol=1e-6)
    # identity 1 has no centre, so identity 0's samples have no negative (0) and identity 1's meet identity 0's
    np.testing.assert_allclose(nnccs, [0.0, 0.0, 1.4 / np.sqrt(2), 1.4 / np.sqrt(2)], atol=1e-6)


def test_an_identity_without_a_centre_is_no_negative_even_where_every_other_is_far():
    # identity 2 (one copy, no centre-fitting sample) must not stand in as a negative at cosine 0
    features = np.array([[1.0, 0], [1.0, 0.1], [-1.0, 0], [0, 1.0]])
    ccs, nnccs = leave_one_out_similarities(features, [0, 0, 1, 2], [1, 1, 1, 0])  # flags as 0/1 work too
    np.testing.assert_allclose(ccs[:2], [unit([1.0, 0.1])[0]] * 2, atol=1e-6)
    centre_0 = unit(unit([1.0, 0]) + unit([1.0, 0.1]))
    np.testing.assert_allclose(nnccs[:3], [-1.0, -unit([1.0, 0.1])[0], -centre_0[0]], atol=1e-6)


def test_nothing_in_nothing_out():
    ccs, nnccs = leave_one_out_similarities(np.zeros((0, 4)), np.zeros(0, int))
    assert ccs.shape == nnccs.shape == (0,)


def test_one_identity_has_no_negative():
    ccs, nnccs = leave_one_out_similarities(np.array([[1.0, 0], [0.6, 0.8]]), np.array([0, 0]))
    np.testing.assert_allclose(ccs, [0.6, 0.6], atol=1e-6)
    np.testing.assert_array_equal(nnccs, [0.0, 0.0])


def test_blocks_give_the_one_shot_answer(monkeypatch):
    rng = np.random.default_rng(0)
    features, labels = rng.normal(size=(50, 6)), rng.integers(0, 7, 50)
    whole = leave_one_out_similarities(features, labels)
    monkeypatch.setattr(matcher_centres, "ROWS_PER_BLOCK", 8)
    blocked = leave_one_out_similarities(features, labels)
    np.testing.assert_array_equal(whole[0], blocked[0])
    np.testing.assert_array_equal(whole[1], blocked[1])
    units = features / np.linalg.norm(features, axis=1, keepdims=True)
    sums = np.stack([units[labels == c].sum(0) for c in range(7)])
    centres = sums / np.linalg.norm(sums, axis=1, keepdims=True)
    cos = units @ centres.T
    cos[np.arange(50), labels] = -np.inf
    np.testing.assert_allclose(whole[1], cos.max(1), atol=1e-6)
    own = sums[labels] - units
    np.testing.assert_allclose(whole[0], np.sum(units * own, 1) / np.linalg.norm(own, axis=1), atol=1e-6)


def test_mismatched_shapes_are_refused():
    with pytest.raises(ValueError, match=r"features \[N, D\], labels \[N\] and fits_centres \[N\] must match"):
        leave_one_out_similarities(np.zeros((3, 2)), np.zeros(2, int))
    with pytest.raises(ValueError, match="must match"):
        leave_one_out_similarities(np.ones((3, 2)), np.zeros(3, int), [True, False])
    with pytest.raises(ValueError, match="must match"):
        leave_one_out_similarities(np.ones(3), np.zeros(3, int))
