"""`crfiqa_tf.align.second_look` in TensorFlow ops: the hints chosen, their windows cut and batched through the
replayed BlazeFace, their candidates kept and mapped to source pixels. The numbers are that module's; the two are
tested equal."""

from __future__ import annotations

import math

import tensorflow as tf

from crfiqa_tf.align import second_look, tiling
from crfiqa_tf.align.blazeface_tf import BlazeFaceDetector, iou
from crfiqa_tf.align.tiling_tf import kept_in_tile
from crfiqa_tf.image_io_tf import resize_like_pillow

SIDE = tiling.INPUT_SIZE


def hints(boxes, scores, seen):
    """`crfiqa_tf.align.second_look.hints`: int32 indices into `boxes` ``[n, 4]``, best score first."""
    order = tf.argsort(-scores, stable=True)
    count = tf.shape(scores)[0]
    seen = tf.reshape(tf.cast(seen, tf.float32), [-1, 4])

    def body(i, kept, indices):
        box = boxes[order[i]]
        chosen = tf.gather(boxes, indices[:kept])
        clash = tf.reduce_any(iou(box, seen) > second_look.HINT_IOU) | tf.reduce_any(
            iou(box, chosen) > second_look.HINT_IOU
        )
        return tf.cond(
            clash,
            lambda: (i + 1, kept, indices),
            lambda: (i + 1, kept + 1, tf.tensor_scatter_nd_update(indices, [[kept]], [order[i]])),
        )

    _, kept, indices = tf.while_loop(
        lambda i, kept, _: (i < count) & (kept < second_look.MAX_LOOKS),
        body,
        [0, 0, tf.zeros([second_look.MAX_LOOKS], tf.int32)],
    )
    return indices[:kept]


def window(box):
    """`crfiqa_tf.align.second_look.window` of one box: int32 ``[3]`` (left, top, side)."""
    box = tf.cast(box, tf.float64)
    longer = tf.maximum(tf.maximum(box[2] - box[0], box[3] - box[1]), 1e-6)
    steps = tf.maximum(tf.math.ceil(2.0 * tf.math.log(longer / second_look.LOOK_BOX) / math.log(2.0)), 0.0)
    side = tf.round(SIDE * tf.pow(tf.constant(2.0, tf.float64), steps / 2.0))
    pitch = second_look.GRID * side / SIDE
    cells = tf.round((tf.stack([box[0] + box[2], box[1] + box[3]]) / 2.0 - side / 2.0) / pitch)
    side = tf.cast(side, tf.int64)
    corner = tf.math.floordiv(tf.cast(cells, tf.int64) * second_look.GRID * side, SIDE)
    return tf.cast(tf.concat([corner, [side]], 0), tf.int32)


def window_pixels(image, corner):
    """The detector's input ``[192, 192, 3]`` in [−1, 1] for one window (left, top, side): the photo's pixels it
    covers, black past the photo's edges, resized as Pillow does."""
    left, top, side = corner[0], corner[1], corner[2]
    shape = tf.shape(image)
    x0, y0 = tf.maximum(left, 0), tf.maximum(top, 0)
    x1, y1 = tf.minimum(left + side, shape[1]), tf.minimum(top + side, shape[0])
    inside = tf.slice(image, [y0, x0, 0], [tf.maximum(y1 - y0, 0), tf.maximum(x1 - x0, 0), 3])
    pixels = tf.pad(
        inside, [[y0 - top, side - tf.maximum(y1, y0) + top], [x0 - left, side - tf.maximum(x1, x0) + left], [0, 0]]
    )
    pixels = tf.reshape(pixels, [side, side, 3])
    return tf.reshape(resize_like_pillow(pixels, SIDE, SIDE), [SIDE, SIDE, 3]) / 127.5 - 1.0


def look_again(detector: BlazeFaceDetector, image, boxes, scores, seen):
    """Candidates above the detector's threshold of the windows of the hints among `boxes`/`scores` (the
    candidates below the threshold), in source pixels."""
    chosen = tf.gather(boxes, hints(boxes, scores, seen))
    corners = tf.map_fn(window, chosen, fn_output_signature=tf.TensorSpec([3], tf.int32))
    inputs = tf.map_fn(
        lambda corner: window_pixels(image, corner), corners, fn_output_signature=tf.TensorSpec([SIDE, SIDE, 3])
    )
    anchors = detector.anchors.shape[0]
    raw_boxes, raw_scores = tf.cond(
        tf.shape(corners)[0] > 0,
        lambda: tuple(detector(inputs)),
        lambda: (tf.zeros([0, anchors, 16]), tf.zeros([0, anchors, 1])),
    )
    found, points, found_scores, _ = detector.decode_raw(raw_boxes, raw_scores)  # [windows, anchors, ...]
    ratio = SIDE / tf.cast(corners[:, 2], tf.float32)  # [windows]
    corner = tf.cast(corners[:, :2], tf.float32) * ratio[:, None]  # window origin in its level's pixels

    keep = found_scores >= detector.min_confidence
    # the window as a tile of the photo at its scale, in float64 as `second_look.kept_in_window` computes it
    ratio64 = SIDE / tf.cast(corners[:, 2], tf.float64)
    level_h, level_w = (tf.cast(tf.shape(image)[i], tf.float64) * ratio64[:, None] for i in (0, 1))
    keep = keep & kept_in_tile(found, tf.cast(corners[:, :2], tf.float64) * ratio64[:, None], level_h, level_w)
    found = (tf.reshape(found, [-1, anchors, 2, 2]) + corner[:, None, None, :]) / ratio[:, None, None, None]
    points = (points + corner[:, None, None, :]) / ratio[:, None, None, None]
    found = tf.reshape(found, [-1, anchors, 4])
    return detector.best(
        tf.boolean_mask(found, keep), tf.boolean_mask(points, keep), tf.boolean_mask(found_scores, keep)
    )
