"""Face Meshes whose geometry is known by construction: MediaPipe's canonical face placed in image pixels, and rotations
of it by known angles."""

import numpy as np

from crfiqa_tf.align.mesh_topology import canonical_face_model


def synthetic_mesh(scale=10.0, centre=(100.0, 120.0)):
    """The canonical face as a frontal Face Mesh in image pixels (y down, z negative towards the camera)."""
    return canonical_face_model() * scale * np.array([1.0, -1.0, -1.0]) + np.array([*centre, 0.0])


def rotation(yaw, pitch, roll):
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return rz @ ry @ rx
