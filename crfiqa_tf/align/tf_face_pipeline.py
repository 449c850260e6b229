"""The face pipeline of `crfiqa_tf.align.blazeface` + `crfiqa_tf.align.similarity`, written again in TensorFlow ops
for the SavedModel's ``score_photos`` signature: encoded photo in, every face's box, five points, detection score
and aligned 112×112 crop out, with no Python at serving time.

Step for step the LiteRT path: letterbox to 192×192, BlazeFace full range (its `.tflite` weights replayed by
`crfiqa_tf.align.tflite_replay`), anchor decoding, MediaPipe's weighted non-maximum suppression, the rotated 1.5×
square around each face for Face Mesh (replayed the same way), the five points off the mesh, the retry with an
edge margin when nothing is found, faces ordered largest first, then the Umeyama similarity onto the ArcFace
template and the warp. The tiles of `crfiqa_tf.align.tiling`'s plan (computed here in graph ops from the photo's
size) go through the replayed detector as one batch per level. Every constant (anchors, thresholds, tiling, mesh
indices, template) is imported from the modules the LiteRT path uses; decoding and resampling reproduce Pillow's
(JPEG's accurate integer DCT, two rounded resize passes, pixel centres at +0.5 and truncation in the warps) so that
both paths cut the same crops. Tested equal to
the LiteRT path on the sample photos (tests/test_tf_face_pipeline.py).
"""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import blazeface as bf
from crfiqa_tf.align import face_mesh as fm
from crfiqa_tf.align import tiling
from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE
from crfiqa_tf.align.tflite_replay import TFLiteGraph
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS, JPEG_MAGIC, PNG_MAGIC

MAX_CANDIDATES = 256  # detector candidates above the score threshold kept for suppression, best first


def sampling_source(image):
    """The photo as `affine_crop` samples it: float32, with a one-pixel border repeating the edge pixels (Pillow
    clamps a sample's neighbours to the image, TensorFlow's kernel would read the zero fill there)."""
    return tf.pad(tf.cast(image, tf.float32), [[1, 1], [1, 1], [0, 0]], mode="SYMMETRIC")


def affine_crop(source, matrix, size: int):
    """Pillow's ``Image.transform((size, size), AFFINE, matrix, BILINEAR)`` of the photo behind `source`
    (`sampling_source`): output pixel (u, v) ← input point ``matrix · (u + 0.5, v + 0.5, 1)`` (`matrix` ``[6]``),
    0 where that point lies outside the photo, truncated to an integer as Pillow does. TensorFlow's
    projective-transform kernel samples at integer pixel centres, so the half-pixel offsets (and the border's one
    pixel) move into the translation; float32 coordinates leave differences of at most one level."""
    m = tf.cast(matrix, tf.float32)
    shift_x, shift_y = 0.5 * (m[0] + m[1]) + m[2] + 0.5, 0.5 * (m[3] + m[4]) + m[5] + 0.5  # −0.5 centre, +1 border
    transform = tf.stack([m[0], m[1], shift_x, m[3], m[4], shift_y, 0.0, 0.0])
    out = tf.raw_ops.ImageProjectiveTransformV3(
        images=source[None],
        transforms=transform[None],
        output_shape=[size, size],
        fill_value=0.0,
        interpolation="BILINEAR",
        fill_mode="CONSTANT",
    )[0]
    grid = tf.range(size, dtype=tf.float64) + 0.5  # where each output pixel samples, in float64 as Pillow
    u, v = tf.meshgrid(grid, grid)
    d = tf.cast(matrix, tf.float64)
    x, y = d[0] * u + d[1] * v + d[2], d[3] * u + d[4] * v + d[5]
    height, width = tf.cast(tf.shape(source)[0] - 2, tf.float64), tf.cast(tf.shape(source)[1] - 2, tf.float64)
    inside = (x >= 0) & (y >= 0) & (x < width) & (y < height)
    return tf.cast(tf.clip_by_value(tf.floor(tf.where(inside[..., None], out, 0.0)), 0, 255), tf.uint8)


def resize_like_pillow(image, height, width):
    """Pillow's ``resize((width, height), BILINEAR)`` of a uint8 image, as float32: a triangle filter widened when
    shrinking (``antialias``), applied as Pillow does, horizontally then vertically, rounding to 8 bits after each
    pass (measured on the sample photos: 0.005 levels mean difference, against 0.11 for one float pass)."""
    rounded = lambda x: tf.clip_by_value(tf.floor(x + 0.5), 0.0, 255.0)  # noqa: E731
    across = rounded(tf.image.resize(image, tf.stack([tf.shape(image)[0], width]), "bilinear", antialias=True))
    return rounded(tf.image.resize(across, tf.stack([height, width]), "bilinear", antialias=True))


