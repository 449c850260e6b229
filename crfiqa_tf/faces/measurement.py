"""The one per-face measurement: a photo → each face detected, meshed, aligned and, under a reasons profile,
measured (the quality components) and explained (the reasons).

Every path that finds faces itself calls it: `Scorer.score` with ``FaceOptions(align=True)`` (the CLI's
``score --align`` and the Python API), the Beam job's Python aligner (`beam_jobs.score_gallery.Align`), and best shots
(`crfiqa_tf.best_shots.selector.BestShots`, which measures only the faces due for a check, with `measure_face`).
The detection, mesh, five points and warp are `crfiqa_tf.align.aligner.FaceAligner`'s; the network's score is
added by the caller, batched across faces. The in-graph path (``score_photos``) runs the same steps as TF ops.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.detection import Detection

ALIGNED_SIZE = 112  # the components read the aligned crop only at the template's own size


@dataclass
class FaceMeasurement:
    """One face of a photo: its rank among the faces kept (0 = the largest), its detection (box, score, five
    points, Face Mesh, in source pixels), its aligned crop and, with a reasons profile, its components and reasons."""

    index: int
    detection: Detection
    crop: np.ndarray
    components: dict | None = None
    reasons: list | None = None


def measure_face(image: np.ndarray, detection: Detection, crop: np.ndarray, areas: list[float], rules):
    """The quality components of one face (`crfiqa_tf.components`) and the reasons they give under `rules`.
    `areas` are the box areas of every face found in the photo (the single-face component reads them)."""
    from crfiqa_tf.components import face_components, reasons_for

    components = face_components(image, detection, areas, crop if crop.shape[0] == ALIGNED_SIZE else None)
    return components, reasons_for(components, rules)


def measure_faces(image: np.ndarray, aligner, rules=None) -> list[FaceMeasurement]:
    """The faces `aligner` keeps in an RGB uint8 photo (its policy: the largest, or all, largest first), each
    aligned and, when `rules` (a loaded reasons profile) is given, measured. No face: an empty list."""
    found = aligner.detect_all(image)
    areas = [face.area for face in found]
    measured = []
    for index, face in enumerate(aligner.align(image, aligner.keep(found))):
        measurement = FaceMeasurement(index, face.detection, face.crop)
        if rules is not None:
            measurement.components, measurement.reasons = measure_face(image, face.detection, face.crop, areas, rules)
        measured.append(measurement)
    return measured
