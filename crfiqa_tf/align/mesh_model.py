"""MediaPipe's Face Mesh run by LiteRT on any detector's face: the rotated square around the face's box, oriented by
its eyes (MediaPipe's face-landmark recipe), in, 468 points in source pixels out.

The mesh needs only a box and the two eyes, which every detector gives, so it is its own step of the per-face
measurement: BlazeFace's faces are confirmed and given their five points by a first mesh on BlazeFace's box, and
every detector's faces are given the mesh the quality components measure by `FaceMeshModel.measured_mesh`, one run
on the square that MediaPipe's canonical face spans once placed on the face's five points (`region_from_points`),
so that the mesh does not depend on how a detector draws its boxes (`crfiqa_tf.align.aligner.FaceAligner`). Its
TensorFlow-ops twin is `crfiqa_tf.align.mesh_model_tf`, which takes its constants from here.
"""

from __future__ import annotations

import functools
import threading

import numpy as np
from PIL import Image

from crfiqa_tf.align import mesh_topology
from crfiqa_tf.align.similarity import umeyama

LANDMARK_FILE = "face_landmark.tflite"
INPUT_SIZE = 192  # the landmark model's input side
ROI_SCALE = 1.5  # the square's side, in face-box sides
MESH_MIN_SCORE = 0.5  # Face Mesh's own face-presence flag
SPANNING_POINTS = (0, 1, 3, 4)  # of the five points, those placing the canonical face: eyes and mouth corners (the
# nose tip moves against them as the head turns)
SETTLE_RUNS = 5  # the measured mesh: at most this many regions, each from the previous mesh's five points
SETTLE_TOLERANCE = 0.02  # ... stopping once the region moves and resizes by less than this share of its side


def roi_affine(box, eyes) -> tuple[tuple[float, ...], float]:
    """The 6 numbers of Pillow's affine transform (crop pixel → source point) of the rotated `ROI_SCALE` square
    around `box` (x0, y0, x1, y1) with its eyes (``[2, 2]``, image-left first) level, and the source pixels per
    crop pixel."""
    box, eyes = np.asarray(box, np.float64), np.asarray(eyes, np.float64)
    centre = (box[:2] + box[2:]) / 2
    side = ROI_SCALE * max(box[2] - box[0], box[3] - box[1])
    angle = np.arctan2(eyes[1, 1] - eyes[0, 1], eyes[1, 0] - eyes[0, 0])
    step = side / INPUT_SIZE
    # Output pixel (u, v) of the 192×192 crop ← source pixel centre + step·R(angle)·(u − 96, v − 96).
    a, b = step * np.cos(angle), -step * np.sin(angle)
    d, e = step * np.sin(angle), step * np.cos(angle)
    half = INPUT_SIZE / 2
    return (a, b, centre[0] - half * (a + b), d, e, centre[1] - half * (d + e)), step