def umeyama(source, target):
    """`crfiqa_tf.align.similarity.umeyama` in TF (float64): the 2×3 least-squares similarity source → target."""
    mu_s, mu_t = tf.reduce_mean(source, 0), tf.reduce_mean(target, 0)
    s, t = source - mu_s, target - mu_t
    n = tf.cast(tf.shape(source)[0], tf.float64)
    covariance = tf.matmul(t, s, transpose_a=True) / n
    d, u, v = tf.linalg.svd(covariance)
    flip = tf.linalg.det(u) * tf.linalg.det(v) < 0
    sign = tf.where(flip, tf.constant([1.0, -1.0], tf.float64), tf.constant([1.0, 1.0], tf.float64))
    rotation = tf.matmul(u * sign, v, transpose_b=True)
    scale = tf.reduce_sum(d * sign) / tf.reduce_sum(tf.math.reduce_variance(s, axis=0))
    translation = mu_t - scale * tf.linalg.matvec(rotation, mu_s)
    return tf.concat([scale * rotation, translation[:, None]], axis=1)


def warp_face(source, landmarks, size: int = 112):
    """`crfiqa_tf.align.similarity.warp_face` in TF (the photo as `sampling_source`): the aligned uint8 crop."""
    template = tf.constant(ARCFACE_TEMPLATE * (size / 112.0), tf.float64)
    matrix = umeyama(tf.cast(landmarks, tf.float64), template)
    inverse = tf.linalg.inv(tf.concat([matrix, tf.constant([[0.0, 0.0, 1.0]], tf.float64)], 0))[:2]
    return affine_crop(source, tf.reshape(inverse, [6]), size)


def _iou(box, boxes):
    x0, y0 = tf.maximum(box[0], boxes[:, 0]), tf.maximum(box[1], boxes[:, 1])
    x1, y1 = tf.minimum(box[2], boxes[:, 2]), tf.minimum(box[3], boxes[:, 3])
    inter = tf.maximum(x1 - x0, 0.0) * tf.maximum(y1 - y0, 0.0)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / tf.maximum(area + areas - inter, 1e-12)


def weighted_nms(boxes, points, scores, iou: float = bf.NMS_IOU):
    """`crfiqa_tf.align.blazeface.weighted_nms` in TF: (boxes ``[n, 4]``, keypoints ``[n, 6, 2]``, scores ``[n]``)
    of the faces kept, best first."""
    order = tf.argsort(-scores, stable=True)
    boxes, points, scores = tf.gather(boxes, order), tf.gather(points, order), tf.gather(scores, order)
    count = tf.shape(scores)[0]
    arrays = [tf.TensorArray(tf.float32, size=0, dynamic_size=True, element_shape=shape) for shape in ([4], [6, 2], [])]

    def body(i, remaining, kept, out_boxes, out_points, out_scores):
        def keep():
            group = tf.logical_and(remaining, _iou(boxes[i], boxes) > iou)
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


