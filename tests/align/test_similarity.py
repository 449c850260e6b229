"""crfiqa_tf.align.similarity: the Umeyama fit recovers a known similarity."""

import numpy as np

from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE, umeyama


def test_umeyama_recovers_a_similarity():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = ARCFACE_TEMPLATE
    target = scale * source @ rotation.T + shift
    matrix = umeyama(source, target)
    np.testing.assert_allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    np.testing.assert_allclose(matrix[:, 2], shift, atol=1e-9)
