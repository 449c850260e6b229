"""crfiqa_tf.align.second_look_tf: the hints, windows and window inputs in TF ops equal
`crfiqa_tf.align.second_look`'s, and the second looks' candidates equal the LiteRT detector's on a composite of
the packaged photos where a face is found only by them."""

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from support.helpers import assert_same_candidates

from crfiqa_tf.align import blazeface_tf, second_look
from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.align.second_look_tf import hints, look_again, window, window_pixels
from crfiqa_tf.data.composites import GROUP, paste


def random_boxes(rng, count):
    corners = rng.uniform(0, 300, (count, 2))
    return np.concatenate([corners, corners + rng.uniform(8, 200, (count, 2))], 1).astype(np.float32)


@pytest.mark.parametrize("seed", range(6))
def test_hints_equal_numpys(seed):
    rng = np.random.default_rng(seed)
    boxes, seen = random_boxes(rng, int(rng.integers(0, 30))), random_boxes(rng, int(rng.integers(0, 4)))
    scores = rng.uniform(0.15, 0.5, len(boxes)).astype(np.float32)
    ours = hints(tf.constant(boxes.reshape(-1, 4)), tf.constant(scores), tf.constant(seen.reshape(-1, 4)))
    assert ours.numpy().tolist() == second_look.hints(boxes, scores, seen).tolist()


def test_windows_equal_numpys_eagerly_and_in_a_graph():
    rng = np.random.default_rng(7)
    special = [
        [73.3, 73.3, 153.3, 153.3],  # a corner floored below zero
        [0, 0, 64, 64],  # the largest box seen at source resolution
        [0, 0, 64.5, 64],  # one step of √2 up
        [496.5, 373.4, 573.4, 450.3],  # a corner on a whole number (18 × 22.67 = 408), which a graph once made 407
    ]
    boxes = np.concatenate([random_boxes(rng, 40), np.array(special, np.float32)])
    in_graph = tf.function(window, input_signature=[tf.TensorSpec([4], tf.float32)])
    for box in boxes:
        expected = second_look.window(box)
        assert tuple(window(tf.constant(box)).numpy().tolist()) == expected, box
        assert tuple(in_graph(tf.constant(box)).numpy().tolist()) == expected, box


@pytest.mark.parametrize("corner", [(-40, 300, 192), (100, 50, 192), (350, -20, 500), (-10, -10, 700)])
def test_window_inputs_equal_pillows(corner):
    from crfiqa_tf.data.sample_photos import photo

    image = photo("astronaut")
    pixels = second_look.window_pixels(image, *corner)
    expected = np.asarray(Image.fromarray(pixels).resize((192, 192), Image.BILINEAR), np.float32) / 127.5 - 1.0
    ours = window_pixels(tf.constant(image), tf.constant(corner)).numpy()
    difference = np.abs(ours - expected) * 127.5
    if corner[2] == 192:
        assert difference.max() < 1e-3  # no resize: the same pixels
    else:
        assert difference.mean() < 0.05 and difference.max() <= 1.01  # Pillow's rounding, within a level


def test_second_looks_equal_the_litert_ones_on_a_group_face_only_they_find():
    composite = paste((640, 480), [(GROUP, 20, (0.619, 0.603))])  # as tests/align/test_second_look.py
    litert = BlazeFaceDetector(threads=1)
    floor = second_look.HINT_SCORE
    parts = [litert._frame_candidates(composite.image, floor)] + litert._tile_candidates(composite.image, floor)
    boxes, _, scores = (np.concatenate([part[i] for part in parts]) for i in range(3))
    above = scores >= litert.min_confidence
    chosen = second_look.hints(boxes[~above], scores[~above], boxes[above])
    assert len(chosen) >= 1
    expected = [litert._window_candidates(composite.image, *second_look.window(boxes[~above][i])) for i in chosen]

    graph = blazeface_tf.BlazeFaceDetector()
    ours = look_again(
        graph,
        tf.constant(composite.image),
        tf.constant(boxes[~above]),
        tf.constant(scores[~above]),
        tf.constant(boxes[above]),
    )
    assert_same_candidates(ours, (np.concatenate([part[i] for part in expected]) for i in range(3)))


def test_no_hint_no_look():
    graph = blazeface_tf.BlazeFaceDetector()
    image = tf.zeros([480, 640, 3], tf.uint8)
    boxes, points, scores = look_again(graph, image, tf.zeros([0, 4]), tf.zeros([0]), tf.zeros([0, 4]))
    assert boxes.shape == (0, 4) and points.shape == (0, 6, 2) and scores.shape == (0,)
