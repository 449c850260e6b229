"""Which samples get a CR target (`crfiqa_tf.on_top.target_weights`), by hand tables. NumPy only."""

import numpy as np
import pytest

from crfiqa_tf.on_top.target_weights import cr_target_weights, unchanged_copies


def test_a_cr_target_needs_a_centre_that_is_more_than_the_sample_itself():
    # class 0: two photos and a degraded copy; class 1: one photo and its degraded copy; class 2: one photo
    labels = np.array([0, 0, 0, 1, 1, 2])
    fits = np.array([True, True, False, True, False, True])
    np.testing.assert_array_equal(cr_target_weights(labels, fits), [1, 1, 1, 0, 0, 0])
    np.testing.assert_array_equal(cr_target_weights(labels, np.ones(6, bool)), [1, 1, 1, 1, 1, 0])
    np.testing.assert_array_equal(cr_target_weights(np.array([0, 0, 0]), np.array([False, True, True])), [1, 1, 1])
    assert cr_target_weights(labels, fits).dtype == np.float32  # the tf.data weights column
    assert cr_target_weights(np.array([], int), np.array([], bool)).shape == (0,)


def test_a_copy_is_unchanged_only_where_it_is_one_of_its_own_persons_photos():
    rng = np.random.default_rng(0)
    photos = rng.normal(size=(3, 8))  # person 0: photos 0 and 1; person 1: photo 2
    turned = photos[0] + 0.05 * rng.normal(size=8)  # a degraded copy: close, but not the same face
    embeddings = np.stack([*photos, photos[0], 3 * photos[1], turned, photos[0], photos[2]])
    labels = np.array([0, 0, 1, 0, 0, 0, 1, 1])
    fits = np.array([True, True, True, False, False, False, False, False])
    # copies: photo 0 as it was, photo 1 scaled (the same direction), a turned copy, photo 0 under the wrong person,
    # photo 2 as it was under its own person
    expected = [False, False, False, True, True, False, False, True]
    np.testing.assert_array_equal(unchanged_copies(embeddings, labels, fits), expected)
    assert not unchanged_copies(embeddings, labels, np.ones(8, bool)).any()  # photos are never copies
    assert not unchanged_copies(embeddings, labels, np.zeros(8, bool)).any()  # no photo to be a copy of
    assert unchanged_copies(embeddings, labels, fits.astype(int)).tolist() == expected  # 0/1 flags as well
    assert unchanged_copies(embeddings.tolist(), labels.tolist(), fits.tolist()).tolist() == expected  # plain lists
    small = unchanged_copies(embeddings * 1e-3, labels, fits)  # a matcher with short embeddings: the same answer
    assert small.dtype == bool and small.tolist() == expected


@pytest.mark.parametrize("gap, unchanged", [(0.0, True), (5e-6, True), (2e-5, False), (1e-3, False)])
def test_unchanged_means_within_the_tolerance_of_cosine_one(gap, unchanged):
    angle = np.arccos(1.0 - gap)
    photo, copy = np.array([1.0, 0.0]), np.array([np.cos(angle), np.sin(angle)])
    found = unchanged_copies(np.stack([photo, copy]), np.array([4, 4]), np.array([True, False]))
    assert found.tolist() == [False, unchanged]
    wider = unchanged_copies(np.stack([photo, copy]), np.array([4, 4]), np.array([True, False]), tolerance=2e-3)
    assert wider.tolist() == [False, True]


def test_with_no_tolerance_only_the_same_direction_is_unchanged():
    photos = np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 0.0], [1.0, 1e-3]])  # a copy at twice the length, one turned
    found = unchanged_copies(photos, np.array([0, 0, 0, 0]), np.array([True, True, False, False]), tolerance=0.0)
    assert found.tolist() == [False, False, True, False]
