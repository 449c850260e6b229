"""crfiqa_tf.evaluation.baselines: the sharpness baseline orders progressively blurred real photos, the embedding norm
is the L2 norm, and the random baseline is seeded."""

import numpy as np
from PIL import Image, ImageFilter

from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.evaluation.baselines import embedding_norm, mirror_agreement, sharpness


def test_sharpness_orders_progressively_blurred_photos_and_norm_is_the_l2_norm():
    face = Image.fromarray(photo("astronaut")).crop((150, 50, 310, 210))
    images = np.stack([np.asarray(face.filter(ImageFilter.GaussianBlur(r))) for r in (0, 0.8, 1.6, 3.2)])
    values = sharpness(images)
    assert np.all(np.diff(values) < 0), values
    np.testing.assert_allclose(embedding_norm([[3.0, 4.0], [0.0, 2.0]]), [5.0, 2.0])


def test_the_random_baseline_is_seeded():
    from crfiqa_tf.evaluation.baselines import random_quality

    assert np.array_equal(random_quality(50, seed=3), random_quality(50, seed=3))
    assert not np.array_equal(random_quality(50, seed=3), random_quality(50, seed=4)) and len(random_quality(7)) == 7


def test_mirror_agreement_is_the_cosine_of_each_face_and_its_mirror():
    pairs = np.array(
        [
            [[3.0, 0.0, 0.0], [10.0, 0.0, 0.0]],  # the same direction at another length: full agreement
            [[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]],  # 45 degrees apart
            [[0.0, 2.0, 0.0], [0.0, 0.0, -5.0]],  # orthogonal
            [[1.0, 1.0, 1.0], [-1.0, -1.0, -1.0]],  # opposite
        ]
    )
    np.testing.assert_allclose(mirror_agreement(pairs), [1.0, np.sqrt(0.5), 0.0, -1.0], atol=1e-12)


def test_sharpness_of_one_bright_pixel_by_hand():
    """One pixel of colour (10, 20, 30) on black: grey v = 0.299·10 + 0.587·20 + 0.114·30; the Laplacian over the
    interior is −4v at the pixel, v at its four neighbours and 0 at the four corners, so its variance is 20v²/9."""
    image = np.zeros((1, 5, 5, 3), np.uint8)
    image[0, 2, 2] = (10, 20, 30)
    v = 0.299 * 10 + 0.587 * 20 + 0.114 * 30
    np.testing.assert_allclose(sharpness(image), [20 * v * v / 9], rtol=1e-12)
    off_centre = np.zeros((1, 5, 6, 3), np.uint8)
    off_centre[0, 2, 3] = (0, 0, 255)  # blue alone, one column off the middle: its neighbours all inside
    b = 0.114 * 255
    laplacian = np.zeros((3, 4))
    laplacian[1, 2], laplacian[0, 2], laplacian[2, 2], laplacian[1, 1], laplacian[1, 3] = -4 * b, b, b, b, b
    np.testing.assert_allclose(sharpness(off_centre), [laplacian.var()], rtol=1e-12)


def test_the_random_baseline_defaults_to_seed_0():
    from crfiqa_tf.evaluation.baselines import random_quality

    assert np.array_equal(random_quality(5), np.random.default_rng(0).random(5))
