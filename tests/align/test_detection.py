"""crfiqa_tf.align.detection: a detection's area (a degenerate box is empty, not negative) and the names the
detector option offers."""

import numpy as np

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, DETECTORS, FACE_POLICIES, Detection


def test_area_of_a_box_and_of_a_degenerate_one():
    points = np.zeros((5, 2))
    assert Detection((10.0, 20.0, 40.0, 60.0), 0.9, points).area == 1200.0
    assert Detection((40.0, 20.0, 10.0, 60.0), 0.9, points).area == 0.0  # x1 < x0
    assert Detection((10.0, 60.0, 40.0, 20.0), 0.9, points).area == 0.0  # y1 < y0
    assert Detection((10.0, 20.0, 40.0, 60.0), 0.9, points).mesh is None


def test_the_default_detector_is_one_of_the_names():
    assert DEFAULT_DETECTOR in DETECTORS and set(DETECTORS) == {"blazeface", "mtcnn"}
    assert FACE_POLICIES == ("largest", "all")
