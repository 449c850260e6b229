"""crfiqa_tf.align.mesh_model: the Face Mesh as its own step, run on any detector's faces (issue 41), on the packaged
real photos: under MTCNN every face carries every component, and on the faces both detectors find the components
agree with BlazeFace's."""

import numpy as np
import pytest

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.detection import Detection
from crfiqa_tf.align.mesh_model import (
    SETTLE_RUNS,
    SETTLE_TOLERANCE,
    FaceMeshModel,
    _canonical_square,
    region_from_points,
    roi_affine,
)
from crfiqa_tf.align.mesh_topology import MESH_POINTS, five_points
from crfiqa_tf.components import face_components, load_profile, reasons_for
from crfiqa_tf.data.sample_photos import photo

PHOTOS = ("astronaut", "grace_hopper", "group_of_six", "cameraman", "aligned_portrait")
GREY = {"cameraman", "aligned_portrait"}  # no colour to measure
RULES = load_profile(None)


def test_the_region_is_the_box_scaled_and_turned_by_the_eyes():
    affine, step = roi_affine((100, 100, 200, 200), np.array([[120.0, 150.0], [180.0, 150.0]]))
    assert step == pytest.approx(1.5 * 100 / 192)
    a, b, c, d, e, f = affine
    centre = (a * 96 + b * 96 + c, d * 96 + e * 96 + f)  # the crop's centre maps to the box's
    assert centre == pytest.approx((150.0, 150.0)) and b == pytest.approx(0.0) and d == pytest.approx(0.0)
    turned, _ = roi_affine((100, 100, 200, 200), np.array([[150.0, 120.0], [150.0, 180.0]]))  # eyes vertical: 90°
    assert turned[0] == pytest.approx(0.0, abs=1e-12) and turned[3] == pytest.approx(step)


def test_no_mesh_where_there_is_no_face():
    model = FaceMeshModel(threads=1)
    assert model.mesh(photo("coffee"), (200, 100, 300, 200), np.array([[220.0, 140.0], [280.0, 140.0]])) is None
    points = np.array([[220.0, 140.0], [280.0, 140.0], [250.0, 170.0], [228.0, 195.0], [272.0, 195.0]])
    assert model.measured_mesh(photo("coffee"), points) is None
    kept = np.zeros((MESH_POINTS, 3))
    assert model.measured_mesh(photo("coffee"), points, fallback=kept) is kept  # a mesh made before is kept


def test_the_region_is_the_canonical_square_carried_by_the_five_points():
    canonical, centre, half = _canonical_square()
    np.testing.assert_allclose(region_from_points(canonical), (*(centre - half), *(centre + half)), atol=1e-9)
    angle, scale, shift = 0.4, 3.0, np.array([120.0, -40.0])
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    x0, y0, x1, y1 = region_from_points(scale * canonical @ turn.T + shift)
    np.testing.assert_allclose(((x0 + x1) / 2, (y0 + y1) / 2), scale * turn @ centre + shift, atol=1e-9)
    assert x1 - x0 == pytest.approx(2 * scale * half) and y1 - y0 == pytest.approx(2 * scale * half)
    nose = canonical.copy()
    nose[2] += (5.0, 3.0)  # the nose tip does not place the square: it moves as the head turns
    np.testing.assert_allclose(region_from_points(nose), region_from_points(canonical), atol=1e-9)


def test_the_region_of_a_real_faces_points_is_the_square_its_mesh_spans():
    image = photo("grace_hopper")
    (face,) = FaceAligner(policy="all", mesh=False).detect(image)
    x0, y0, x1, y1 = region_from_points(face.landmarks)
    low, high = face.mesh[:, :2].min(0), face.mesh[:, :2].max(0)
    side = (high - low).max()
    # The canonical face is an average head, not this one: its square is 12 % wider than this mesh's span (a
    # flipped axis or a lost scale would be off by far more).
    assert abs(x1 - x0 - side) <= 0.15 * side
    np.testing.assert_allclose(((x0 + x1) / 2, (y0 + y1) / 2), (low + high) / 2, atol=0.1 * side)


