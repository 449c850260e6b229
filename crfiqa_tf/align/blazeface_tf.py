"""`crfiqa_tf.align.blazeface`'s detection in TensorFlow ops: letterbox to 192×192, BlazeFace full range (its
`.tflite` weights replayed by `crfiqa_tf.align.tflite_replay`), anchor decoding and MediaPipe's weighted
non-maximum suppression. Anchors, thresholds and sizes are that module's."""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import blazeface as bf
from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.align.tflite_replay import TFLiteGraph
from crfiqa_tf.image_io_tf import resize_like_pillow

MAX_CANDIDATES = 256  # detector candidates above the score threshold kept for suppression, best first


def iou(box, boxes):
    """`crfiqa_tf.align.blazeface`'s overlap of one box with each of `boxes` ``[n, 4]``."""
    x0, y0 = tf.maximum(box[0], boxes[:, 0]), tf.maximum(box[1], boxes[:, 1])
    x1, y1 = tf.minimum(box[2], boxes[:, 2]), tf.minimum(box[3], boxes[:, 3])
    inter = tf.maximum(x1 - x0, 0.0) * tf.maximum(y1 - y0, 0.0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / tf.maximum(area + areas - inter, 1e-12)


def weighted_nms(boxes, points, scores, threshold: float = bf.NMS_IOU):
    """`crfiqa_tf.align.blazeface.weighted_nms` in TF: (boxes ``[n, 4]``, keypoints ``[n, 6, 2]``, scores ``[n]``)
    of the faces kept, best first."""
    order = tf.argsort(-scores, stable=True)
    boxes, points, scores = tf.gather(boxes, order), tf.gather(points, order), tf.gather(scores, order)
    count = tf.shape(scores)[0]
    arrays = [tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=shape) for shape in ([4], [6, 2], [])]

    def body(i, remaining, kept, out_boxes, out_points, out_scores):
        def keep():
            group = tf.logical_and(remaining, iou(boxes[i], boxes) > threshold)
            group = tf.tensor_scatter_nd_update(group, [[i]], [True])
            weights = tf.where(group, scores, 0.0)
            weights = weights / tf.reduce_sum(weights)
            return (
                tf.logical_and(remaining, tf.logical_not(group)),
                kept + 1,
                out_boxes.write(kept, tf.reduce_sum(weights[:, None] * boxes, 0)),
                out_points.write(kept, tf.reduce_sum(weights[:, None, None] * points, 0)),
                out_scores.write(kept, scores[i]),
            )

        def skip():
            return remaining, kept, out_boxes, out_points, out_scores

        return (i + 1, *tf.cond(remaining[i], keep, skip))

    *_, out_boxes, out_points, out_scores = tf.while_loop(
        lambda i, *_: i < count, body, [0, tf.ones([count], tf.bool), 0, *arrays]
    )
    return (
        tf.reshape(out_boxes.stack(), [-1, 4]),
        tf.reshape(out_points.stack(), [-1, 6, 2]),
        tf.reshape(out_scores.stack(), [-1]),
    )


