"""crfiqa_tf.align.tiling_tf: the plan and the tile filter in TF ops equal `crfiqa_tf.align.tiling`'s, and the
tiles' candidates in TF ops equal the LiteRT detector's on a composite with a small face."""

import numpy as np
import tensorflow as tf
from support.helpers import assert_same_candidates

from crfiqa_tf.align import blazeface_tf, tiling
from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.align.tiling_tf import kept_in_tile, tile_candidates, tile_starts
from crfiqa_tf.data.composites import paste


def test_the_tf_plan_equals_the_numpy_plan():
    for length in (1, 150, 192, 193, 256, 320, 384, 1200, 1600, 4001):
        assert tile_starts(tf.constant(length)).numpy().tolist() == tiling.tile_starts(length).tolist(), length


def test_the_tile_filter_equals_the_numpy_one_for_every_tile_of_a_level():
    rng = np.random.default_rng(0)
    corners = rng.uniform(-40, 200, (30, 2))
    boxes = np.concatenate([corners, corners + rng.uniform(5, 110, (30, 2))], 1)
    level_h, level_w = 300, 520
    origins = np.stack(np.meshgrid(tiling.tile_starts(level_w), tiling.tile_starts(level_h)), -1).reshape(-1, 2)
    every_tile = tf.constant(np.broadcast_to(boxes, (len(origins), 30, 4)), tf.float32)
    ours = kept_in_tile(every_tile, origins, level_h, level_w)
    expected = np.stack([tiling.kept_in_tile(boxes, origin, level_h, level_w) for origin in origins])
    assert ours.numpy().tolist() == expected.tolist()
    assert expected.any() and not expected.all()  # both outcomes occur


def test_tile_candidates_equal_the_litert_tiles_on_a_small_face_in_a_large_frame():
    composite = paste((1280, 960), [("grace_hopper", 22.0, (0.3, 0.6))])
    litert = BlazeFaceDetector(threads=1)
    expected = litert._tile_candidates(composite.image, litert.min_confidence)
    boxes, points, scores = (np.concatenate([part[i] for part in expected]) for i in range(3))
    graph = blazeface_tf.BlazeFaceDetector()
    ours = tf.function(lambda image: tile_candidates(graph, image, tiling.DEFAULT_MIN_FACE))(
        tf.constant(composite.image)
    )
    assert_same_candidates(ours, (boxes, points, scores))
    assert tile_candidates(graph, tf.constant(composite.image), None)[2].shape == (0,)  # no min_face: no tiles
