"""Head pose (yaw, pitch, roll in degrees) from the Face Mesh's 3-D points, by a weighted rigid fit to MediaPipe's
canonical face model (`crfiqa_tf.align.mesh_topology`).

The mesh comes in source pixels with y down and z negative towards the camera; it is turned into the canonical
model's frame (x right, y up, z towards the viewer) and the similarity ``mesh ≈ s·R·canonical + t`` is found by
weighted least squares (Umeyama 1991), with the weights MediaPipe's face-geometry pipeline uses for the same fit
(33 stable points: nose, eye corners, cheekbones, forehead). ``R = Rz(roll) · Ry(yaw) · Rx(pitch)``:

- yaw > 0: the face turned towards the image's right edge (the subject's left, in an unmirrored photo);
- pitch > 0: the head bent down (chin towards the chest);
- roll > 0: the head tilted clockwise as seen in the image (the top of the head towards the image's right edge).

Roll is applied last, so rotating the photo by θ changes roll by θ and nothing else. OFIQ's 0–100 value for each
angle is ``round(100 · cos²(angle))`` (``HeadPose.cpp``).
"""

from __future__ import annotations

import math

import numpy as np

from crfiqa_tf.align.mesh_topology import canonical_face_model, procrustes_weights
from crfiqa_tf.components.ofiq_mapping import clip_round


def rigid_fit(source: np.ndarray, target: np.ndarray, weights: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
    """Scale, rotation ``[3, 3]`` (no reflection) and translation with ``target ≈ s·R·source + t`` in the
    weighted least-squares sense."""
    w = np.asarray(weights, np.float64) / np.sum(weights)
    mu_s, mu_t = w @ source, w @ target
    s, t = source - mu_s, target - mu_t
    covariance = (t * w[:, None]).T @ s
    u, d, vt = np.linalg.svd(covariance)
    sign = np.ones(3)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[2] = -1.0
    rotation = u @ np.diag(sign) @ vt
    scale = float(np.sum(d * sign) / np.sum(w * np.sum(s * s, axis=1)))
    return scale, rotation, mu_t - scale * rotation @ mu_s


def euler_angles(rotation: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of ``R = Rz(roll) · Ry(yaw) · Rx(pitch)``."""
    yaw = math.asin(max(-1.0, min(1.0, -rotation[2, 0])))
    pitch = math.atan2(rotation[2, 1], rotation[2, 2])
    roll = math.atan2(rotation[1, 0], rotation[0, 0])
    return math.degrees(yaw), math.degrees(pitch), math.degrees(roll)


def head_pose(mesh: np.ndarray) -> tuple[float, float, float]:
    """(yaw, pitch, roll) in degrees of a Face Mesh ``[468, 3]`` in source pixels (signs in the module
    docstring)."""
    observed = np.asarray(mesh, np.float64) * np.array([1.0, -1.0, -1.0])  # image frame → canonical frame
    _, rotation, _ = rigid_fit(canonical_face_model(), observed, procrustes_weights())
    yaw, pitch, roll = euler_angles(rotation)
    # The canonical frame has y up; turning clockwise in the (y-down) image is a negative rotation there.
    return yaw, pitch, -roll


def pose_value(angle_degrees: float) -> int:
    """OFIQ's HeadPose mapping: ``round(100 · cos²(angle))``."""
    return clip_round(100.0 * math.cos(math.radians(angle_degrees)) ** 2)
