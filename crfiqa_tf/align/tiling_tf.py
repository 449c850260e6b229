"""`crfiqa_tf.align.tiling`'s plan in TensorFlow ops, computed from the photo's size inside the graph, and the
candidates of its tiles: each level's tiles batched through the replayed BlazeFace. The numbers are that
module's; the two plans are tested equal."""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import tiling
from crfiqa_tf.align.blazeface_tf import BlazeFaceDetector
from crfiqa_tf.image_io_tf import resize_like_pillow

SIDE = tiling.INPUT_SIZE


def tile_starts(length):
    """`crfiqa_tf.align.tiling.tile_starts` in TF ops (int32 ``[n]``) for a side of `length` level pixels."""
    stride = SIDE - tiling.TILE_OVERLAP
    span = tf.cast(tf.maximum(length - SIDE, 0), tf.float64)
    count = tf.cast(tf.math.ceil(span / stride), tf.int32) + 1
    return tf.cast(tf.round(tf.linspace(tf.constant(0.0, tf.float64), span, count)), tf.int32)


def level_scales(height, width, min_face: float):
    """`crfiqa_tf.align.tiling.level_scales` in TF ops: ``[MAX_LEVELS]`` float64 scales, finest first, and how many
    of the first are levels of a ``height × width`` frame (int32)."""
    whole = SIDE / tf.cast(tf.maximum(height, width), tf.float64)
    first = min(tiling.DETECTABLE_EYE_PX / min_face, tiling.MAX_SCALE)
    scales = tf.constant([first / 2.0**i for i in range(tiling.MAX_LEVELS)], tf.float64)
    wanted = scales > whole * tiling.LEVEL_MARGIN
    return scales, tf.reduce_sum(tf.cast(wanted, tf.int32))  # the wanted levels are the first ones: scales fall


def level_size(height, width, scale):
    """`crfiqa_tf.align.tiling.level_size` in TF ops: a level's int32 sides, each rounded half to even, at least 1."""
    one = tf.constant(1.0, tf.float64)
    level_h = tf.cast(tf.maximum(one, tf.round(tf.cast(height, tf.float64) * scale)), tf.int32)
    level_w = tf.cast(tf.maximum(one, tf.round(tf.cast(width, tf.float64) * scale)), tf.int32)
    return level_h, level_w


def kept_in_tile(boxes, origins, level_h, level_w):
    """`crfiqa_tf.align.tiling.kept_in_tile` for every tile at once: boxes ``[tiles, n, 4]`` in tile pixels,
    origins ``[tiles, 2]`` → ``[tiles, n]``; the level's sides are one for all tiles, or one each (``[tiles, 1]``)."""
    # In float64, as NumPy compares: a float32 box 64.0000005 wide rounds to 64 when subtracted in float32.
    boxes = tf.cast(boxes, tf.float64)
    corner = tf.cast(origins, tf.float64)[:, None, :]
    x, y = corner[..., 0], corner[..., 1]
    edge_h, edge_w = tf.cast(level_h, tf.float64), tf.cast(level_w, tf.float64)
    cut = (
        ((boxes[..., 0] < 0) & (x > 0))
        | ((boxes[..., 1] < 0) & (y > 0))
        | ((boxes[..., 2] > SIDE) & (x + SIDE < edge_w))
        | ((boxes[..., 3] > SIDE) & (y + SIDE < edge_h))
        | (tf.maximum(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]) > tiling.TILE_OVERLAP)
    )
    return ~cut


def level_candidates(detector: BlazeFaceDetector, image, scale):
    """Candidates of one level's tiles that the tiles are there for, in source pixels."""
    shape = tf.shape(image)
    height, width = shape[0], shape[1]
    level_h, level_w = level_size(height, width, scale)
    resized = resize_like_pillow(image, level_h, level_w)
    padded = tf.pad(resized, [[0, tf.maximum(SIDE - level_h, 0)], [0, tf.maximum(SIDE - level_w, 0)], [0, 0]])
    ys, xs = tile_starts(level_h), tile_starts(level_w)
    origins = tf.reshape(tf.stack(tf.meshgrid(xs, ys), -1), [-1, 2])  # row-major: y outer, x inner
    tiles = tf.map_fn(
        lambda o: tf.slice(padded, [o[1], o[0], 0], [SIDE, SIDE, 3]),
        origins,
        fn_output_signature=tf.TensorSpec([SIDE, SIDE, 3], tf.float32),
    )
    raw_boxes, raw_scores = detector(tiles / 127.5 - 1.0)
    boxes, points, scores, keep = detector.decode_raw(raw_boxes, raw_scores)  # [tiles, anchors, ...]
    keep = keep & kept_in_tile(boxes, origins, level_h, level_w)
    corner = tf.cast(origins, tf.float32)[:, None, :]
    edge_h, edge_w = tf.cast(level_h, tf.float32), tf.cast(level_w, tf.float32)
    ratio = tf.stack([edge_w / tf.cast(width, tf.float32), edge_h / tf.cast(height, tf.float32)])
    boxes = (tf.reshape(boxes, [-1, tf.shape(boxes)[1], 2, 2]) + corner[:, :, None, :]) / ratio
    points = (points + corner[:, :, None, :]) / ratio
    boxes = tf.reshape(boxes, [-1, tf.shape(boxes)[1], 4])
    return detector.best(tf.boolean_mask(boxes, keep), tf.boolean_mask(points, keep), tf.boolean_mask(scores, keep))


def tile_candidates(detector: BlazeFaceDetector, image, min_face: float | None):
    """Candidates of every level of the plan for this photo (none when `min_face` is None), in source pixels. The
    levels run in one `tf.while_loop`, so the graph holds the detector once whatever the number of levels."""
    empty = (tf.zeros([0, 4]), tf.zeros([0, 6, 2]), tf.zeros([0]))
    if min_face is None:
        return empty
    scales, levels = level_scales(tf.shape(image)[0], tf.shape(image)[1], min_face)
    arrays = [tf.TensorArray(tf.float32, size=1, dynamic_size=True, infer_shape=False).write(0, part) for part in empty]

    def body(i, *arrays):
        found = level_candidates(detector, image, scales[i])
        return (i + 1, *(array.write(i + 1, part) for array, part in zip(arrays, found)))

    _, *arrays = tf.while_loop(lambda i, *_: i < levels, body, [0, *arrays])
    boxes, points, scores = (array.concat() for array in arrays)
    return tf.reshape(boxes, [-1, 4]), tf.reshape(points, [-1, 6, 2]), tf.reshape(scores, [-1])
