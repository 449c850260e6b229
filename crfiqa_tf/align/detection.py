"""What every face detector returns, and the names `--detector` chooses from (made by
`crfiqa_tf.align.detector_registry`).

A `Detection` carries the box and the five points the insightface template is defined on (image-left eye,
image-right eye, nose tip, image-left mouth corner, image-right mouth corner), all in source pixels, whatever the
detector computes internally, and the whole Face Mesh (468 points, `crfiqa_tf.align.mesh_topology`) that the quality
components measure: BlazeFace's own, or the one `crfiqa_tf.align.aligner.FaceAligner` runs on another detector's face.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

DETECTORS = ("blazeface", "mtcnn")
FACE_POLICIES = ("largest", "all")  # which faces of a photo are kept
DEFAULT_DETECTOR = "blazeface"  # chosen on benchmarks/detectors.py's figures (docs/BENCHMARKS.md)


@dataclass
class Detection:
    box: tuple[float, float, float, float]  # x0, y0, x1, y1 in source pixels
    score: float
    landmarks: np.ndarray  # [5, 2] x, y in source pixels, in the template's order
    mesh: np.ndarray | None = None  # [468, 3] Face Mesh in source pixels (None: the mesh model saw no face there)

    @property
    def area(self) -> float:
        return max(0.0, self.box[2] - self.box[0]) * max(0.0, self.box[3] - self.box[1])


NMS_IOU = 0.3  # MediaPipe's weighted suppression merges candidates overlapping by more than this


def box_iou(box: np.ndarray, boxes: np.ndarray) -> np.ndarray:
    """Intersection over union of one box ``[4]`` (x0, y0, x1, y1) with each of `boxes` ``[n, 4]``."""
    x0, y0 = np.maximum(box[0], boxes[:, 0]), np.maximum(box[1], boxes[:, 1])
    x1, y1 = np.minimum(box[2], boxes[:, 2]), np.minimum(box[3], boxes[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = (box[2] - box[0]) * (box[3] - box[1])
    areas = (boxes[:, 2] - boxes[:, 0]) * (boxes[:, 3] - boxes[:, 1])
    return inter / np.maximum(area + areas - inter, 1e-12)
