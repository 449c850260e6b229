"""crfiqa_tf.on_top.head_inputs without a model runtime (so it runs under mutation): a stand-in matcher whose
embedding is the mean colour of each column band, so that a flip along the width (and only that flip) moves it."""

import numpy as np
import pytest

from crfiqa_tf.on_top.head_inputs import head_inputs, mirror_images


class BandMatcher:
    """raw embedding = the mean of each of 4 column bands, channel by channel (12 numbers); records batch sizes."""

    def __init__(self):
        self.batch_sizes = []

    def raw_embeddings(self, faces, batch_size=64):
        self.batch_sizes.append(batch_size)
        faces = np.asarray(faces, np.float64)
        bands = faces.reshape(len(faces), faces.shape[1], 4, faces.shape[2] // 4, 3).mean(axis=(1, 3))
        return bands.reshape(len(faces), 12).astype(np.float32)


@pytest.fixture
def faces():
    return np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)


def test_the_mirror_image_is_each_face_flipped_left_to_right(faces):
    mirrored = mirror_images(faces)
    assert mirrored.flags["C_CONTIGUOUS"] and mirrored.dtype == np.uint8
    np.testing.assert_array_equal(mirrored[1, 2, 0], faces[1, 2, 7])
    np.testing.assert_array_equal(mirror_images(mirrored), faces)


def test_head_inputs_with_and_without_the_mirror(faces):
    matcher = BandMatcher()
    single = head_inputs(matcher, faces, mirror=False, batch_size=5)
    np.testing.assert_array_equal(single, matcher.raw_embeddings(faces))
    pairs = head_inputs(matcher, faces, mirror=True, batch_size=7)
    assert pairs.shape == (3, 2, 12)
    np.testing.assert_array_equal(pairs[:, 0], single)  # the face first
    expected = single.reshape(3, 4, 3)[:, ::-1].reshape(3, 12)  # its bands in the other order
    np.testing.assert_allclose(pairs[:, 1], expected)
    assert matcher.batch_sizes[:1] == [5] and matcher.batch_sizes[2:4] == [7, 7]
