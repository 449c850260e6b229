"""`face_components` (`crfiqa_tf.components.compute`) on a real face and on meshes made to fail each of its checks:
no mesh, a mesh of the wrong shape, a degenerate mesh, a face too small for its pixels, a grey photo, and which
aligned crop sharpness reads."""

import dataclasses

import numpy as np
import pytest
from PIL import Image, ImageFilter

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.similarity import warp_face
from crfiqa_tf.components.compute import CHEEKS, COMPONENTS, LANDMARK, POSE, REGION, face_components
from crfiqa_tf.data.sample_photos import photo


@pytest.fixture(scope="module")
def grace():
    image = photo("grace_hopper")
    return image, FaceAligner(policy="largest").detect_all(image)[0]


def _empty(components, names):
    return {name: components[name].note for name in names if components[name].raw is None}


def test_a_real_face_has_every_component_in_order(grace):
    image, face = grace
    components = face_components(image, face)
    assert list(components) == list(COMPONENTS)
    assert all(c.raw is not None and 0 <= c.value <= 100 and c.note is None for c in components.values())
    assert components["single_face_present"].value == 100  # no other face given: this one alone


@pytest.mark.parametrize("mesh", [None, "flat"])
def test_without_a_usable_mesh_only_the_box_components_are_measured(grace, mesh):
    image, face = grace
    broken = dataclasses.replace(face, mesh=None if mesh is None else face.mesh[:, :2])
    components = face_components(image, broken)
    needing_mesh = (*POSE, *LANDMARK, *REGION, *CHEEKS)
    notes = _empty(components, needing_mesh)
    assert set(notes) == set(needing_mesh)
    assert set(notes.values()) == {
        "no_mesh: the Face Mesh model saw no face in this face's box; these components need its points"
    }
    assert components["single_face_present"].raw is not None and components["sharpness"].raw is not None


def test_a_degenerate_mesh_leaves_the_landmark_region_and_cheek_components_empty_with_their_reasons(grace):
    image, face = grace
    point = face.mesh.mean(0)
    components = face_components(image, dataclasses.replace(face, mesh=np.tile(point, (468, 1))))
    notes = _empty(components, (*LANDMARK, *REGION, *CHEEKS))
    assert {notes[name] for name in LANDMARK} == {"degenerate_mesh: eyes or chin closer than one pixel"}
    assert {notes[name] for name in REGION} == {"face_too_small: 1 pixels inside the face outline"}  # a point
    assert {notes[name] for name in CHEEKS} == {"cheeks_outside_image: the cheek squares fall outside the photo"}


def test_a_face_of_a_few_pixels_has_no_pixel_components(grace):
    image, face = grace
    centre = face.mesh.mean(0)
    tiny = centre + (face.mesh - centre) * 0.02  # the same face at 2 % of its size: a handful of pixels inside
    components = face_components(image, dataclasses.replace(face, mesh=tiny))
    notes = _empty(components, REGION)
    assert set(notes) == set(REGION) and all(n.startswith("face_too_small: ") for n in notes.values())
    count = int(next(iter(notes.values())).split()[1])
    assert 0 < count < 64


def test_a_grey_photo_has_no_natural_colour_and_a_colour_one_has(grace):
    image, face = grace
    grey = np.repeat(np.asarray(Image.fromarray(image).convert("L"))[..., None], 3, axis=2)
    components = face_components(grey, face)
    assert components["natural_colour"].note == "grey_image: the face has no colour to measure"
    assert components["illumination_uniformity"].raw is not None  # the cheeks are still there
    assert face_components(image, face)["natural_colour"].raw is not None


def test_sharpness_reads_the_aligned_crop_given_at_112_else_warps_its_own(grace):
    image, face = grace
    own = face_components(image, face)["sharpness"]
    crop = warp_face(image, face.landmarks, 112)
    assert face_components(image, face, aligned_crop=crop)["sharpness"] == own
    blurred = np.asarray(Image.fromarray(crop).filter(ImageFilter.GaussianBlur(2)))
    assert face_components(image, face, aligned_crop=blurred)["sharpness"].raw < own.raw * 0.8
    for other in (blurred[:100, :100], np.asarray(Image.fromarray(blurred).resize((112, 100)))):
        assert face_components(image, face, aligned_crop=other)["sharpness"] == own  # not 112×112: not the model's


def test_other_faces_in_the_photo_lower_the_single_face_value(grace):
    image, face = grace
    alone = face_components(image, face, face_areas=[face.area])["single_face_present"]
    crowded = face_components(image, face, face_areas=[face.area, face.area * 0.9])["single_face_present"]
    assert alone.value == 100 and crowded.value < 50
