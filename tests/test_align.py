"""Face detection and alignment on real photos from installed packages (crfiqa_tf/data/sample_photos.py)."""

import numpy as np
import pytest

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.blazeface import weighted_nms
from crfiqa_tf.align.detectors import make_detector
from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE, umeyama
from crfiqa_tf.data.sample_photos import face_count, photo


@pytest.fixture(scope="module")
def blazeface():
    return make_detector("blazeface")


def test_umeyama_recovers_a_similarity():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = ARCFACE_TEMPLATE
    target = scale * source @ rotation.T + shift
    matrix = umeyama(source, target)
    np.testing.assert_allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    np.testing.assert_allclose(matrix[:, 2], shift, atol=1e-9)


def test_shipped_mediapipe_models_are_the_published_files():
    import hashlib

    from crfiqa_tf.align.blazeface import DETECTOR_FILE, LANDMARK_FILE
    from crfiqa_tf.align.face_mesh import CANONICAL_MODEL_FILE, PROCRUSTES_WEIGHTS_FILE, data_file

    expected = {
        DETECTOR_FILE: "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
        LANDMARK_FILE: "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
        CANONICAL_MODEL_FILE: "5ecc0627d2925a83da0dbf63ccdc245a62affbeb8872c34ae2e63e35763ee2a9",
        PROCRUSTES_WEIGHTS_FILE: "55ca7c4c7bf195673b9d12a1b5d49d4b9c82b5ade8fed4b565496590866e359d",
    }
    for name, digest in expected.items():
        with open(data_file(name), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest, name


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


@pytest.mark.parametrize("detector", ["blazeface", pytest.param("mtcnn", marks=pytest.mark.slow(reason="MTCNN ~5 s"))])
def test_alignment_puts_the_face_on_the_template(detector):
    aligner = FaceAligner(detector)
    faces = aligner.align(photo("astronaut"))
    assert len(faces) == 1 and faces[0].crop.shape == (112, 112, 3) and faces[0].detection.score > 0.5
    redetected = aligner.detect(faces[0].crop)
    assert len(redetected) == 1
    # Where the alignment put the original landmarks: the re-detection must find them there (the warp is right).
    # Against the template itself only the mean is bounded: a similarity has 4 degrees of freedom for 5 points,
    # and this face's mouth is wider than the template's, so its least-squares residual is ~6 px at the corners
    # (mean over the five points measured 4.7 px with MTCNN's points, 5.0 with BlazeFace + Face Mesh).
    matrix = umeyama(faces[0].detection.landmarks, ARCFACE_TEMPLATE)
    placed = faces[0].detection.landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.max(np.linalg.norm(redetected[0].landmarks - placed, axis=1)) <= 4.0
    assert np.mean(np.linalg.norm(redetected[0].landmarks - ARCFACE_TEMPLATE, axis=1)) <= 5.5
    assert aligner.align(np.full((200, 200, 3), 127, np.uint8)) == []


def test_policies_and_bad_names():
    group = photo("group_of_six")
    every = FaceAligner(policy="all").detect(group)
    largest = FaceAligner(policy="largest").detect(group)
    assert len(every) == 6 and [d.area for d in every] == sorted((d.area for d in every), reverse=True)
    # the same face; "largest" looks at the whole frame only when it finds faces there, so its box may differ by
    # the tiles' share in the weighted suppression (half a pixel here)
    assert len(largest) == 1 and np.abs(np.subtract(largest[0].box, every[0].box)).max() < 2.0
    with pytest.raises(ValueError, match="faces policy"):
        FaceAligner(policy="first")
    with pytest.raises(ValueError, match="unknown face detector 'retina'.*blazeface, mtcnn"):
        FaceAligner("retina")
