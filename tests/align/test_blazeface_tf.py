"""crfiqa_tf.align.blazeface_tf: the letterbox, the decoded candidates and the weighted suppression in TF ops equal
`crfiqa_tf.align.blazeface`'s, on real photos and on boxes built by hand."""

import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.align import blazeface, blazeface_tf
from crfiqa_tf.align.blazeface_tf import weighted_nms
from crfiqa_tf.data.sample_photos import photo


def test_weighted_suppression_equals_numpys_on_overlapping_groups():
    rng = np.random.default_rng(3)
    centres = np.repeat(rng.uniform(50, 400, (4, 2)), 5, axis=0) + rng.normal(0, 6, (20, 2))
    boxes = np.concatenate([centres - 30, centres + 30], 1).astype(np.float32)
    points = (centres[:, None, :] + rng.normal(0, 3, (20, 6, 2))).astype(np.float32)
    scores = rng.uniform(0.5, 1.0, 20).astype(np.float32)
    scores[3] = scores[7]  # a tie: both keep the input order
    theirs = blazeface.weighted_nms(boxes, points, scores)
    ours = [t.numpy() for t in weighted_nms(tf.constant(boxes), tf.constant(points), tf.constant(scores))]
    assert len(ours[2]) == len(theirs) < 20
    for k, (box, keypoints, score) in enumerate(theirs):
        np.testing.assert_allclose(ours[0][k], box, atol=1e-3)
        np.testing.assert_allclose(ours[1][k], keypoints, atol=1e-3)
        assert ours[2][k] == pytest.approx(score)


def test_no_candidates_give_no_faces():
    out = weighted_nms(tf.zeros([0, 4]), tf.zeros([0, 6, 2]), tf.zeros([0]))
    assert [t.shape[0] for t in out] == [0, 0, 0]


@pytest.fixture(scope="module")
def graph():
    return blazeface_tf.BlazeFaceDetector()


def test_the_whole_frame_candidates_equal_litert_on_real_photos(graph):
    litert = blazeface.BlazeFaceDetector(threads=1, min_face=None)
    candidates = tf.function(graph.frame_candidates)
    for name in ("group_of_six", "astronaut", "cat"):
        image = photo(name)
        theirs = blazeface.weighted_nms(*litert._frame_candidates(image, litert.min_confidence))
        ours = weighted_nms(*candidates(tf.constant(image)))
        assert len(ours[2]) == len(theirs), name
        for k, (box, _, score) in enumerate(theirs):
            np.testing.assert_allclose(ours[0][k].numpy(), box, atol=1.0, err_msg=name)
            assert float(ours[2][k]) == pytest.approx(score, abs=0.01), name
    assert len(theirs) == 0  # the cat: no face in either


def test_the_threshold_is_the_one_given(graph):
    strict = blazeface_tf.BlazeFaceDetector(min_confidence=0.999)
    image = tf.constant(photo("group_of_six"))
    assert len(strict.frame_candidates(image)[2]) < len(graph.frame_candidates(image)[2])
