"""Every quality component of one face: raw value, OFIQ's 0–100 value, or a note saying why it is empty.

NumPy and Pillow only, so the TensorFlow-free edge install computes them too. A component that cannot be measured
on a face (no Face Mesh from the detector, a face region of a few pixels, a grey photo for colour, cheeks outside
the image) is empty with a note; computing components never raises for a face the detector returned.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.align.mesh_topology import MESH_POINTS
from crfiqa_tf.align.similarity import warp_face
from crfiqa_tf.components import geometry, pixels
from crfiqa_tf.components.head_pose import head_pose, pose_value

POSE = ("head_pose_yaw", "head_pose_pitch", "head_pose_roll")
LANDMARK = (
    "eyes_open",
    "mouth_closed",
    "inter_eye_distance",
    "head_size",
    "leftward_crop",
    "rightward_crop",
    "upward_crop",
    "downward_crop",
)
REGION = ("luminance_mean", "luminance_variance", "under_exposure", "over_exposure", "dynamic_range")
CHEEKS = ("illumination_uniformity", "natural_colour")
COMPONENTS = (*POSE, *LANDMARK, "single_face_present", *REGION, *CHEEKS, "sharpness")
UNITS = {  # what a raw value is measured in (README and `--components` help)
    "head_pose_yaw": "degrees",
    "head_pose_pitch": "degrees",
    "head_pose_roll": "degrees",
    "eyes_open": "smaller eye opening / T",
    "mouth_closed": "inner-lip opening / T",
    "inter_eye_distance": "pixels",
    "head_size": "T / image height",
    "leftward_crop": "inter-eye distances to the left border",
    "rightward_crop": "inter-eye distances to the right border",
    "upward_crop": "T to the top border",
    "downward_crop": "T to the bottom border",
    "single_face_present": "sqrt(second / largest face area)",
    "luminance_mean": "linear luminance, 0-1",
    "luminance_variance": "linear luminance variance",
    "under_exposure": "share of face pixels of luminance 0-25",
    "over_exposure": "share of face pixels of luminance 247-255",
    "dynamic_range": "bits",
    "illumination_uniformity": "histogram intersection, 0-1",
    "natural_colour": "CIELAB distance from skin range",
    "sharpness": "Laplacian / contrast on the aligned crop",
}


@dataclass(frozen=True)
class Component:
    raw: float | None
    value: int | None  # 0–100, higher is better
    note: str | None = None  # why the component is empty

    def as_dict(self) -> dict:
        return {"raw": self.raw, "value": self.value, "note": self.note}


def _filled(values: dict[str, tuple[float, int]]) -> dict[str, Component]:
    return {name: Component(float(raw), int(value)) for name, (raw, value) in values.items()}


def _empty(names, note: str) -> dict[str, Component]:
    return {name: Component(None, None, note) for name in names}


def face_components(image: np.ndarray, detection, face_areas=None, aligned_crop: np.ndarray | None = None):
    """Components ``{name: Component}`` (names in `COMPONENTS` order) of one detected face.

    Args:
        image: the photo, RGB uint8 ``[H, W, 3]``.
        detection: a `crfiqa_tf.align.detection.Detection` (its ``mesh`` drives all but two components).
        face_areas: box areas of every face found in the photo (single face present); default this face only.
        aligned_crop: the 112×112 aligned crop of this face, if already made (sharpness).
    """
    height, width = image.shape[:2]
    out: dict[str, Component] = {}
    mesh = getattr(detection, "mesh", None)
    areas = [detection.area] if face_areas is None else face_areas
    if mesh is None or np.shape(mesh) != (MESH_POINTS, 3):
        missing = "no_mesh: the Face Mesh model saw no face in this face's box; these components need its points"
        out.update(_empty((*POSE, *LANDMARK, *REGION, *CHEEKS), missing))
    else:
        points = geometry.Landmarks(mesh)
        yaw, pitch, roll = head_pose(mesh)
        out.update(_filled({"head_pose_yaw": (yaw, pose_value(yaw))}))
        out.update(_filled({"head_pose_pitch": (pitch, pose_value(pitch))}))
        out.update(_filled({"head_pose_roll": (roll, pose_value(roll))}))
        if points.t < 1.0 or points.planar_eye_distance < 1.0:
            out.update(_empty(LANDMARK, "degenerate_mesh: eyes or chin closer than one pixel"))
        else:
            out.update(_filled({"eyes_open": geometry.eyes_open(points)}))
            out.update(_filled({"mouth_closed": geometry.mouth_closed(points)}))
            out.update(_filled({"inter_eye_distance": geometry.inter_eye_distance(points, yaw)}))
            out.update(_filled({"head_size": geometry.head_size(points, height)}))
            out.update(_filled(geometry.crops(points, width, height)))
        region = pixels.face_region(image, mesh)
        if len(region) < pixels.MIN_REGION_PIXELS:
            out.update(_empty(REGION, f"face_too_small: {len(region)} pixels inside the face outline"))
        else:
            out.update(_filled(pixels.luminance_components(region)))
        patches = pixels.cheek_patches(image, points) if points.planar_eye_distance >= 1.0 else None
        if patches is None:
            out.update(_empty(CHEEKS, "cheeks_outside_image: the cheek squares fall outside the photo"))
        else:
            out.update(_filled({"illumination_uniformity": pixels.illumination_uniformity(patches)}))
            if len(region) and np.all(region == region[:, :1]):
                out["natural_colour"] = Component(None, None, "grey_image: the face has no colour to measure")
            else:
                out.update(_filled({"natural_colour": pixels.natural_colour(patches)}))
    out.update(_filled({"single_face_present": geometry.single_face_present(areas)}))
    crop = aligned_crop if aligned_crop is not None and aligned_crop.shape[:2] == (112, 112) else None
    if crop is None:
        crop = warp_face(image, detection.landmarks, 112)
    out.update(_filled({"sharpness": pixels.sharpness(crop)}))
    return {name: out[name] for name in COMPONENTS}
