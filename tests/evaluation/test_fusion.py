"""crfiqa_tf.evaluation.fusion: quality-weighted templates, on embeddings whose fused direction is known."""

import numpy as np
import pytest

from crfiqa_tf.evaluation.fusion import fuse_template


def test_each_embedding_is_normalised_before_it_is_weighted():
    e = np.array([[10.0, 0.0], [0.0, 1.0]])  # the long one must not outweigh the short one
    np.testing.assert_allclose(fuse_template(e, [1.0, 1.0]), [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(fuse_template(e, [3.0, 1.0]), np.array([3.0, 1.0]) / np.sqrt(10.0))
    np.testing.assert_allclose(fuse_template(e, [[1.0], [0.0]]), [1.0, 0.0])  # weights of any shape, flattened
    assert fuse_template(np.array([[1, 0], [0, 1]]), [1, 1]).dtype == np.float64


def test_all_zero_weights_give_the_mean_and_a_zero_template_stays_finite():
    e = np.array([[1.0, 0.0], [0.0, 2.0], [0.0, 0.0]])
    np.testing.assert_allclose(fuse_template(e, [0.0, 0.0, 0.0]), [2**-0.5, 2**-0.5])
    np.testing.assert_allclose(fuse_template(np.array([[1.0, 0.0], [-1.0, 0.0]]), [1.0, 1.0]), [0.0, 0.0])


@pytest.mark.parametrize(
    "embeddings, weights, message",
    [
        (np.ones((2, 3)), [1.0], r"^1 weights for embeddings of shape \(2, 3\)$"),
        (np.ones(3), [1.0, 1.0, 1.0], r"^3 weights for embeddings of shape \(3,\)$"),
        (np.ones((3, 2)), [1.0, 1.0], r"^2 weights for embeddings of shape \(3, 2\)$"),
        (np.ones((2, 2)), [1.0, np.nan], r"^template weights must be finite and non-negative \(use calibrated"),
        (np.ones((2, 2)), [1.0, -0.5], r"^template weights must be finite and non-negative \(use calibrated"),
    ],
)
def test_bad_inputs_are_refused_with_their_cause(embeddings, weights, message):
    with pytest.raises(ValueError, match=message):
        fuse_template(embeddings, weights)


def test_short_embeddings_and_small_weights_still_give_a_unit_template():
    e = np.array([[0.5, 0.0], [0.0, 0.25]])  # norms below 1 are divided out too
    np.testing.assert_allclose(fuse_template(e, [0.1, 0.1]), [2**-0.5, 2**-0.5])
    assert np.linalg.norm(fuse_template(e, [0.01, 0.02])) == pytest.approx(1.0)