class FacePipeline:
    """Photos → faces, in TF ops (build once, call inside a `tf.function`).

    Args:
        max_faces: faces returned per photo (the largest); `faces_found` counts them all.
        size: side of the aligned crops.
        min_confidence: BlazeFace's score threshold (the LiteRT path's default).
        max_pixels: photos with more pixels are refused with INVALID_ARGUMENT before decoding.
        min_face: the smallest face looked for, pixels between the eyes (`crfiqa_tf.align.tiling`; None: the
            whole frame only).
    """

    def __init__(
        self,
        max_faces: int = 16,
        size: int = 112,
        min_confidence: float = bf.MIN_CONFIDENCE,
        max_pixels: int = DEFAULT_MAX_PIXELS,
        min_face: float | None = tiling.DEFAULT_MIN_FACE,
    ):
        self.max_faces, self.size, self.min_confidence, self.max_pixels = max_faces, size, min_confidence, max_pixels
        self.min_face = tiling.check_min_face(min_face)
        self.detector = TFLiteGraph(fm.data_file(bf.DETECTOR_FILE))
        self.mesh_model = TFLiteGraph(fm.data_file(bf.LANDMARK_FILE))
        self.anchors = tf.constant(bf.anchors(), tf.float32)

    def decode(self, data, name: str):
        return decode_photo(data, name, self.max_pixels)

    # -- detection --------------------------------------------------------------------------------------------

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

    def _decode_raw(self, raw_boxes, raw_scores):
        """Raw detector outputs ``[..., 2304, 16]``, ``[..., 2304(, 1)]`` → every anchor's box ``[..., 4]`` and
        keypoints ``[..., 6, 2]`` in input pixels, its score, and whether the score passes the threshold."""
        raw = tf.reshape(raw_boxes, tf.concat([tf.shape(raw_boxes)[:-1], [8, 2]], 0)) / bf.INPUT_SIZE
        scores = tf.sigmoid(tf.clip_by_value(tf.reshape(raw_scores, tf.shape(raw_boxes)[:-1]), -80.0, 80.0))
        centre, extent = raw[..., 0, :] + self.anchors, raw[..., 1, :]
        points = (raw[..., 2:, :] + self.anchors[:, None, :]) * bf.INPUT_SIZE
        boxes = tf.concat([centre - extent / 2, centre + extent / 2], axis=-1) * bf.INPUT_SIZE
        return boxes, points, scores, scores >= self.min_confidence

    @staticmethod
    def _best(boxes, points, scores):
        top = tf.math.top_k(scores, tf.minimum(tf.shape(scores)[0], MAX_CANDIDATES), sorted=False).indices
        return tf.gather(boxes, top), tf.gather(points, top), tf.gather(scores, top)

    def decode_detections(self, raw_boxes, raw_scores, frame):
        """The detector's raw outputs for one photo → candidate boxes, keypoints and scores in source pixels."""
        boxes, points, scores, keep = self._decode_raw(raw_boxes, raw_scores)
        boxes, points, scores = self._best(*(tf.boolean_mask(t, keep) for t in (boxes, points, scores)))
        offset, ratio = frame[:2], frame[2:]
        boxes = (tf.reshape(boxes, [-1, 2, 2]) - offset) / ratio
        return tf.reshape(boxes, [-1, 4]), (points - offset) / ratio, scores

    def _level_candidates(self, image, scale):
        """Candidates of one level's tiles (`crfiqa_tf.align.tiling.plan`) that the tiles are there for."""
        shape = tf.shape(image)
        height, width = tf.cast(shape[0], tf.float64), tf.cast(shape[1], tf.float64)
        one = tf.constant(1.0, tf.float64)
        level_h = tf.cast(tf.maximum(one, tf.round(height * scale)), tf.int32)
        level_w = tf.cast(tf.maximum(one, tf.round(width * scale)), tf.int32)
        resized = resize_like_pillow(image, level_h, level_w)
        side = bf.INPUT_SIZE
        padded = tf.pad(resized, [[0, tf.maximum(side - level_h, 0)], [0, tf.maximum(side - level_w, 0)], [0, 0]])
        ys, xs = tile_starts(level_h), tile_starts(level_w)
        origins = tf.reshape(tf.stack(tf.meshgrid(xs, ys), -1), [-1, 2])  # row-major: y outer, x inner
        tiles = tf.map_fn(
            lambda o: tf.slice(padded, [o[1], o[0], 0], [side, side, 3]),
            origins,
            fn_output_signature=tf.TensorSpec([side, side, 3], tf.float32),
        )
        raw_boxes, raw_scores = self.detector(tiles / 127.5 - 1.0)
        boxes, points, scores, keep = self._decode_raw(raw_boxes, raw_scores)  # [tiles, anchors, ...]
        corner = tf.cast(origins, tf.float32)[:, None, :]
        x, y = corner[..., 0], corner[..., 1]
        edge_h, edge_w = tf.cast(level_h, tf.float32), tf.cast(level_w, tf.float32)
        cut = (
            ((boxes[..., 0] < 0) & (x > 0))
            | ((boxes[..., 1] < 0) & (y > 0))
            | ((boxes[..., 2] > side) & (x + side < edge_w))
            | ((boxes[..., 3] > side) & (y + side < edge_h))
            | (tf.maximum(boxes[..., 2] - boxes[..., 0], boxes[..., 3] - boxes[..., 1]) > tiling.TILE_OVERLAP)
        )
        keep = keep & ~cut
        ratio = tf.stack([edge_w / tf.cast(width, tf.float32), edge_h / tf.cast(height, tf.float32)])
        boxes = (tf.reshape(boxes, [-1, tf.shape(boxes)[1], 2, 2]) + corner[:, :, None, :]) / ratio
        points = (points + corner[:, :, None, :]) / ratio
        boxes = tf.reshape(boxes, [-1, tf.shape(boxes)[1], 4])
        return self._best(tf.boolean_mask(boxes, keep), tf.boolean_mask(points, keep), tf.boolean_mask(scores, keep))

    def tile_candidates(self, image):
        """Candidates of every level of the plan for this photo (none when `min_face` is None), in source
        pixels: each level's tiles batched through the detector. The levels run in one `tf.while_loop`, so the
        graph holds the detector once whatever the number of levels."""
        empty = (tf.zeros([0, 4]), tf.zeros([0, 6, 2]), tf.zeros([0]))
        if self.min_face is None:
            return empty
        shape = tf.shape(image)
        whole = bf.INPUT_SIZE / tf.cast(tf.maximum(shape[0], shape[1]), tf.float64)
        first = min(tiling.DETECTABLE_EYE_PX / self.min_face, tiling.MAX_SCALE)
        scales = tf.constant([first / 2.0**i for i in range(tiling.MAX_LEVELS)], tf.float64)
        wanted = tf.logical_and(first > whole * tiling.FINEST_MARGIN, scales > whole * tiling.LEVEL_MARGIN)
        wanted = tf.tensor_scatter_nd_update(wanted, [[0]], [first > whole * tiling.FINEST_MARGIN])
        levels = tf.reduce_sum(tf.cast(wanted, tf.int32))  # the wanted levels are the first ones: scales fall
        arrays = [
            tf.TensorArray(tf.float32, size=1, dynamic_size=True, infer_shape=False).write(0, part) for part in empty
        ]

        def body(i, *arrays):
            found = self._level_candidates(image, scales[i])
            return (i + 1, *(array.write(i + 1, part) for array, part in zip(arrays, found)))

        _, *arrays = tf.while_loop(lambda i, *_: i < levels, body, [0, *arrays])
        boxes, points, scores = (array.concat() for array in arrays)
        return tf.reshape(boxes, [-1, 4]), tf.reshape(points, [-1, 6, 2]), tf.reshape(scores, [-1])

    def _candidates(self, image):
        canvas, frame = self.letterbox(image)
        raw_boxes, raw_scores = self.detector(canvas[None])
        return self.decode_detections(raw_boxes[0], raw_scores[0], frame)

    def _mesh_matrices(self, boxes, eyes):
        """Per face the 6 affine numbers of the rotated ROI_SCALE square (crop pixel → source point), and the
        step (source pixels per crop pixel)."""
        boxes, eyes = tf.cast(boxes, tf.float64), tf.cast(eyes, tf.float64)
        centre = (boxes[:, :2] + boxes[:, 2:]) / 2
        side = bf.ROI_SCALE * tf.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1])
        angle = tf.atan2(eyes[:, 1, 1] - eyes[:, 0, 1], eyes[:, 1, 0] - eyes[:, 0, 0])
        step = side / bf.INPUT_SIZE
        a, b = step * tf.cos(angle), -step * tf.sin(angle)
        d, e = step * tf.sin(angle), step * tf.cos(angle)
        half = bf.INPUT_SIZE / 2
        matrices = tf.stack([a, b, centre[:, 0] - half * (a + b), d, e, centre[:, 1] - half * (d + e)], axis=1)
        return matrices, step

    def _detect(self, image, candidates=None, tiles: bool = True):
        """(boxes, five points, scores, meshes) of the faces the mesh model confirms, in suppression order, from
        the detector's whole-frame `candidates` (computed here when not given) and, with `tiles`, its tiles'."""
        frame = self._candidates(image) if candidates is None else candidates
        if tiles:
            frame = tuple(tf.concat(pair, 0) for pair in zip(frame, self.tile_candidates(image)))
        boxes, points, scores = weighted_nms(*frame)
        matrices, step = self._mesh_matrices(boxes, points[:, :2])
        pixels = sampling_source(image)
        crops = tf.map_fn(
            lambda m: affine_crop(pixels, m, bf.INPUT_SIZE),
            matrices,
            fn_output_signature=tf.TensorSpec([bf.INPUT_SIZE, bf.INPUT_SIZE, 3], tf.uint8),
        )
        # Run the mesh model only when there are faces (a convolution on an empty batch is not safe on every kernel).
        mesh, flag = tf.cond(
            tf.shape(crops)[0] > 0,
            lambda: tuple(self.mesh_model(tf.cast(crops, tf.float32) / 255.0)),
            lambda: (tf.zeros([0, 1, 1, 3 * fm.MESH_POINTS]), tf.zeros([0, 1, 1, 1])),
        )
        present = tf.sigmoid(tf.reshape(flag, [-1])) >= bf.MESH_MIN_SCORE
        uvz = tf.cast(tf.reshape(mesh, [-1, fm.MESH_POINTS, 3]), tf.float64)
        u, v = uvz[..., 0], uvz[..., 1]
        m = matrices[:, None, :]
        x = m[..., 0] * u + m[..., 1] * v + m[..., 2]
        y = m[..., 3] * u + m[..., 4] * v + m[..., 5]
        meshes = tf.stack([x, y, step[:, None] * uvz[..., 2]], axis=-1)
        meshes = tf.boolean_mask(meshes, present)
        return tf.boolean_mask(boxes, present), five_points(meshes), tf.boolean_mask(scores, present), meshes

    def detect(self, image, candidates=None):
        """Every face of one RGB uint8 photo, largest first: boxes ``[n, 4]`` float64, five points ``[n, 5, 2]``,
        scores ``[n]``. Nothing found: once more with an edge margin of `crfiqa_tf.align.blazeface.CROP_MARGIN`."""
        boxes, points, scores, _ = self._detect(image, candidates)

        def retry():
            shape = tf.shape(image)
            pad_y = tf.cast(tf.round(bf.CROP_MARGIN * tf.cast(shape[0], tf.float64)), tf.int32)
            pad_x = tf.cast(tf.round(bf.CROP_MARGIN * tf.cast(shape[1], tf.float64)), tf.int32)
            rows = tf.clip_by_value(tf.range(-pad_y, shape[0] + pad_y), 0, shape[0] - 1)
            columns = tf.clip_by_value(tf.range(-pad_x, shape[1] + pad_x), 0, shape[1] - 1)
            padded = tf.gather(tf.gather(image, rows), columns, axis=1)  # numpy's "edge" padding
            b, p, s, _ = self._detect(padded, tiles=False)
            shift = tf.cast(tf.stack([pad_x, pad_y]), tf.float64)
            return tf.cast(b, tf.float64) - tf.tile(shift, [2]), p - shift, s

        boxes, points, scores = tf.cond(
            tf.shape(scores)[0] > 0, lambda: (tf.cast(boxes, tf.float64), points, scores), retry
        )
        areas = tf.maximum(boxes[:, 2] - boxes[:, 0], 0.0) * tf.maximum(boxes[:, 3] - boxes[:, 1], 0.0)
        order = tf.argsort(-areas, stable=True)
        return tf.gather(boxes, order), tf.gather(points, order), tf.gather(scores, order)

    def faces(self, image, candidates=None):
        """One photo's faces padded to `max_faces`: boxes, landmarks, detection scores, aligned crops, how many
        are valid and how many were found."""
        boxes, points, scores = self.detect(image, candidates)
        found = tf.shape(scores)[0]
        count = tf.minimum(found, self.max_faces)
        boxes, points, scores = boxes[:count], points[:count], scores[:count]
        pixels = sampling_source(image)
        crops = tf.map_fn(
            lambda p: warp_face(pixels, p, self.size),
            points,
            fn_output_signature=tf.TensorSpec([self.size, self.size, 3], tf.uint8),
        )
        pad = self.max_faces - count
        return {
            "boxes": tf.pad(tf.cast(boxes, tf.float32), [[0, pad], [0, 0]]),
            "landmarks": tf.pad(tf.cast(points, tf.float32), [[0, pad], [0, 0], [0, 0]]),
            "detection_score": tf.pad(scores, [[0, pad]]),
            "crops": tf.pad(crops, [[0, pad], [0, 0], [0, 0], [0, 0]]),
            "num_faces": count,
            "faces_found": found,
        }


