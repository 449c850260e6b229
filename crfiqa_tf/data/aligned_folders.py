"""Identity folders of raw photos (LFW, VGGFace2, an enrolment archive) → aligned 112×112 faces for the shards.

Each photo is decoded, its faces detected (the package's face pipeline, `crfiqa_tf.align.aligner.FaceAligner`), one
face kept by a stated policy and aligned onto the insightface template; a photo with no face, or one that cannot
be read, becomes a counted, listed failure (``reason`` ``no_face`` / the reader's cause), never a crash.

Policies for the face a labelled photo stands for:
- ``"largest"``: the largest face (an enrolment photo; most archives).
- ``"centre"``: the face whose box centre lies nearest the frame's centre (photos cropped around their subject, as
  LFW's are: its 250×250 crops are centred on the detection of the named person, and other faces may be larger).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, Detection
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.data.writer import Sample
from crfiqa_tf.image_io import ImageReadError, png_bytes, read_bytes, read_image, skipped_entry

FACE_PICKS = ("largest", "centre")


def pick_face(faces: list[Detection], height: int, width: int, policy: str) -> Detection | None:
    """The face a photo of `height` × `width` stands for under `policy` (None when there is no face); ties go to
    the earlier face (the detector's order: largest first)."""
    if policy not in FACE_PICKS:
        raise ValueError(f"face policy must be one of {', '.join(FACE_PICKS)}, got {policy!r}")
    if not faces:
        return None
    if policy == "largest":
        return max(faces, key=lambda face: face.area)
    centre = np.array([width / 2.0, height / 2.0])
    distances = [np.hypot(*(np.array([(f.box[0] + f.box[2]) / 2, (f.box[1] + f.box[3]) / 2]) - centre)) for f in faces]
    return faces[int(np.argmin(distances))]


@dataclass(frozen=True)
class AlignSettings:
    """How `prepare --align` finds the face of each photo: the face `policy`, the `detector` and the smallest face
    looked for (`min_face`, pixels between the eyes)."""

    policy: str = "largest"
    detector: str = DEFAULT_DETECTOR
    min_face: float | None = DEFAULT_MIN_FACE

    def __post_init__(self):
        if self.policy not in FACE_PICKS:
            raise ValueError(f"--face must be one of {', '.join(FACE_PICKS)}, got {self.policy!r}")

    def as_dict(self) -> dict:
        return {"policy": self.policy, "detector": self.detector, "min_face": self.min_face}


class PhotoAligner:
    """Loads one identity-folder item as an aligned face (`Sample` of PNG bytes) or its failure entry."""

    def __init__(self, settings: AlignSettings, size: int = 112):
        from crfiqa_tf.align.aligner import FaceAligner

        self.settings, self.size = settings, size
        # every face is looked for (tiles included) so that the policy chooses among all of them; no mesh: the
        # five points are the detector's, which is all alignment uses
        self.aligner = FaceAligner(settings.detector, "all", size, min_face=settings.min_face, mesh=False)

    def face(self, image: np.ndarray) -> np.ndarray | None:
        """The aligned face the policy picks in an RGB uint8 photo, or None."""
        from crfiqa_tf.align.similarity import warp_face

        chosen = pick_face(self.aligner.detect_all(image), image.shape[0], image.shape[1], self.settings.policy)
        return None if chosen is None else warp_face(image, chosen.landmarks, self.size)

    def __call__(self, item: tuple[str, str, int]) -> Sample | dict:
        path, relative, label = item
        try:
            image = read_image(read_bytes(path), source=relative)
        except ImageReadError as error:
            return {**skipped_entry(error), "source_id": relative}
        crop = self.face(image)
        if crop is None:
            return {"source_id": relative, "reason": "no_face", "detail": f"no face found ({self.settings.detector})"}
        return Sample(png_bytes(crop), label, relative)
