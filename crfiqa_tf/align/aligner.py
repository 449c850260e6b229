"""Raw photo → aligned 112×112 crops, one per face kept, each with the detection it came from.

Any detector of `crfiqa_tf.align.detection` gives the five template points; the crop is the insightface
5-point similarity onto the 112×112 template (`crfiqa_tf.align.similarity`), the alignment the weights were trained
with. No face is an outcome, not an exception: `FaceAligner.align` returns an empty list for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, FACE_POLICIES, Detection, make_detector
from crfiqa_tf.align.similarity import warp_face


@dataclass
class AlignedFace:
    crop: np.ndarray  # [size, size, 3] uint8 RGB
    detection: Detection  # box, score and five points in the source image


class FaceAligner:
    """Detects faces and aligns them; ``policy="largest"`` keeps the largest face, ``"all"`` every face (largest
    first).

    Args:
        detector: a name from `crfiqa_tf.align.detection.DETECTORS`, or an object with ``detect(image)``.
        policy: ``"largest"`` or ``"all"``.
        size: side of the aligned crops (the template is scaled from 112).
        min_confidence: the detector's score threshold (default: the detector's own).
    """

    def __init__(self, detector=DEFAULT_DETECTOR, policy: str = "largest", size: int = 112, min_confidence=None):
        if policy not in FACE_POLICIES:
            raise ValueError(f"faces policy must be one of {', '.join(FACE_POLICIES)}, got {policy!r}")
        self.policy, self.size = policy, size
        self.detector = make_detector(detector, min_confidence) if isinstance(detector, str) else detector

    def detect_all(self, image: np.ndarray) -> list[Detection]:
        """Every face found, largest first (whatever the policy)."""
        return sorted(self.detector.detect(image), key=lambda d: d.area, reverse=True)

    def keep(self, faces: list[Detection]) -> list[Detection]:
        """The faces the policy keeps of `detect_all`'s list."""
        return faces[:1] if self.policy == "largest" else faces

    def detect(self, image: np.ndarray) -> list[Detection]:
        return self.keep(self.detect_all(image))

    def align(self, image: np.ndarray, faces: list[Detection] | None = None) -> list[AlignedFace]:
        """Aligned crops of the faces kept (or of `faces`, detections of this image)."""
        faces = self.detect(image) if faces is None else faces
        return [AlignedFace(warp_face(image, face.landmarks, self.size), face) for face in faces]
