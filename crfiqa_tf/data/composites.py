"""Frames made from the packaged photos (`crfiqa_tf.data.sample_photos`) with faces at known places and sizes: a
photo scaled so that its largest face has a chosen distance between the eyes, pasted at a chosen place of a
face-free photo stretched to the frame. The stand-in for the faces users meet far from the camera: small in a large
frame, several sizes in one photo, none at all.

Where each pasted face's eyes are is known by construction: the eyes found in the photo at its own size (faces of
35–90 px between the eyes, which every detector finds: `tests/align/test_blazeface.py`,
`tests/align/test_mtcnn_detector.py`), scaled and moved with the photo. A face is counted only when its whole box
lies inside the frame.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field

import numpy as np
from PIL import Image

from crfiqa_tf.data.sample_photos import photo

PORTRAITS = ("astronaut", "grace_hopper", "cameraman")  # one face each
GROUP = "group_of_six"
BACKGROUNDS = ("coffee", "cat", "mask_blue", "mask_white")  # photos without a face


@dataclass(frozen=True)
class PastedFace:
    eyes: np.ndarray  # [2, 2] image-left eye then image-right eye, frame pixels
    box: tuple[float, float, float, float]  # frame pixels

    @property
    def inter_eye(self) -> float:
        return float(np.linalg.norm(self.eyes[1] - self.eyes[0]))


@dataclass
class Composite:
    image: np.ndarray  # [H, W, 3] uint8
    faces: list[PastedFace] = field(default_factory=list)  # whole inside the frame: each must be found
    partial: list[PastedFace] = field(default_factory=list)  # eyes inside, box cut by the frame: may be found


@functools.cache
def faces_in(name: str) -> tuple[tuple[np.ndarray, tuple[float, ...]], ...]:
    """(eyes ``[2, 2]``, box) of every face of a packaged photo at its own size, largest first."""
    from crfiqa_tf.align.blazeface import BlazeFaceDetector

    found = BlazeFaceDetector(min_face=None, threads=1).detect(photo(name))
    found.sort(key=lambda d: d.area, reverse=True)
    return tuple((d.landmarks[:2].copy(), d.box) for d in found)


def paste(
    size: tuple[int, int],
    placements: list[tuple[str, float, tuple[float, float]]],
    background: str = "coffee",
) -> Composite:
    """A ``(width, height)`` frame with each ``(photo name, eye distance in pixels of its largest face, (x, y) where
    that face's eye midpoint goes, as fractions of the frame)`` pasted in order over `background`."""
    width, height = size
    frame = Image.fromarray(photo(background)).resize((width, height), Image.BILINEAR)
    pasted: list[PastedFace] = []
    partial: list[PastedFace] = []
    for name, inter_eye, (fx, fy) in placements:
        faces = faces_in(name)
        eyes0, _ = faces[0]
        scale = inter_eye / float(np.linalg.norm(eyes0[1] - eyes0[0]))
        source = photo(name)
        scaled_w, scaled_h = max(1, round(source.shape[1] * scale)), max(1, round(source.shape[0] * scale))
        ratio = np.array([scaled_w / source.shape[1], scaled_h / source.shape[0]])
        midpoint = eyes0.mean(0) * ratio
        offset = np.round(np.array([fx * width, fy * height]) - midpoint)
        frame.paste(Image.fromarray(source).resize((scaled_w, scaled_h), Image.BILINEAR), tuple(int(v) for v in offset))
        # Faces under a later paste are hidden: drop the ones whose eyes the new photo covers.
        covered = (offset[0], offset[1], offset[0] + scaled_w, offset[1] + scaled_h)
        pasted = [face for face in pasted if not _inside(face.eyes.mean(0), covered)]
        partial = [face for face in partial if not _inside(face.eyes.mean(0), covered)]
        for eyes, box in faces:
            moved = eyes * ratio + offset
            corners = np.asarray(box, np.float64).reshape(2, 2) * ratio + offset
            frame_box = tuple(float(v) for v in corners.reshape(-1))
            if frame_box[0] >= 0 and frame_box[1] >= 0 and frame_box[2] <= width and frame_box[3] <= height:
                pasted.append(PastedFace(moved, frame_box))
            elif all(_inside(eye, (0, 0, width, height)) for eye in moved):
                partial.append(PastedFace(moved, frame_box))
    return Composite(np.asarray(frame, np.uint8), pasted, partial)


def _inside(point, box) -> bool:
    return box[0] <= point[0] < box[2] and box[1] <= point[1] < box[3]


def matches(face: PastedFace, eyes: np.ndarray) -> bool:
    """Whether a detection with these eyes (``[2, 2]``) is this face: eye midpoints within half its eye distance."""
    return float(np.linalg.norm(np.asarray(eyes).mean(0) - face.eyes.mean(0))) < 0.5 * face.inter_eye


def score_detections(composite: Composite, detections) -> tuple[list[bool], int]:
    """(found per whole pasted face, detections that are no pasted face, whole or cut by the frame) for
    `detections` (each with ``landmarks``)."""
    found = [any(matches(face, d.landmarks[:2]) for d in detections) for face in composite.faces]
    every = composite.faces + composite.partial
    false = sum(1 for d in detections if not any(matches(face, d.landmarks[:2]) for face in every))
    return found, false
