"""crfiqa_tf.align.blazeface: the weighted suppression by hand, and detection on real photos from installed packages
(crfiqa_tf/data/sample_photos.py): each face found and nothing else, a tight aligned crop found by the margin
retry."""

import numpy as np
import pytest

from crfiqa_tf.align.blazeface import weighted_nms
from crfiqa_tf.align.detector_registry import make_detector
from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE
from crfiqa_tf.data.sample_photos import face_count, photo


@pytest.fixture(scope="module")
def blazeface():
    return make_detector("blazeface")


def test_weighted_nms_merges_overlapping_boxes_by_score_and_keeps_separate_ones():
    boxes = np.array([[0, 0, 10, 10], [1, 0, 11, 10], [50, 50, 60, 60]], np.float64)
    points = np.zeros((3, 6, 2))
    points[1] += 1.0
    kept = weighted_nms(boxes, points, np.array([0.9, 0.6, 0.7]))
    assert len(kept) == 2
    merged, merged_points, score = kept[0]
    np.testing.assert_allclose(merged, [0.4, 0, 10.4, 10])  # (0.9·0 + 0.6·1) / 1.5
    np.testing.assert_allclose(merged_points, 0.4)
    assert score == 0.9 and kept[1][2] == 0.7


@pytest.mark.parametrize(
    "name", ["astronaut", "cameraman", "grace_hopper", "group_of_six", "cat", "coffee", "mask_blue", "mask_white"]
)
def test_blazeface_finds_each_face_and_nothing_else(blazeface, name):
    image = photo(name)
    faces = blazeface.detect(image)
    assert len(faces) == face_count(name)
    height, width = image.shape[:2]
    for face in faces:
        x0, y0, x1, y1 = face.box
        assert 0 <= face.score <= 1 and x1 > x0 and y1 > y0
        assert -5 <= x0 and x1 <= width + 5 and -5 <= y0 and y1 <= height + 5
        # the five points lie in their box, in template order on an upright face
        inside = (face.landmarks >= [x0, y0]) & (face.landmarks <= [x1, y1])
        assert inside.all(), (face.box, face.landmarks)
        (left_eye, right_eye, nose, left_mouth, right_mouth) = face.landmarks
        assert left_eye[0] < right_eye[0] and left_mouth[0] < right_mouth[0]
        assert max(left_eye[1], right_eye[1]) < nose[1] < min(left_mouth[1], right_mouth[1])


def test_a_tight_aligned_crop_is_found_with_its_points_on_the_template(blazeface):
    """insightface's own aligned 112×112 portrait: the face fills the frame (found by the margin retry) and the
    five points must land where insightface's alignment put them, up to the template fit's residual."""
    faces = blazeface.detect(photo("aligned_portrait"))
    assert len(faces) == 1
    assert np.mean(np.linalg.norm(faces[0].landmarks - ARCFACE_TEMPLATE, axis=1)) <= 5.0
