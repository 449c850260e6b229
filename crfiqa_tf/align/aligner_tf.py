"""`crfiqa_tf.align.aligner` in TensorFlow ops, for the SavedModel's ``score_photos`` signature: encoded photo in,
every face's box, five points, detection score and aligned crop out, with no Python at serving time.

Each step has its TF-ops module beside its NumPy/LiteRT one, taking its constants from it:

| step | NumPy / LiteRT | TF ops |
|---|---|---|
| decoding, resizing | `crfiqa_tf.image_io` (Pillow) | `crfiqa_tf.image_io_tf` |
| detection (whole frame) | `crfiqa_tf.align.blazeface` | `crfiqa_tf.align.blazeface_tf` |
| tiles | `crfiqa_tf.align.tiling` | `crfiqa_tf.align.tiling_tf` |
| second looks | `crfiqa_tf.align.second_look` | `crfiqa_tf.align.second_look_tf` |
| mesh | `crfiqa_tf.align.mesh_model` | `crfiqa_tf.align.mesh_model_tf` |
| five points | `crfiqa_tf.align.mesh_topology` | `crfiqa_tf.align.mesh_topology_tf` |
| similarity, warp | `crfiqa_tf.align.similarity` | `crfiqa_tf.align.similarity_tf` |

This module chains them as `crfiqa_tf.align.blazeface.BlazeFaceDetector.detect` and `FaceAligner.align` do: the
whole frame and the tiles' candidates merged by one weighted suppression, the mesh on each (it confirms the face and
gives its five points), the retry with an edge margin when nothing is found, faces largest first, then the warp.
Tested equal to the LiteRT path on the sample photos and on composites with tiled faces
(tests/align/test_aligner_tf.py).
"""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.align import blazeface as bf
from crfiqa_tf.align import tiling
from crfiqa_tf.align.blazeface_tf import BlazeFaceDetector, weighted_nms
from crfiqa_tf.align.mesh_model_tf import FaceMeshModel
from crfiqa_tf.align.mesh_topology_tf import five_points
from crfiqa_tf.align.second_look import score_floor
from crfiqa_tf.align.second_look_tf import look_again
from crfiqa_tf.align.similarity_tf import sampling_source, warp_face
from crfiqa_tf.align.tiling_tf import tile_candidates
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS
from crfiqa_tf.image_io_tf import decode_photo


class FaceAligner:
    """Photos → faces, in TF ops (build once, call inside a `tf.function`): the TF twin of
    `crfiqa_tf.align.aligner.FaceAligner` (named ``FacePipeline`` before 0.8.0; that name stays as an alias).

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
        self.max_faces, self.size, self.max_pixels = max_faces, size, max_pixels
        self.min_face = tiling.check_min_face(min_face)
        looks_again = self.min_face is not None  # second looks belong to the tiles (crfiqa_tf.align.second_look)
        self.detector = BlazeFaceDetector(min_confidence, score_floor(min_confidence, looks_again))
        self.mesh_model = FaceMeshModel()

    def decode(self, data, name: str):
        return decode_photo(data, name, self.max_pixels)

    def _detect(self, image, candidates=None, tiles: bool = True):
        """(boxes, five points, scores) of the faces the mesh model confirms, in suppression order, from the
        detector's whole-frame `candidates` (computed here when not given) and, with `tiles`, its tiles' and the
        second looks' at the candidates just below the threshold."""
        frame = self.detector.frame_candidates(image) if candidates is None else candidates
        if tiles:
            tiled = tile_candidates(self.detector, image, self.min_face)
            frame = tuple(tf.concat(pair, 0) for pair in zip(frame, tiled))
        above = frame[2] >= self.detector.min_confidence
        found = tuple(tf.boolean_mask(part, above) for part in frame)
        if tiles and self.min_face is not None:
            below = [tf.boolean_mask(part, ~above) for part in frame]
            looked = look_again(self.detector, image, below[0], below[2], found[0])
            found = tuple(tf.concat(pair, 0) for pair in zip(found, looked))
        boxes, points, scores = weighted_nms(*found)
        meshes, present = self.mesh_model.meshes(sampling_source(image), boxes, points[:, :2])
        meshes = tf.boolean_mask(meshes, present)
        return tf.boolean_mask(boxes, present), five_points(meshes), tf.boolean_mask(scores, present)

    def detect(self, image, candidates=None):
        """Every face of one RGB uint8 photo, largest first: boxes ``[n, 4]`` float64, five points ``[n, 5, 2]``,
        scores ``[n]``. Nothing found: once more with an edge margin of `crfiqa_tf.align.blazeface.CROP_MARGIN`."""
        boxes, points, scores = self._detect(image, candidates)

        def retry():
            shape = tf.shape(image)
            pad_y = tf.cast(tf.round(bf.CROP_MARGIN * tf.cast(shape[0], tf.float64)), tf.int32)
            pad_x = tf.cast(tf.round(bf.CROP_MARGIN * tf.cast(shape[1], tf.float64)), tf.int32)
            rows = tf.clip_by_value(tf.range(-pad_y, shape[0] + pad_y), 0, shape[0] - 1)
            columns = tf.clip_by_value(tf.range(-pad_x, shape[1] + pad_x), 0, shape[1] - 1)
            padded = tf.gather(tf.gather(image, rows), columns, axis=1)  # numpy's "edge" padding
            b, p, s = self._detect(padded, tiles=False)
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


def faces_of_photos(pipeline: FaceAligner, image_bytes, name: str):
    """`FaceAligner.faces` of each encoded photo of a batch, with the detector run once on the whole batch (its
    per-photo cost falls about 3× from batch 1 to 8 on a CPU): photos are decoded and letterboxed, detected
    together, then decoded again one by one for the mesh and the warp (keeping every decoded photo of a large
    batch in memory at once would cost more than decoding twice)."""
    detector = pipeline.detector
    canvases, frames = tf.map_fn(
        lambda data: detector.letterbox(pipeline.decode(data, name)),
        image_bytes,
        fn_output_signature=(
            tf.TensorSpec([bf.INPUT_SIZE, bf.INPUT_SIZE, 3], tf.float32),
            tf.TensorSpec([4], tf.float32),
        ),
    )
    anchors = bf.GRID * bf.GRID
    raw_boxes, raw_scores = tf.cond(
        tf.shape(canvases)[0] > 0,
        lambda: tuple(detector(canvases)),
        lambda: (tf.zeros([0, anchors, 16]), tf.zeros([0, anchors, 1])),
    )
    return tf.map_fn(
        lambda args: pipeline.faces(pipeline.decode(args[0], name), detector.decode_detections(*args[1:])),
        (image_bytes, raw_boxes, raw_scores, frames),
        fn_output_signature=face_outputs_spec(pipeline.max_faces, pipeline.size),
    )


def face_outputs_spec(max_faces: int, size: int) -> dict:
    """The `tf.map_fn` output signature of `FaceAligner.faces`."""
    return {
        "boxes": tf.TensorSpec([max_faces, 4], tf.float32),
        "landmarks": tf.TensorSpec([max_faces, 5, 2], tf.float32),
        "detection_score": tf.TensorSpec([max_faces], tf.float32),
        "crops": tf.TensorSpec([max_faces, size, size, 3], tf.uint8),
        "num_faces": tf.TensorSpec([], tf.int32),
        "faces_found": tf.TensorSpec([], tf.int32),
    }


FacePipeline = FaceAligner  # the name before 0.8.0, when the twins did not share names
