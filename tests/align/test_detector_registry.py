"""crfiqa_tf.align.detector_registry: each name makes its detector with the options given, and an unknown name is
refused with the known ones listed."""

import pytest

from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.align.detector_registry import make_detector


def test_blazeface_with_its_options():
    detector = make_detector("blazeface", min_confidence=0.7, min_face=30, threads=1)
    assert isinstance(detector, BlazeFaceDetector)
    assert detector.min_confidence == 0.7 and detector.min_face == 30.0
    assert make_detector("blazeface", min_face=None).min_face is None
    assert make_detector().min_confidence == 0.5  # MediaPipe's threshold by default


@pytest.mark.slow(reason="MTCNN builds its three networks, ~5 s")
def test_mtcnn_with_its_threshold():
    from crfiqa_tf.align.mtcnn_detector import MTCNNDetector

    detector = make_detector("mtcnn", min_confidence=0.95)
    assert isinstance(detector, MTCNNDetector) and detector.min_confidence == 0.95


def test_an_unknown_name_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="unknown face detector 'retina'; choose from blazeface, mtcnn"):
        make_detector("retina")