def test_every_detectors_face_gets_a_settled_mirror_averaged_mesh(monkeypatch):
    """The mesh step on a detector that gives five points and no mesh (MTCNN's kind): every face gets its mesh, each
    from one to `SETTLE_RUNS` mirror-averaged runs, and the last region a face's mesh was measured on is the region
    of that mesh's own five points within `SETTLE_TOLERANCE` unless the runs ran out."""
    image = photo("group_of_six")
    faces = FaceAligner(policy="all", mesh=False).detect(image)

    class FivePointsOnly:
        def detect(self, image):
            return [Detection(face.box, face.score, face.landmarks.copy()) for face in faces]

    regions = []
    original = FaceMeshModel.mirror_averaged_mesh
    monkeypatch.setattr(
        FaceMeshModel,
        "mirror_averaged_mesh",
        lambda self, image, box, eyes: regions.append(box) or original(self, image, box, eyes),
    )
    counts = []
    aligner = FaceAligner(FivePointsOnly(), policy="all")
    for face in FivePointsOnly().detect(image):
        regions.clear()
        mesh = aligner._with_mesh(face, image).mesh
        assert mesh is not None and 1 <= len(regions) <= SETTLE_RUNS
        settled = np.asarray(region_from_points(five_points(mesh)))
        moved = np.max(np.abs(settled - np.asarray(regions[-1]))) / (regions[-1][2] - regions[-1][0])
        assert moved < SETTLE_TOLERANCE or len(regions) == SETTLE_RUNS
        counts.append(len(regions))
    assert len(counts) == 6 and np.mean(counts) <= 2  # measured: 1.3 regions a face on this photo (2, 2, 1, 1, 1, 1)


@pytest.fixture(scope="module")
def measured():
    out = {}
    for detector in ("blazeface", "mtcnn"):
        aligner = FaceAligner(detector, policy="all")
        for name in PHOTOS:
            image = photo(name)
            found = aligner.detect_all(image)
            areas = [f.area for f in found]
            out[detector, name] = [
                (face.detection, components, [r.code for r in reasons_for(components, RULES)])
                for face in aligner.align(image, found)
                for components in [face_components(image, face.detection, areas, face.crop)]
            ]
    return out


@pytest.mark.slow(reason="MTCNN on five photos, ~15 s")
@pytest.mark.tensorflow  # MTCNN
def test_mtcnn_faces_carry_every_component(measured):
    for name in PHOTOS:
        faces = measured["mtcnn", name]
        assert faces, name
        for detection, components, _ in faces:
            assert detection.mesh.shape == (MESH_POINTS, 3)
            empty = {key for key, value in components.items() if value.raw is None}
            assert empty == ({"natural_colour"} if name in GREY else set()), (name, empty)


@pytest.mark.slow(reason="MTCNN on five photos, ~15 s")
@pytest.mark.tensorflow  # MTCNN
def test_components_agree_across_detectors_on_the_faces_both_find(measured):
    compared = same_reasons = 0
    for name in PHOTOS:
        for blaze, ours, reasons in measured["blazeface", name]:
            eye = np.linalg.norm(blaze.landmarks[1] - blaze.landmarks[0])
            match = [
                (d, c, r)
                for d, c, r in measured["mtcnn", name]
                if np.linalg.norm(d.landmarks[:2].mean(0) - blaze.landmarks[:2].mean(0)) < 0.5 * eye
            ]
            assert match, (name, blaze.box)
            _, theirs, their_reasons = match[0]
            for pose in ("head_pose_yaw", "head_pose_pitch", "head_pose_roll"):
                assert ours[pose].raw == pytest.approx(theirs[pose].raw, abs=5.0), (name, pose)
            assert ours["inter_eye_distance"].raw == pytest.approx(theirs["inter_eye_distance"].raw, rel=0.10), name
            assert ours["luminance_mean"].raw == pytest.approx(theirs["luminance_mean"].raw, abs=0.03), name
            assert ours["sharpness"].raw == pytest.approx(theirs["sharpness"].raw, rel=0.15), name
            compared += 1
            same_reasons += reasons == their_reasons
            for code in set(reasons) ^ set(their_reasons):  # a reason one detector gives and the other not
                (rule,) = [r for r in RULES if r.code == code]
                values = ours[rule.component].raw, theirs[rule.component].raw
                # only a head-pose limit that both values lie within the pose bound of (5°)
                assert rule.condition == "abs_raw_above", (name, code, values)
                assert all(abs(abs(v) - rule.threshold) <= 5.0 for v in values), (name, code, values)
    # Ten faces; measured while writing this: one differs, a group face's pitch 24.0° under BlazeFace and 25.5°
    # under MTCNN against LOOK_STRAIGHT's limit of 25°.
    assert compared == 10 and same_reasons >= 9
