"""crfiqa_tf.align.mesh_model: the Face Mesh as its own step, run on any detector's faces (issue 41), on the packaged
real photos: under MTCNN every face carries every component, and on the faces both detectors find the components
agree with BlazeFace's."""

import numpy as np
import pytest

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.face_mesh import MESH_POINTS
from crfiqa_tf.align.mesh_model import FaceMeshModel, roi_affine
from crfiqa_tf.components import face_components, load_profile, reasons_for
from crfiqa_tf.data.sample_photos import photo

PHOTOS = ("astronaut", "grace_hopper", "group_of_six", "cameraman", "aligned_portrait")
GREY = {"cameraman", "aligned_portrait"}  # no colour to measure


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
    assert model.refined_mesh(photo("coffee"), (200, 100, 300, 200), np.array([[220.0, 140.0], [280.0, 140.0]])) is None


@pytest.fixture(scope="module")
def measured():
    rules = load_profile(None)
    out = {}
    for detector in ("blazeface", "mtcnn"):
        aligner = FaceAligner(detector, policy="all")
        for name in PHOTOS:
            image = photo(name)
            found = aligner.detect_all(image)
            areas = [f.area for f in found]
            out[detector, name] = [
                (face.detection, components, [r.code for r in reasons_for(components, rules)])
                for face in aligner.align(image, found)
                for components in [face_components(image, face.detection, areas, face.crop)]
            ]
    return out


@pytest.mark.slow(reason="MTCNN on five photos, ~15 s")
def test_mtcnn_faces_carry_every_component(measured):
    for name in PHOTOS:
        faces = measured["mtcnn", name]
        assert faces, name
        for detection, components, _ in faces:
            assert detection.mesh.shape == (MESH_POINTS, 3)
            empty = {key for key, value in components.items() if value.raw is None}
            assert empty == ({"natural_colour"} if name in GREY else set()), (name, empty)


@pytest.mark.slow(reason="MTCNN on five photos, ~15 s")
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
    # Ten faces; one differs by a reason whose value sits at its threshold: the cameraman's illumination
    # uniformity, 38 under BlazeFace's region and 53 under MTCNN's, against UNEVEN_LIGHT's limit of 50.
    assert compared == 10 and same_reasons >= 9
