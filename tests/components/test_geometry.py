"""Landmark components (`crfiqa_tf.components.geometry`) on points placed by hand and on the canonical face: every
answer is known by construction."""

import numpy as np
import pytest
from support.face_meshes import synthetic_mesh

from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.components import geometry
from crfiqa_tf.components import ofiq_mapping as ofiq


def _mesh():
    """Eyes at (40, 50) and (80, 50), chin at (60, 130) (T = 80), lips at (60, 100) / (60, 106); lids open 8 px
    (image-left eye) and 6 px (image-right), the inner lips 10 px at their widest."""
    mesh = np.zeros((468, 3))
    mesh[:, :2] = 60, 80
    mesh[list(fm.LEFT_EYE_CORNERS), :2] = (30, 50), (50, 50)
    mesh[list(fm.RIGHT_EYE_CORNERS), :2] = (90, 52), (70, 48)
    mesh[fm.CHIN, :2] = 60, 130
    for pairs, opening, x in ((fm.LEFT_EYE_LID_PAIRS, 8, 40), (fm.RIGHT_EYE_LID_PAIRS, 6, 80)):
        for k, (upper, lower) in enumerate(pairs):
            mesh[upper, :2] = x + k, 50 - opening / 2 + (k % 2)  # the widest pair is the first
            mesh[lower, :2] = x + k, 50 + opening / 2 - (k % 2)
    for k, (upper, lower) in enumerate(fm.INNER_LIP_PAIRS):
        mesh[upper, :2] = 55 + k, 100 - (5 if upper == fm.UPPER_LIP_CENTRE else 1)
        mesh[lower, :2] = 55 + k, 100 + (5 if lower == fm.LOWER_LIP_CENTRE else 1)
    mesh[fm.UPPER_LIP_CENTRE, :2], mesh[fm.LOWER_LIP_CENTRE, :2] = (60, 95), (60, 105)
    return mesh


@pytest.fixture
def points():
    return geometry.Landmarks(_mesh())


def test_reference_points(points):
    assert points.left_eye.tolist() == [40, 50] and points.right_eye.tolist() == [80, 50]
    assert points.eye_mid.tolist() == [60, 50] and points.planar_eye_distance == 40 and points.t == 80
    assert points.mouth_centre.tolist() == [60, 100]
    assert (
        points.max_pair_distance(fm.LEFT_EYE_LID_PAIRS) == 8 and points.max_pair_distance(fm.RIGHT_EYE_LID_PAIRS) == 6
    )


def test_eyes_mouth_size_and_distance(points):
    assert geometry.eyes_open(points) == (6 / 80, ofiq.EYES_OPEN(6 / 80))  # the less open eye
    assert geometry.mouth_closed(points) == (10 / 80, ofiq.MOUTH_CLOSED(10 / 80))
    assert geometry.head_size(points, 160) == (0.5, ofiq.HEAD_SIZE(abs(0.5 - 0.45)))
    assert geometry.inter_eye_distance(points, 0.0) == (40.0, ofiq.INTER_EYE_DISTANCE(40.0))
    raw, _ = geometry.inter_eye_distance(points, 60.0)  # turned 60 degrees: the eyes look half as far apart
    assert raw == pytest.approx(80.0)
    assert geometry.inter_eye_distance(points, -60.0)[0] == pytest.approx(80.0)
    assert geometry.inter_eye_distance(points, 90.0)[0] == pytest.approx(40.0 / 1e-6)


def test_room_to_each_border(points):
    crops = geometry.crops(points, width=200, height=300)
    assert crops == {
        "leftward_crop": (1.0, ofiq.SIDE_CROP(1.0)),  # 40 px from the left border, in eye distances
        "rightward_crop": (3.0, ofiq.SIDE_CROP(3.0)),  # 120 px from the right one
        "upward_crop": (0.625, ofiq.MARGIN_ABOVE(0.625)),  # 50 px above the eye line, in T
        "downward_crop": (3.125, ofiq.MARGIN_BELOW(3.125)),  # 250 px below it
    }


@pytest.mark.parametrize(
    "areas, raw, value",
    [([], 1.0, 0), ([0.0], 1.0, 0), ([-1.0], 1.0, 0), ([9.0], 0.0, 100), ([9.0, 1.0], 1 / 3, 67),
     ([1.0, 9.0], 1 / 3, 67), ([4.0, 4.0, 1.0], 1.0, 0), ([100.0, 1.0, 1.0], 0.1, 90)],
)  # fmt: skip
def test_single_face_present(areas, raw, value):
    got = geometry.single_face_present(areas)
    assert got[0] == pytest.approx(raw) and got[1] == value


def test_eyes_mouth_and_crops_on_a_synthetic_face():
    mesh = synthetic_mesh()
    points = geometry.Landmarks(mesh)
    # Canonical proportions: eye centres 6.30 cm apart, chin 12.03 cm below their midpoint (× 10 px).
    assert points.planar_eye_distance == pytest.approx(63.02, abs=0.01) and points.t == pytest.approx(120.28, abs=0.01)
    width, height = 300, 400
    crops = geometry.crops(points, width, height)
    assert crops["leftward_crop"][0] == pytest.approx(points.left_eye[0] / 63.0229, rel=1e-4)
    assert crops["downward_crop"][0] == pytest.approx((height - points.eye_mid[1]) / points.t)
    closed = mesh.copy()
    for upper, lower in ((161, 163), (160, 144), (159, 145), (158, 153), (157, 154)):
        closed[upper] = closed[lower]  # the image-left eye shut
    raw, value = geometry.eyes_open(geometry.Landmarks(closed))
    assert raw == 0.0 and value == 12
    opened = mesh.copy()
    opened[14, 1] += 0.3 * points.t  # lower lip centre dropped by 0.3 T
    raw, value = geometry.mouth_closed(geometry.Landmarks(opened))
    assert raw >= 0.3 and value < 20
