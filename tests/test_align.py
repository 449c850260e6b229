import numpy as np
import pytest

from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE, umeyama


def test_umeyama_recovers_a_similarity():
    angle, scale, shift = 0.3, 1.7, np.array([5.0, -3.0])
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    source = ARCFACE_TEMPLATE
    target = scale * source @ rotation.T + shift
    matrix = umeyama(source, target)
    np.testing.assert_allclose(matrix[:, :2], scale * rotation, atol=1e-9)
    np.testing.assert_allclose(matrix[:, 2], shift, atol=1e-9)


@pytest.mark.slow
def test_astronaut_is_aligned_onto_the_template():
    skimage_data = pytest.importorskip("skimage.data")  # scikit-image is a dev requirement: always present in CI
    from crfiqa_tf.align.detector import FaceAligner

    aligner = FaceAligner()
    faces = aligner.align(skimage_data.astronaut())
    assert len(faces) == 1 and faces[0].crop.shape == (112, 112, 3) and faces[0].detection_score > 0.9
    redetected = aligner.detect(faces[0].crop)
    assert len(redetected) == 1
    points = np.array(
        [redetected[0]["keypoints"][k] for k in ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")],
        np.float64,
    )
    # Where the alignment put the original landmarks: the re-detection must find them there (the warp is right).
    # Against the template itself only the mean is bounded: a similarity has 4 degrees of freedom for 5 points,
    # and this face's mouth is wider than the template's, so its least-squares residual is ~6 px at the corners.
    matrix = umeyama(faces[0].landmarks, ARCFACE_TEMPLATE)
    placed = faces[0].landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.max(np.linalg.norm(points - placed, axis=1)) <= 4.0
    assert np.mean(np.linalg.norm(points - ARCFACE_TEMPLATE, axis=1)) <= 5.0
    no_face = np.full((200, 200, 3), 127, np.uint8)
    assert aligner.align(no_face) == []