class BlazeFaceDetector:
    """`crfiqa_tf.align.blazeface.BlazeFaceDetector`'s candidates in TF ops (build once, call inside a
    `tf.function`).

    Args:
        min_confidence: BlazeFace's score threshold (the LiteRT path's default).
        floor: the lowest score a candidate is kept with (default `min_confidence`; lower where the candidates
            just below the threshold are looked at again, `crfiqa_tf.align.second_look`).
    """

    def __init__(self, min_confidence: float = bf.MIN_CONFIDENCE, floor: float | None = None):
        self.min_confidence = min_confidence
        self.floor = min_confidence if floor is None else floor
        self.model = TFLiteGraph(fm.data_file(bf.DETECTOR_FILE))
        self.anchors = tf.constant(bf.anchors(), tf.float32)

    def __call__(self, inputs):
        """The raw (boxes ``[n, 2304, 16]``, scores ``[n, 2304, 1]``) of a batch of 192×192 inputs in [−1, 1]."""
        return self.model(inputs)

    def letterbox(self, image):
        """The detector's input for one photo (``[192, 192, 3]`` in [−1, 1]) and the numbers that map its outputs
        back to source pixels (offset x, y; ratio x, y)."""
        shape = tf.shape(image)
        height, width = tf.cast(shape[0], tf.float64), tf.cast(shape[1], tf.float64)
        scale = bf.INPUT_SIZE / tf.maximum(height, width)
        one = tf.constant(1.0, tf.float64)
        resized_w, resized_h = tf.maximum(one, tf.round(width * scale)), tf.maximum(one, tf.round(height * scale))
        offset_x = tf.math.floordiv(bf.INPUT_SIZE - resized_w, 2.0)
        offset_y = tf.math.floordiv(bf.INPUT_SIZE - resized_h, 2.0)
        resized = resize_like_pillow(image, tf.cast(resized_h, tf.int32), tf.cast(resized_w, tf.int32))
        ox, oy = tf.cast(offset_x, tf.int32), tf.cast(offset_y, tf.int32)
        padding = [
            [oy, bf.INPUT_SIZE - tf.cast(resized_h, tf.int32) - oy],
            [ox, bf.INPUT_SIZE - tf.cast(resized_w, tf.int32) - ox],
            [0, 0],
        ]
        canvas = tf.reshape(tf.pad(resized, padding), [bf.INPUT_SIZE, bf.INPUT_SIZE, 3]) / 127.5 - 1.0
        frame = tf.cast(tf.stack([offset_x, offset_y, resized_w / width, resized_h / height]), tf.float32)
        return canvas, frame

    def decode_raw(self, raw_boxes, raw_scores):
        """Raw detector outputs ``[..., 2304, 16]``, ``[..., 2304(, 1)]`` → every anchor's box ``[..., 4]`` and
        keypoints ``[..., 6, 2]`` in input pixels, its score, and whether the score reaches the floor."""
        raw = tf.reshape(raw_boxes, tf.concat([tf.shape(raw_boxes)[:-1], [8, 2]], 0)) / bf.INPUT_SIZE
        scores = tf.sigmoid(tf.clip_by_value(tf.reshape(raw_scores, tf.shape(raw_boxes)[:-1]), -80.0, 80.0))
        centre, extent = raw[..., 0, :] + self.anchors, raw[..., 1, :]
        points = (raw[..., 2:, :] + self.anchors[:, None, :]) * bf.INPUT_SIZE
        boxes = tf.concat([centre - extent / 2, centre + extent / 2], axis=-1) * bf.INPUT_SIZE
        return boxes, points, scores, scores >= self.floor

    @staticmethod
    def best(boxes, points, scores):
        """The `MAX_CANDIDATES` best-scored candidates (all of them when fewer)."""
        top = tf.math.top_k(scores, tf.minimum(tf.shape(scores)[0], MAX_CANDIDATES), sorted=False).indices
        return tf.gather(boxes, top), tf.gather(points, top), tf.gather(scores, top)

    def decode_detections(self, raw_boxes, raw_scores, frame):
        """The detector's raw outputs for one photo → candidate boxes, keypoints and scores in source pixels."""
        boxes, points, scores, keep = self.decode_raw(raw_boxes, raw_scores)
        boxes, points, scores = self.best(*(tf.boolean_mask(t, keep) for t in (boxes, points, scores)))
        offset, ratio = frame[:2], frame[2:]
        boxes = (tf.reshape(boxes, [-1, 2, 2]) - offset) / ratio
        return tf.reshape(boxes, [-1, 4]), (points - offset) / ratio, scores

    def frame_candidates(self, image):
        """The whole frame's candidates (letterboxed), in source pixels."""
        canvas, frame = self.letterbox(image)
        raw_boxes, raw_scores = self.model(canvas[None])
        return self.decode_detections(raw_boxes[0], raw_scores[0], frame)