def tile_starts(length):
    """`crfiqa_tf.align.tiling.tile_starts` in TF ops (int32 ``[n]``) for a side of `length` level pixels."""
    side, stride = bf.INPUT_SIZE, bf.INPUT_SIZE - tiling.TILE_OVERLAP
    span = tf.cast(tf.maximum(length - side, 0), tf.float64)
    count = tf.cast(tf.math.ceil(span / stride), tf.int32) + 1
    return tf.cast(tf.round(tf.linspace(tf.constant(0.0, tf.float64), span, count)), tf.int32)


def decode_photo(data, name: str, max_pixels: int = DEFAULT_MAX_PIXELS):
    """An encoded JPEG or PNG → RGB uint8, decoded as Pillow decodes it (JPEG with libjpeg's accurate integer
    DCT: the same pixels as the Python path); INVALID_ARGUMENT naming the input when the bytes are neither, or
    when the image has more than `max_pixels` (checked from the header, before decoding)."""
    is_jpeg = tf.equal(tf.strings.substr(data, 0, 3), JPEG_MAGIC)
    is_png = tf.equal(tf.strings.substr(data, 0, 8), PNG_MAGIC)
    check = tf.debugging.Assert(tf.logical_or(is_jpeg, is_png), [f"{name}: an element is not a JPEG or PNG image"])
    with tf.control_dependencies([check]):

        def png_shape():
            values = tf.cast(tf.io.decode_raw(tf.strings.substr(data, 16, 8), tf.uint8), tf.int64)
            width = values[0] * 2**24 + values[1] * 2**16 + values[2] * 2**8 + values[3]
            height = values[4] * 2**24 + values[5] * 2**16 + values[6] * 2**8 + values[7]
            return tf.stack([height, width])

        shape = tf.cond(is_jpeg, lambda: tf.cast(tf.image.extract_jpeg_shape(data)[:2], tf.int64), png_shape)
    small = tf.debugging.Assert(
        shape[0] * shape[1] <= max_pixels,
        [f"{name}: an image has more than {max_pixels} pixels; height, width:", shape],
    )
    with tf.control_dependencies([small]):
        return tf.cond(
            is_jpeg,
            lambda: tf.io.decode_jpeg(data, channels=3, dct_method="INTEGER_ACCURATE"),
            lambda: tf.io.decode_png(data, channels=3),
        )


