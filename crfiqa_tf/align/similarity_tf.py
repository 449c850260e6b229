"""`crfiqa_tf.align.similarity` in TensorFlow ops: the Umeyama similarity onto the ArcFace template and the warp,
plus the affine crop both the warp and the Face Mesh's square use (`crfiqa_tf.align.mesh_model_tf`). The crops
reproduce Pillow's ``Image.transform`` (pixel centres at +0.5, the edge pixels repeated, truncation), so that the
two paths cut the same crops."""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE


def sampling_source(image):
    """The photo as `affine_crop` samples it: float32, with a one-pixel border repeating the edge pixels (Pillow
    clamps a sample's neighbours to the image, TensorFlow's kernel would read the zero fill there)."""
    return tf.pad(tf.cast(image, tf.float32), [[1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")


def affine_crop(source, matrix, size: int):
    """Pillow's ``Image.transform((size, size), AFFINE, matrix, BILINEAR)`` of the photo behind `source`
    (`sampling_source`): output pixel (u, v) ← input point ``matrix · (u + 0.5, v + 0.5, 1)`` (`matrix` ``[6]``),
    0 where that point lies outside the photo, truncated to an integer as Pillow does. TensorFlow's
    projective-transform kernel samples at integer pixel centres, so the half-pixel offsets (and the border's one
    pixel) move into the translation; float32 coordinates leave differences of at most one level."""
    m = tf.cast(matrix, tf.float32)
    shift_x, shift_y = 0.5 * (m[0] + m[1]) + m[2] + 0.5, 0.5 * (m[3] + m[4]) + m[5] + 0.5  # −0.5 centre, +1 border
    transform = tf.stack([m[0], m[1], shift_x, m[3], m[4], shift_y, 0.0, 0.0])
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=source[None],
        transforms=transform[None],
        output_shape=[size, size],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )[0]
    grid = tf.range(size, dtype=tf.float64) + 0.5  # where each output pixel samples, in float64 as Pillow
    u, v = tf.meshgrid(grid, grid)
    d = tf.cast(matrix, tf.float64)
    x, y = d[0] * u + d[1] * v + d[2], d[3] * u + d[4] * v + d[5]
    height, width = tf.cast(tf.shape(source)[0] - 2, tf.float64), tf.cast(tf.shape(source)[1] - 2, tf.float64)
    inside = (x >= 0) & (y >= 0) & (x < width) & (y < height)
    return tf.cast(tf.clip_by_value(tf.floor(tf.where(inside[..., None], out, 0.0)), 0, 255), tf.uint8)


def umeyama(source, target):
    """`crfiqa_tf.align.similarity.umeyama` in TF (float64): the 2×3 least-squares similarity source → target."""
    mu_s, mu_t = tf.reduce_mean(source, 0), tf.reduce_mean(target, 0)
    s, t = source - mu_s, target - mu_t
    n = tf.cast(tf.shape(source)[0], tf.float64)
    covariance = tf.matmul(t, s, transpose_a=True) / n
    d, u, v = tf.linalg.svd(covariance)
    flip = tf.linalg.det(u) * tf.linalg.det(v) < 0
    sign = tf.where(flip, tf.constant([1.0, -1.0], tf.float64), tf.constant([1.0, 1.0], tf.float64))
    rotation = tf.matmul(u * sign, v, transpose_b=True)
    scale = tf.reduce_sum(d * sign) / tf.reduce_sum(tf.math.reduce_variance(s, axis=0))
    translation = mu_t - scale * tf.linalg.matvec(rotation, mu_s)
    return tf.concat([scale * rotation, translation[:, None]], axis=1)


def warp_face(source, landmarks, size: int = 112):
    """`crfiqa_tf.align.similarity.warp_face` in TF (the photo as `sampling_source`): the aligned uint8 crop."""
    template = tf.constant(ARCFACE_TEMPLATE * (size / 112.0), tf.float64)
    matrix = umeyama(tf.cast(landmarks, tf.float64), template)
    inverse = tf.linalg.inv(tf.concat([matrix, tf.constant([[0.0, 0.0, 1.0]], tf.float64)], 0))[:2]
    return affine_crop(source, tf.reshape(inverse, [6]), size)
