"""Raw photo → aligned 112×112 crops, one per face kept, each with the detection it came from.

The steps of each face, whatever the detector: detect (the whole frame and the tiles that reach `min_face`) → mesh
(MediaPipe's Face Mesh, once, on the square the canonical face spans when placed on the face's five points,
`crfiqa_tf.align.mesh_model.FaceMeshModel.measured_mesh`, the same for every detector) → five points → align. The
crop is the insightface 5-point similarity onto the 112×112 template (`crfiqa_tf.align.similarity`), the alignment
the weights were trained with. The five points are the detector's (BlazeFace's read off its own first mesh, MTCNN's
its own): the measured mesh is for the quality components, so alignment and scores do not change with `mesh`. A face
whose mesh fails keeps its detector's points and no mesh (the components say so). No face is an outcome, not an
exception: `FaceAligner.align` returns an empty list for it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, FACE_POLICIES, Detection
from crfiqa_tf.align.detector_registry import make_detector
from crfiqa_tf.align.similarity import warp_face
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE


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
        min_face: the smallest face looked for, in pixels between the eyes (`crfiqa_tf.align.tiling`; None: the
            whole frame only). Used when `detector` is a name.
        mesh: give every face its measured Face Mesh (the quality components need it; two mesh runs a face, more where
            the detector's points are far off: `FaceMeshModel.measured_mesh`);
            without it a face keeps what its detector gave (BlazeFace: its first mesh; MTCNN: none).
    """

    def __init__(
        self,
        detector=DEFAULT_DETECTOR,
        policy: str = "largest",
        size: int = 112,
        min_confidence=None,
        min_face: float | None = DEFAULT_MIN_FACE,
        mesh: bool = True,
    ):
        if policy not in FACE_POLICIES:
            raise ValueError(f"faces policy must be one of {', '.join(FACE_POLICIES)}, got {policy!r}")
        self.policy, self.size, self.mesh = policy, size, mesh
        self.detector = make_detector(detector, min_confidence, min_face) if isinstance(detector, str) else detector
        self._mesh_model = None

    def _with_mesh(self, face: Detection, image: np.ndarray) -> Detection:
        if not self.mesh:
            return face
        if self._mesh_model is None:
            from crfiqa_tf.align.mesh_model import FaceMeshModel

            self._mesh_model = getattr(self.detector, "mesh_model", None) or FaceMeshModel()
        face.mesh = self._mesh_model.measured_mesh(image, face.landmarks, fallback=face.mesh)
        return face

    def detect_all(self, image: np.ndarray) -> list[Detection]:
        """Every face found, largest first, each with its mesh where the mesh model sees it. Under the "largest"
        policy BlazeFace looks at its tiles only when the whole frame shows no face, so a portrait costs what it did
        before tiles: the faces tiles add are the small ones (no larger than `tiling.TILE_OVERLAP` at their level),
        which the whole frame could not see. (A face the whole frame misses while it finds a smaller one is then
        not looked for; `faces="all"` always looks at the tiles.)"""
        from crfiqa_tf.align.blazeface import BlazeFaceDetector

        if self.policy == "largest" and isinstance(self.detector, BlazeFaceDetector):
            found = self.detector.detect(image, tiles_when_none=True)
        else:
            found = self.detector.detect(image)
        faces = [self._with_mesh(face, image) for face in found]
        return sorted(faces, key=lambda d: d.area, reverse=True)

    def keep(self, faces: list[Detection]) -> list[Detection]:
        """The faces the policy keeps of `detect_all`'s list."""
        return faces[:1] if self.policy == "largest" else faces

    def detect(self, image: np.ndarray) -> list[Detection]:
        return self.keep(self.detect_all(image))

    def align(self, image: np.ndarray, faces: list[Detection] | None = None) -> list[AlignedFace]:
        """Aligned crops of the faces kept (or of `faces`, detections of this image)."""
        faces = self.detect(image) if faces is None else faces
        return [AlignedFace(warp_face(image, face.landmarks, self.size), face) for face in faces]
