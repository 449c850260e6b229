"""crfiqa_tf.align.mtcnn_detector: MTCNN's faces on real photos as `Detection`s — best score first, the five points
in the template's order, the threshold applied."""

import numpy as np
import pytest

from crfiqa_tf.align.mtcnn_detector import MTCNNDetector
from crfiqa_tf.data.sample_photos import photo

pytestmark = pytest.mark.slow(reason="MTCNN on three photos, ~10 s")


@pytest.fixture(scope="module")
def mtcnn():
    return MTCNNDetector()


def test_faces_best_first_with_points_in_the_templates_order(mtcnn):
    faces = mtcnn.detect(photo("group_of_six"))
    assert len(faces) == 6
    assert [f.score for f in faces] == sorted((f.score for f in faces), reverse=True)
    for face in faces:
        left_eye, right_eye, nose, left_mouth, right_mouth = face.landmarks
        assert left_eye[0] < right_eye[0] and left_mouth[0] < right_mouth[0]
        assert max(left_eye[1], right_eye[1]) < nose[1] < min(left_mouth[1], right_mouth[1])
        x0, y0, x1, y1 = face.box
        assert x0 < nose[0] < x1 and y0 < nose[1] < y1 and face.mesh is None and face.score >= 0.9
    assert mtcnn.detect(photo("coffee")) == []


def test_the_threshold_drops_the_faces_below_it(mtcnn):
    scores = [f.score for f in mtcnn.detect(photo("group_of_six"))]
    strict = MTCNNDetector(min_confidence=float(np.median(scores)))
    kept = strict.detect(photo("group_of_six"))
    assert 0 < len(kept) < len(scores) and all(f.score >= np.median(scores) for f in kept)
