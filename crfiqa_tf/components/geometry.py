"""Components measured on the landmarks alone: eyes open, mouth closed, inter-eye distance, head size, the crop of
the face image on each side, and single face present.

OFIQ's definitions (``EyesOpen.cpp``, ``MouthClosed.cpp``, ``InterEyeDistance.cpp``, ``HeadSize.cpp``,
``CropOfTheFaceImage.cpp``, ``SingleFacePresent.cpp``, ``utils.cpp`` for T) on its 98 ADNet landmarks, read here on
the Face Mesh's 468 points (`crfiqa_tf.align.mesh_topology`), which stand in as follows:

- eye centre: the midpoint of the eye's two corners (mesh 33/133 and 263/362), as OFIQ's eye-corner midpoint;
- T (OFIQ's ``tmetric``): distance from the midpoint of the eye centres to the chin (mesh 152, ADNet 16);
- eye opening: the largest distance between facing upper- and lower-lid points (five mesh pairs per eye) —
  OFIQ takes the largest pair distance of its eight eye points; the smaller of the two eyes, divided by T;
- mouth opening: the largest distance between facing inner-lip points (seven mesh pairs), divided by T;
- inter-eye distance: pixels between the eye centres, divided by cos(yaw) as OFIQ does;
- crops: the room between the face and each image border — left and right in inter-eye distances from the nearer
  eye centre, above and below in T from the eye midpoint. OFIQ names the last two Downward- and
  UpwardCropOfTheFaceImage (config keys MarginAbove / MarginBelow); here each is named by the border it measures:
  ``upward_crop`` is the room above the eyes, ``downward_crop`` the room below them.
"""

from __future__ import annotations

import math

import numpy as np

from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.components import ofiq_mapping as ofiq


class Landmarks:
    """The reference points the landmark components share, computed once per face."""

    def __init__(self, mesh: np.ndarray):
        xy = np.asarray(mesh, np.float64)[:, :2]
        self.xy = xy
        self.left_eye = xy[list(fm.LEFT_EYE_CORNERS)].mean(0)  # image-left
        self.right_eye = xy[list(fm.RIGHT_EYE_CORNERS)].mean(0)
        self.eye_mid = (self.left_eye + self.right_eye) / 2
        self.planar_eye_distance = float(np.linalg.norm(self.right_eye - self.left_eye))
        self.t = float(np.linalg.norm(xy[fm.CHIN] - self.eye_mid))
        self.mouth_centre = xy[[fm.UPPER_LIP_CENTRE, fm.LOWER_LIP_CENTRE]].mean(0)

    def max_pair_distance(self, pairs) -> float:
        a, b = np.asarray(pairs).T
        return float(np.max(np.linalg.norm(self.xy[a] - self.xy[b], axis=1)))


def eyes_open(points: Landmarks) -> tuple[float, int]:
    opening = min(points.max_pair_distance(fm.LEFT_EYE_LID_PAIRS), points.max_pair_distance(fm.RIGHT_EYE_LID_PAIRS))
    raw = opening / points.t
    return raw, ofiq.EYES_OPEN(raw)


def mouth_closed(points: Landmarks) -> tuple[float, int]:
    raw = points.max_pair_distance(fm.INNER_LIP_PAIRS) / points.t
    return raw, ofiq.MOUTH_CLOSED(raw)


def inter_eye_distance(points: Landmarks, yaw_degrees: float) -> tuple[float, int]:
    raw = points.planar_eye_distance / max(math.cos(math.radians(yaw_degrees)), 1e-6)
    return raw, ofiq.INTER_EYE_DISTANCE(raw)


def head_size(points: Landmarks, image_height: int) -> tuple[float, int]:
    raw = points.t / image_height
    return raw, ofiq.HEAD_SIZE(abs(raw - ofiq.HEAD_SIZE_TARGET))


def crops(points: Landmarks, width: int, height: int) -> dict[str, tuple[float, int]]:
    """Room to each border: ``leftward_crop`` / ``rightward_crop`` in inter-eye distances from the image-left /
    image-right eye centre, ``upward_crop`` / ``downward_crop`` in T above / below the eye midpoint."""
    ied, t = points.planar_eye_distance, points.t
    left = points.left_eye[0] / ied
    right = (width - points.right_eye[0]) / ied
    above = points.eye_mid[1] / t
    below = (height - points.eye_mid[1]) / t
    return {
        "leftward_crop": (left, ofiq.SIDE_CROP(left)),
        "rightward_crop": (right, ofiq.SIDE_CROP(right)),
        "upward_crop": (above, ofiq.MARGIN_ABOVE(above)),
        "downward_crop": (below, ofiq.MARGIN_BELOW(below)),
    }


def single_face_present(areas) -> tuple[float, int]:
    """``SingleFacePresent.cpp``: f = √(a₂ / a₁) over the two largest face boxes of the photo (0 for one face, 1 for
    none), value ``round(100 · (1 − f))``."""
    ordered = sorted((float(a) for a in areas), reverse=True)
    if not ordered or ordered[0] <= 0:
        raw = 1.0
    elif len(ordered) == 1:
        raw = 0.0
    else:
        raw = math.sqrt(ordered[1] / ordered[0])
    return raw, ofiq.clip_round(100.0 * (1.0 - raw))
