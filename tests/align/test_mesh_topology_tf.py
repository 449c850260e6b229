"""crfiqa_tf.align.mesh_topology_tf: the five points of a batch of meshes in TF ops equal
`crfiqa_tf.align.mesh_topology.five_points` of each."""

import numpy as np
import tensorflow as tf

from crfiqa_tf.align import mesh_topology
from crfiqa_tf.align.mesh_topology_tf import five_points


def test_five_points_of_a_batch_equal_numpys_of_each_mesh():
    canonical = mesh_topology.canonical_face_model()
    rng = np.random.default_rng(2)
    noisy = canonical + rng.normal(0, 1, canonical.shape)
    meshes = np.stack([canonical * 10 + 100, canonical[:, [1, 0, 2]] * 7, noisy])
    ours = five_points(tf.constant(meshes)).numpy()
    assert ours.shape == (3, 5, 2)
    for mesh, points in zip(meshes, ours):
        np.testing.assert_allclose(points, mesh_topology.five_points(mesh), atol=1e-9)