def faces_of_photos(pipeline: FacePipeline, image_bytes, name: str):
    """`FacePipeline.faces` of each encoded photo of a batch, with the detector run once on the whole batch (its
    per-photo cost falls about 3× from batch 1 to 8 on a CPU): photos are decoded and letterboxed, detected
    together, then decoded again one by one for the mesh and the warp (keeping every decoded photo of a large
    batch in memory at once would cost more than decoding twice)."""
    canvases, frames = tf.map_fn(
        lambda data: pipeline.letterbox(pipeline.decode(data, name)),
        image_bytes,
        fn_output_signature=(
            tf.TensorSpec([bf.INPUT_SIZE, bf.INPUT_SIZE, 3], tf.float32),
            tf.TensorSpec([4], tf.float32),
        ),
    )
    anchors = bf.GRID * bf.GRID
    raw_boxes, raw_scores = tf.cond(
        tf.shape(canvases)[0] > 0,
        lambda: tuple(pipeline.detector(canvases)),
        lambda: (tf.zeros([0, anchors, 16]), tf.zeros([0, anchors, 1])),
    )
    return tf.map_fn(
        lambda args: pipeline.faces(
            pipeline.decode(args[0], name), pipeline.decode_detections(args[1], args[2], args[3])
        ),
        (image_bytes, raw_boxes, raw_scores, frames),
        fn_output_signature=face_outputs_spec(pipeline.max_faces, pipeline.size),
    )


