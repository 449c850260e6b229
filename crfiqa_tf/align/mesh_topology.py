"""The Face Mesh's 468 points: which indices make which facial part, the five template points read off them, and
MediaPipe's canonical face model (the reference 3-D shape head pose is fitted to).

This is the one place these numbers live: the detector (`crfiqa_tf.align.blazeface`) reads the five points with
them and the quality components (`crfiqa_tf.components`) measure eyes, mouth, pose and face region with them.

Indices follow MediaPipe's Face Mesh topology (``face_landmark.tflite``; the part lists below are the contours of
MediaPipe's ``face_mesh_connections``, written out here as index tuples). "Image-left" is the subject's right side
in an unmirrored photo.

The canonical face model (``mediapipe/canonical_face_model.obj``, 468 vertices in centimetres, y up, z towards the
viewer) and the per-point weights MediaPipe's own face-geometry pipeline uses for its Procrustes fit
(``mediapipe/geometry_pipeline_metadata_landmarks.pbtxt``) are Google MediaPipe's files, Apache License 2.0, shipped
unchanged (``mediapipe/NOTICE.md``).
"""

from __future__ import annotations

import functools
import os
import re

import numpy as np

MESH_POINTS = 468
CANONICAL_MODEL_FILE = "canonical_face_model.obj"
PROCRUSTES_WEIGHTS_FILE = "geometry_pipeline_metadata_landmarks.pbtxt"

# Eye contours: 16 points each, lid margin all round (the five-point eye centre is their mean).
LEFT_EYE_CONTOUR = (33, 7, 163, 144, 145, 153, 154, 155, 133, 173, 157, 158, 159, 160, 161, 246)
RIGHT_EYE_CONTOUR = (263, 249, 390, 373, 374, 380, 381, 382, 362, 398, 384, 385, 386, 387, 388, 466)
# Eye corners (outer, inner): OFIQ's eye centre is their midpoint.
LEFT_EYE_CORNERS, RIGHT_EYE_CORNERS = (33, 133), (263, 362)
# Upper-lid / lower-lid point pairs facing each other across each eye, and across the inner lips.
LEFT_EYE_LID_PAIRS = ((161, 163), (160, 144), (159, 145), (158, 153), (157, 154))
RIGHT_EYE_LID_PAIRS = ((388, 390), (387, 373), (386, 374), (385, 380), (384, 381))
INNER_LIP_PAIRS = ((80, 88), (81, 178), (82, 87), (13, 14), (312, 317), (311, 402), (310, 318))
# Nose: point 4 rather than the apex (1): it sits where five-point annotations put the nose (mean distance to
# MTCNN's nose on the sample photos 0.08 of the inter-ocular distance, against 0.12 for point 1).
NOSE_TIP, LEFT_MOUTH_CORNER, RIGHT_MOUTH_CORNER = 4, 61, 291
UPPER_LIP_CENTRE, LOWER_LIP_CENTRE = 13, 14
CHIN = 152  # lowest point of the face outline
# The face outline, in order round the face (forehead top 10, chin 152): the landmarked face region.
FACE_OVAL = (
    10, 338, 297, 332, 284, 251, 389, 356, 454, 323, 361, 288, 397, 365, 379, 378, 400, 377,
    152, 148, 176, 149, 150, 136, 172, 58, 132, 93, 234, 127, 162, 21, 54, 103, 67, 109,
)  # fmt: skip


def five_points(mesh: np.ndarray) -> np.ndarray:
    """The insightface template's five points ``[5, 2]`` (eye centres, nose, mouth corners) from a mesh
    ``[468, ≥2]``."""
    xy = np.asarray(mesh, np.float64)[:, :2]
    return np.stack(
        [
            xy[list(LEFT_EYE_CONTOUR)].mean(0),
            xy[list(RIGHT_EYE_CONTOUR)].mean(0),
            xy[NOSE_TIP],
            xy[LEFT_MOUTH_CORNER],
            xy[RIGHT_MOUTH_CORNER],
        ]
    )


def data_file(name: str) -> str:
    """The path of one of the MediaPipe files shipped with this package (``mediapipe/NOTICE.md``)."""
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mediapipe", name)
    if not os.path.exists(path):
        raise FileNotFoundError(f"{path}: missing from the installed crfiqa-tf package (reinstall it)")
    return path


@functools.lru_cache(maxsize=1)
def canonical_face_model() -> np.ndarray:
    """MediaPipe's canonical face ``[468, 3]`` (cm; x towards image-right of a frontal face, y up, z towards the
    viewer), read from the shipped ``.obj`` (its ``v`` lines, in mesh order)."""
    path = data_file(CANONICAL_MODEL_FILE)
    with open(path, encoding="utf-8") as handle:
        vertices = [line.split()[1:4] for line in handle if line.startswith("v ")]
    model = np.asarray(vertices, np.float64)
    if model.shape != (MESH_POINTS, 3):
        raise ValueError(f"{path}: expected {MESH_POINTS} vertices, read {len(model)}")
    return model


@functools.lru_cache(maxsize=1)
def procrustes_weights() -> np.ndarray:
    """``[468]`` weights of MediaPipe's face-geometry Procrustes fit (33 stable points weighted, the rest 0)."""
    path = data_file(PROCRUSTES_WEIGHTS_FILE)
    with open(path, encoding="utf-8") as handle:
        pairs = re.findall(r"landmark_id:\s*(\d+)\s+weight:\s*([0-9.eE+-]+)", handle.read())
    if not pairs:
        raise ValueError(f"{path}: no procrustes_landmark_basis entries")
    weights = np.zeros(MESH_POINTS)
    for index, weight in pairs:
        weights[int(index)] = float(weight)
    return weights
