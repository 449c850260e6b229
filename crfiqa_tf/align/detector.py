"""MTCNN face detection (the `mtcnn` package ships its weights) → aligned 112×112 crops.

No face is an outcome, not an exception: `FaceAligner.align` returns an empty list for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.similarity import warp_face

_KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")  # image-left first, as the template


@dataclass
class AlignedFace:
    crop: np.ndarray  # [size, size, 3] uint8 RGB
    detection_score: float
    landmarks: np.ndarray  # [5, 2] in the source image
    box: tuple[int, int, int, int]  # x, y, width, height


class FaceAligner:
    """Detects faces and aligns them; ``policy="largest"`` keeps the largest face, ``"all"`` every face."""

    def __init__(self, policy: str = "largest", min_confidence: float = 0.9, size: int = 112):
        if policy not in ("largest", "all"):
            raise ValueError(f"policy must be 'largest' or 'all', got {policy!r}")
        from mtcnn import MTCNN

        self.policy, self.min_confidence, self.size = policy, min_confidence, size
        self._detector = MTCNN()

    def detect(self, image: np.ndarray) -> list[dict]:
        faces = [f for f in self._detector.detect_faces(image) if f["confidence"] >= self.min_confidence]
        faces.sort(key=lambda f: f["box"][2] * f["box"][3], reverse=True)
        return faces[:1] if self.policy == "largest" else faces

    def align(self, image: np.ndarray) -> list[AlignedFace]:
        aligned = []
        for face in self.detect(image):
            landmarks = np.array([face["keypoints"][k] for k in _KEYPOINTS], np.float64)
            aligned.append(
                AlignedFace(
                    warp_face(image, landmarks, self.size),
                    float(face["confidence"]),
                    landmarks,
                    tuple(int(v) for v in face["box"]),
                )
            )
        return aligned