def five_points(meshes):
    """`crfiqa_tf.align.face_mesh.five_points` for a batch of meshes ``[n, 468, ≥2]`` → ``[n, 5, 2]``."""
    xy = meshes[..., :2]
    return tf.stack(
        [
            tf.reduce_mean(tf.gather(xy, list(fm.LEFT_EYE_CONTOUR), axis=1), axis=1),
            tf.reduce_mean(tf.gather(xy, list(fm.RIGHT_EYE_CONTOUR), axis=1), axis=1),
            xy[:, fm.NOSE_TIP],
            xy[:, fm.LEFT_MOUTH_CORNER],
            xy[:, fm.RIGHT_MOUTH_CORNER],
        ],
        axis=1,
    )


def face_outputs_spec(max_faces: int, size: int) -> dict:
    """The `tf.map_fn` output signature of `FacePipeline.faces`."""
    return {
        "boxes": tf.TensorSpec([max_faces, 4], tf.float32),
        "landmarks": tf.TensorSpec([max_faces, 5, 2], tf.float32),
        "detection_score": tf.TensorSpec([max_faces], tf.float32),
        "crops": tf.TensorSpec([max_faces, size, size, 3], tf.uint8),
        "num_faces": tf.TensorSpec([], tf.int32),
        "faces_found": tf.TensorSpec([], tf.int32),
    }