class FaceMeshModel:
    """The Face Mesh of one face of an RGB uint8 image.

    Args:
        threads: LiteRT CPU threads.
    """

    def __init__(self, threads: int = 2):
        from ai_edge_litert.interpreter import Interpreter

        self._model = Interpreter(model_path=mesh_topology.data_file(LANDMARK_FILE), num_threads=threads)
        self._model.allocate_tensors()
        self._lock = threading.Lock()  # one interpreter, shared by the threads of a Beam worker

    def mesh(self, image: np.ndarray, box, eyes) -> np.ndarray | None:
        """``[468, 3]`` in source pixels (z on the same scale as x, negative towards the camera), or None when the
        mesh model sees no face in the square around `box`."""
        affine, step = roi_affine(box, eyes)
        mesh, presence = self._run(image, affine, step)
        return mesh if presence >= MESH_MIN_SCORE else None

    def _run(self, image, affine, step: float) -> tuple[np.ndarray, float]:
        """The mesh in source pixels of the crop `affine` takes from `image` (an array, or the Pillow image of one,
        made once for many runs), and the model's face-presence probability."""
        picture = image if isinstance(image, Image.Image) else Image.fromarray(image)
        crop = picture.transform((INPUT_SIZE, INPUT_SIZE), Image.AFFINE, affine, Image.BILINEAR)
        with self._lock:
            self._model.set_tensor(
                self._model.get_input_details()[0]["index"], np.asarray(crop, np.float32)[None] / 255.0
            )
            self._model.invoke()
            details = sorted(self._model.get_output_details(), key=lambda d: -int(np.prod(d["shape"])))
            mesh, flag = (self._model.get_tensor(d["index"]) for d in details)  # the mesh, then the presence flag
        presence = 1.0 / (1.0 + np.exp(-float(flag.reshape(-1)[-1])))
        uvz = mesh.reshape(-1, 3).astype(np.float64)
        u, v = uvz[:, 0], uvz[:, 1]
        a, b, c, d, e, f = affine
        return np.stack([a * u + b * v + c, d * u + e * v + f, step * uvz[:, 2]], 1), presence

    def mirror_averaged_mesh(self, image, box, eyes) -> np.ndarray | None:
        """`mesh` averaged with the mesh of the mirrored crop (its points carried back through the mirror and
        renamed by `mirrored_points`), so that a mirrored photo gives the mirrored mesh: the landmark network alone
        is not mirror-symmetric (on LFW portraits its yaw differed by up to 3° between a photo and its mirror, its
        roll by up to 7°). None when neither crop's face-presence probability reaches `MESH_MIN_SCORE` (one view can
        doubt a turned face the other sees: 0.05 against 0.84 on a 40° archive face)."""
        affine, step = roi_affine(box, eyes)
        image = image if isinstance(image, Image.Image) else Image.fromarray(image)
        a, b, c, d, e, f = affine
        mirrored = (-a, b, c + a * INPUT_SIZE, -d, e, f + d * INPUT_SIZE)  # crop column u ← the affine's INPUT_SIZE − u
        mesh, presence = self._run(image, affine, step)
        mirror_mesh, mirror_presence = self._run(image, mirrored, step)
        if max(presence, mirror_presence) < MESH_MIN_SCORE:
            return None
        return (mesh + mirror_mesh[mirrored_points()]) / 2

    def measured_mesh(self, image: np.ndarray, points, fallback: np.ndarray | None = None) -> np.ndarray | None:
        """The mesh the quality components measure, whichever detector found the face: `mirror_averaged_mesh` on
        `region_from_points` of the face's five points (``[5, 2]``, template order), then again on the region of
        that mesh's own five points until the region settles (`SETTLE_TOLERANCE`, at most `SETTLE_RUNS` regions) —
        a detector's points on a small or turned face can be far off (a 45° archive face: 31 px between the eyes
        from its first points, 18 px once settled), and the pose read from them with them. `fallback` (a mesh
        already made, e.g. BlazeFace's on its own box) when the mesh model sees no face in the first region."""
        points = np.asarray(points, np.float64)
        region = np.asarray(region_from_points(points))
        picture, measured = Image.fromarray(image), None
        for _ in range(SETTLE_RUNS):
            mesh = self.mirror_averaged_mesh(picture, region, points[:2])
            if mesh is None:
                break
            measured, points = mesh, mesh_topology.five_points(mesh)
            previous, region = region, np.asarray(region_from_points(points))
            side = previous[2] - previous[0]
            if np.max(np.abs(region - previous)) < SETTLE_TOLERANCE * side:
                break
        return fallback if measured is None else measured


@functools.cache
def mirrored_points() -> np.ndarray:
    """``[468]``: for each mesh point, the point that takes its place in a mirror image (the left eye's corner for
    the right eye's; points on the face's midline map to themselves). Read off MediaPipe's canonical face, which is
    exactly symmetric: each point's mirror (x → −x) is another point of it."""
    model = mesh_topology.canonical_face_model()
    mirror = model * np.array([-1.0, 1.0, 1.0])
    distances = np.linalg.norm(mirror[:, None] - model[None], axis=2)
    pairs = distances.argmin(axis=1)
    if distances.min(axis=1).max() > 1e-6 or np.any(pairs[pairs] != np.arange(len(pairs))):
        raise ValueError("the canonical face model is not mirror-symmetric; its points cannot be paired")
    return pairs


@functools.cache
def _canonical_square() -> tuple[np.ndarray, np.ndarray, float]:
    """MediaPipe's canonical face seen from the front (x right, y down): its five points ``[5, 2]``, and the centre
    and half side of the square its 468 points span."""
    model = mesh_topology.canonical_face_model()
    frontal = np.stack([model[:, 0], -model[:, 1], model[:, 2]], 1)
    low, high = frontal[:, :2].min(0), frontal[:, :2].max(0)
    return mesh_topology.five_points(frontal), (low + high) / 2, float((high - low).max() / 2)


def region_from_points(points) -> tuple[float, float, float, float]:
    """The square (x0, y0, x1, y1) a face's mesh spans, estimated from its five points: MediaPipe's canonical face
    placed on the eyes and mouth corners by the least-squares similarity, its square carried along. It stands for
    the region MediaPipe's landmark step takes from a previous mesh (the landmarks-to-region recipe, before the
    `ROI_SCALE` margin) — the canonical face is an average head, its square about a tenth wider than a real mesh's
    span — and is made from the points every detector gives, so that BlazeFace's faces and MTCNN's get their mesh
    from the same region: on the packaged photos the ten faces both find then differ by at most 2.4° in pose and
    1.8 % in inter-eye distance (`tests/align/test_mesh_model.py`)."""
    canonical, centre, half = _canonical_square()
    index = list(SPANNING_POINTS)
    matrix = umeyama(canonical[index], np.asarray(points, np.float64)[index])
    x, y = matrix[:, :2] @ centre + matrix[:, 2]
    half *= float(np.sqrt(abs(np.linalg.det(matrix[:, :2]))))
    return (x - half, y - half, x + half, y + half)
