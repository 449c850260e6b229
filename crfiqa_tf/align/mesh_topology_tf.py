"""`crfiqa_tf.align.mesh_topology.five_points` in TensorFlow ops, for a batch of meshes; the indices are that
module's."""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import mesh_topology as fm


def five_points(meshes):
    """`crfiqa_tf.align.mesh_topology.five_points` for a batch of meshes ``[n, 468, ≥2]`` → ``[n, 5, 2]``."""
    xy = meshes[..., :2]
    return tf.stack(
        [
            tf.reduce_mean(tf.gather(xy, list(fm.LEFT_EYE_CONTOUR), axis=1), axis=1),
            tf.reduce_mean(tf.gather(xy, list(fm.RIGHT_EYE_CONTOUR), axis=1), axis=1),
            xy[:, fm.NOSE_TIP],
            xy[:, fm.LEFT_MOUTH_CORNER],
            xy[:, fm.RIGHT_MOUTH_CORNER],
        ],
        axis=1,
    )
