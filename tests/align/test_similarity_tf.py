"""crfiqa_tf.align.similarity_tf: the Umeyama similarity and the aligned crop in TF ops equal
`crfiqa_tf.align.similarity`'s, on a real photo; samples outside the photo are black, as Pillow's."""

import numpy as np
import tensorflow as tf
from PIL import Image

from crfiqa_tf.align import similarity
from crfiqa_tf.align.similarity_tf import affine_crop, sampling_source, umeyama, warp_face
from crfiqa_tf.data.sample_photos import photo

ASTRONAUT_POINTS = np.array([[194.0, 112.0], [252.0, 110.0], [224.0, 146.0], [200.0, 176.0], [245.0, 175.0]])


def test_umeyama_equals_numpys_for_turned_scaled_and_mirrored_points():
    rng = np.random.default_rng(1)
    for _ in range(5):
        source = rng.uniform(0, 200, (5, 2))
        for target in (similarity.ARCFACE_TEMPLATE, source[:, ::-1] * 0.5 + 7.0):  # the second is a reflection
            ours = umeyama(tf.constant(source), tf.constant(target, tf.float64)).numpy()
            np.testing.assert_allclose(ours, similarity.umeyama(source, target), atol=1e-9)


def test_the_aligned_crop_equals_pillows_on_a_real_photo():
    image = photo("astronaut")
    for size in (112, 56):
        ours = warp_face(sampling_source(tf.constant(image)), tf.constant(ASTRONAUT_POINTS), size).numpy()
        theirs = similarity.warp_face(image, ASTRONAUT_POINTS, size)
        difference = np.abs(ours.astype(int) - theirs.astype(int))
        assert difference.max() <= 1 and difference.mean() < 0.05, size


def test_an_affine_crop_reaching_past_the_photo_is_black_there_as_pillows():
    image = photo("grace_hopper")
    matrix = (1.0, 0.0, -30.0, 0.0, 1.0, -20.0)  # the crop starts 30 px left of and 20 px above the photo
    ours = affine_crop(sampling_source(tf.constant(image)), tf.constant(matrix), 64).numpy()
    theirs = np.asarray(Image.fromarray(image).transform((64, 64), Image.AFFINE, matrix, Image.BILINEAR))
    assert not ours[:20].any() and not ours[:, :30].any()
    assert np.abs(ours.astype(int) - theirs.astype(int)).max() <= 1
