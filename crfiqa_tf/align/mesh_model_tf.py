"""`crfiqa_tf.align.mesh_model` in TensorFlow ops: MediaPipe's Face Mesh (its `.tflite` replayed by
`crfiqa_tf.align.tflite_replay`) on the rotated square around each face's box, oriented by its eyes, for a batch of
faces of one photo; the constants are that module's."""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.align.mesh_model import INPUT_SIZE, LANDMARK_FILE, MESH_MIN_SCORE, ROI_SCALE
from crfiqa_tf.align.similarity_tf import affine_crop
from crfiqa_tf.align.tflite_replay import TFLiteGraph


def roi_affine(boxes, eyes):
    """`crfiqa_tf.align.mesh_model.roi_affine` per face: the 6 affine numbers ``[n, 6]`` of the rotated
    `ROI_SCALE` square (crop pixel → source point), and the step ``[n]`` (source pixels per crop pixel)."""
    boxes, eyes = tf.cast(boxes, tf.float64), tf.cast(eyes, tf.float64)
    centre = (boxes[:, :2] + boxes[:, 2:]) / 2
    side = ROI_SCALE * tf.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
    angle = tf.atan2(eyes[:, 1, 1] - eyes[:, 0, 1], eyes[:, 1, 0] - eyes[:, 0, 0])
    step = side / INPUT_SIZE
    a, b = step * tf.cos(angle), -step * tf.sin(angle)
    d, e = step * tf.sin(angle), step * tf.cos(angle)
    half = INPUT_SIZE / 2
    matrices = tf.stack([a, b, centre[:, 0] - half * (a + b), d, e, centre[:, 1] - half * (d + e)], axis=1)
    return matrices, step


class FaceMeshModel:
    """`crfiqa_tf.align.mesh_model.FaceMeshModel.mesh` for a batch of faces, in TF ops (build once, call inside a
    `tf.function`)."""

    def __init__(self):
        self.model = TFLiteGraph(fm.data_file(LANDMARK_FILE))

    def meshes(self, pixels, boxes, eyes):
        """The meshes ``[n, 468, 3]`` (float64, source pixels) of the faces at `boxes` ``[n, 4]`` with `eyes`
        ``[n, 2, 2]`` in the photo behind `pixels` (`crfiqa_tf.align.similarity_tf.sampling_source`), and
        ``[n]`` whether the mesh model sees a face there."""
        matrices, step = roi_affine(boxes, eyes)
        crops = tf.map_fn(
            lambda m: affine_crop(pixels, m, INPUT_SIZE),
            matrices,
            fn_output_signature=tf.TensorSpec([INPUT_SIZE, INPUT_SIZE, 3], tf.uint8),
        )
        # Run the mesh model only when there are faces (a convolution on an empty batch is not safe on every kernel).
        mesh, flag = tf.cond(
            tf.shape(crops)[0] > 0,
            lambda: tuple(self.model(tf.cast(crops, tf.float32) / 255.0)),
            lambda: (tf.zeros([0, 1, 1, 3 * fm.MESH_POINTS]), tf.zeros([0, 1, 1, 1])),
        )
        present = tf.sigmoid(tf.reshape(flag, [-1])) >= MESH_MIN_SCORE
        uvz = tf.cast(tf.reshape(mesh, [-1, fm.MESH_POINTS, 3]), tf.float64)
        u, v = uvz[..., 0], uvz[..., 1]
        m = matrices[:, None, :]
        x = m[..., 0] * u + m[..., 1] * v + m[..., 2]
        y = m[..., 3] * u + m[..., 4] * v + m[..., 5]
        return tf.stack([x, y, step[:, None] * uvz[..., 2]], axis=-1), present
