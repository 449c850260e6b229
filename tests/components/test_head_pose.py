"""crfiqa_tf.components.head_pose: a known rotation of the canonical face recovered, the pose mapping (100·cos²),
and the rigid fit's scale, rotation and translation, with outliers down-weighted."""

import math

import numpy as np
import pytest
from support.face_meshes import rotation

from crfiqa_tf.align.mesh_topology import canonical_face_model
from crfiqa_tf.components.head_pose import euler_angles, head_pose, pose_value, rigid_fit


@pytest.mark.parametrize("yaw, pitch, roll", [(0, 0, 0), (25, -10, 5), (-40, 15, -20)])
def test_head_pose_recovers_a_known_rotation_of_the_canonical_face(yaw, pitch, roll):
    posed = 12.0 * canonical_face_model() @ rotation(yaw, pitch, -roll).T  # roll > 0 is clockwise in the image
    mesh = posed * np.array([1.0, -1.0, -1.0]) + np.array([300.0, 200.0, 5.0])
    assert head_pose(mesh) == pytest.approx((yaw, pitch, roll), abs=1e-6)
    scale, _, _ = rigid_fit(canonical_face_model(), posed, np.ones(468))
    assert scale == pytest.approx(12.0)


@pytest.mark.parametrize("angle, value", [(0, 100), (45, 50), (60, 25), (-60, 25), (90, 0), (30, 75)])
def test_pose_value_is_100_cos_squared(angle, value):
    assert pose_value(angle) == value


def test_rigid_fit_recovers_scale_rotation_and_translation():
    rng = np.random.default_rng(0)
    source = rng.normal(size=(40, 3))
    angle = math.radians(25)
    rotation = np.array([[math.cos(angle), 0, math.sin(angle)], [0, 1, 0], [-math.sin(angle), 0, math.cos(angle)]])
    target = 2.5 * source @ rotation.T + np.array([1.0, -2.0, 3.0])
    scale, fitted, shift = rigid_fit(source, target, np.ones(40))
    assert scale == pytest.approx(2.5) and np.allclose(fitted, rotation) and np.allclose(shift, [1.0, -2.0, 3.0])
    # a mirrored target: the best proper rotation, never a reflection
    _, proper, _ = rigid_fit(source, target * np.array([1.0, 1.0, -1.0]), np.ones(40))
    assert np.linalg.det(proper) == pytest.approx(1.0)
    # weights: points of weight 0 do not pull the fit
    outliers = target.copy()
    outliers[:5] += 50.0
    weights = np.r_[np.zeros(5), np.ones(35)]
    assert rigid_fit(source, outliers, weights)[0] == pytest.approx(2.5)
    yaw = euler_angles(rotation)
    assert max(abs(v) for v in yaw) == pytest.approx(25.0)
