"""MediaPipe's Face Mesh run by LiteRT on any detector's face: the rotated square around the face's box, oriented by
its eyes (MediaPipe's face-landmark recipe), in, 468 points in source pixels out.

The mesh needs only a box and the two eyes, which every detector gives, so it is its own step of the per-face
measurement: BlazeFace's faces are confirmed and given their five points by it, and every detector's faces are
given the mesh the quality components measure by `FaceMeshModel.refined_mesh`
(`crfiqa_tf.align.aligner.FaceAligner`). Its TensorFlow-ops twin is `crfiqa_tf.align.mesh_model_tf`, which takes
its constants from here.
"""

from __future__ import annotations

import threading

import numpy as np
from PIL import Image

from crfiqa_tf.align import face_mesh

LANDMARK_FILE = "face_landmark.tflite"
INPUT_SIZE = 192  # the landmark model's input side
ROI_SCALE = 1.5  # the square's side, in face-box sides
MESH_MIN_SCORE = 0.5  # Face Mesh's own face-presence flag
MAX_REFINEMENTS = 3  # mesh runs after the first, each from the square the previous mesh spans
REGION_TOLERANCE = 0.01  # a square that moves less than this share of its side is settled: no further run


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

        self._model = Interpreter(model_path=face_mesh.data_file(LANDMARK_FILE), num_threads=threads)
        self._model.allocate_tensors()
        self._lock = threading.Lock()  # one interpreter, shared by the threads of a Beam worker

    def mesh(self, image: np.ndarray, box, eyes) -> np.ndarray | None:
        """``[468, 3]`` in source pixels (z on the same scale as x, negative towards the camera), or None when the
        mesh model sees no face in the square around `box`."""
        affine, step = roi_affine(box, eyes)
        crop = Image.fromarray(image).transform((INPUT_SIZE, INPUT_SIZE), Image.AFFINE, affine, Image.BILINEAR)
        with self._lock:
            self._model.set_tensor(
                self._model.get_input_details()[0]["index"], np.asarray(crop, np.float32)[None] / 255.0
            )
            self._model.invoke()
            details = sorted(self._model.get_output_details(), key=lambda d: -int(np.prod(d["shape"])))
            mesh, flag = (self._model.get_tensor(d["index"]) for d in details)  # the mesh, then the presence flag
        if 1.0 / (1.0 + np.exp(-float(flag.reshape(-1)[-1]))) < MESH_MIN_SCORE:
            return None
        uvz = mesh.reshape(-1, 3).astype(np.float64)
        u, v = uvz[:, 0], uvz[:, 1]
        a, b, c, d, e, f = affine
        return np.stack([a * u + b * v + c, d * u + e * v + f, step * uvz[:, 2]], 1)

    def refined_mesh(self, image: np.ndarray, box, eyes, first: np.ndarray | None = None) -> np.ndarray | None:
        """The mesh the quality components measure, whichever detector found the face: a first mesh from the
        detector's box (or `first`, one already made from it), then the mesh again from the square the last one
        spans (MediaPipe's landmarks-to-region recipe), up to `MAX_REFINEMENTS` times and until that square moves by
        less than `REGION_TOLERANCE` of its side, so that the region, and with it the mesh, no longer depends on
        how the detector draws its boxes: MTCNN's are taller than BlazeFace's. The mesh moves with its region: on
        the packaged photos the inter-eye distance of the ten faces both detectors find differs by up to 8 % after
        one refinement (the cameraman's turned face) and by up to 2.8 % once settled, 2.5 mesh runs a face on
        BlazeFace's faces and 3.0 on MTCNN's (measured while writing this; `tests/test_mesh_model.py` holds the
        bounds). None when the mesh model sees no face; the last mesh made when a later pass fails."""
        mesh = self.mesh(image, box, eyes) if first is None else first
        if mesh is None:
            return None
        region = None
        for _ in range(MAX_REFINEMENTS):
            low, high = mesh[:, :2].min(0), mesh[:, :2].max(0)
            centre, half = (low + high) / 2, (high - low).max() / 2
            if half <= 0:
                return mesh
            if region is not None:
                moved = max(np.abs(centre - region[0]).max(), abs(half - region[1]))
                if moved < REGION_TOLERANCE * 2 * half:
                    return mesh
            region = centre, half
            square = (centre[0] - half, centre[1] - half, centre[0] + half, centre[1] + half)
            again = self.mesh(image, square, face_mesh.five_points(mesh)[:2])
            if again is None:
                return mesh
            mesh = again
        return mesh
