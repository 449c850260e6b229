"""MTCNN (the `mtcnn` package, which ships its weights; needs TensorFlow) as a `Detection` source."""

from __future__ import annotations

import numpy as np

from crfiqa_tf.align.detection import Detection

_KEYPOINTS = ("left_eye", "right_eye", "nose", "mouth_left", "mouth_right")  # image-left first, as the template


class MTCNNDetector:
    """Zhang et al.'s three-stage cascade; its five points are the template's own. Its image pyramid reaches faces
    down to its own 20-pixel box (about 8 pixels between the eyes) in any frame, so it takes no minimum face size
    (the package's larger ``min_face_size`` values lost the astronaut's 83-pixel face in mtcnn 1.0)."""

    def __init__(self, min_confidence: float = 0.9):
        try:
            from mtcnn import MTCNN
        except ImportError as error:
            raise ImportError(f"the mtcnn detector needs: pip install 'crfiqa-tf[align]' ({error})") from None
        self.min_confidence = min_confidence
        self._mtcnn = MTCNN()

    def detect(self, image: np.ndarray) -> list[Detection]:
        found = []
        for face in self._mtcnn.detect_faces(image):
            if face["confidence"] < self.min_confidence:
                continue
            x, y, width, height = (float(v) for v in face["box"])
            landmarks = np.array([face["keypoints"][k] for k in _KEYPOINTS], np.float64)
            found.append(Detection((x, y, x + width, y + height), float(face["confidence"]), landmarks))
        return sorted(found, key=lambda d: d.score, reverse=True)
