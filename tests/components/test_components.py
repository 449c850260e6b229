"""Quality components and reasons of whole faces (`crfiqa_tf.components.face_components`): known answers on the
packaged real photos (each a manipulation with a known effect), bad input kept as notes, and a code two rules give
reported once. The formulas have their own files: test_geometry, test_head_pose, test_pixels, test_ofiq_mapping,
test_reasons."""

import numpy as np
import pytest
from PIL import Image, ImageFilter
from support.face_meshes import synthetic_mesh

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.detection import Detection
from crfiqa_tf.align.mesh_topology import five_points
from crfiqa_tf.components import COMPONENTS, face_components, load_profile, reasons_for
from crfiqa_tf.data.sample_photos import photo


@pytest.fixture(scope="module")
def aligner():
    return FaceAligner(policy="all")


@pytest.fixture(scope="module")
def rules():
    return load_profile()


def faces_of(aligner, image):
    """[(detection, components)] of every face, largest first."""
    found = aligner.detect_all(image)
    return [(d, face_components(image, d, [f.area for f in found])) for d in found]


def codes(components, rules):
    return [reason.code for reason in reasons_for(components, rules)]


# --- known answers on real photos -----------------------------------------------------------------------------


@pytest.mark.parametrize("theta", [10.0, 20.0])
def test_rotating_a_photo_by_plus_and_minus_theta_changes_roll_by_two_theta(aligner, theta):
    image = Image.fromarray(photo("grace_hopper"))
    rolls = []
    for angle in (theta, -theta):  # PIL rotates counter-clockwise for a positive angle
        rotated = np.asarray(image.rotate(angle, Image.BILINEAR, expand=True, fillcolor=(128, 128, 128)))
        (_, components), *_ = faces_of(aligner, rotated)
        rolls.append(components["head_pose_roll"].raw)
    # Counter-clockwise in the image is negative roll (clockwise is positive).
    assert rolls[1] - rolls[0] == pytest.approx(2 * theta, abs=4.0)


def test_a_mirrored_photo_flips_the_sign_of_yaw(aligner):
    checked = 0
    for name in ("group_of_six", "aligned_portrait"):
        image = photo(name)
        width = image.shape[1]
        mirrored = faces_of(aligner, image[:, ::-1].copy())
        for detection, components in faces_of(aligner, image):
            yaw = components["head_pose_yaw"].raw
            centre = np.array([(detection.box[0] + detection.box[2]) / 2, (detection.box[1] + detection.box[3]) / 2])
            # The same face in the mirrored photo: the box centre mirrored, within a quarter of the box.
            match = [
                c
                for d, c in mirrored
                if np.hypot(width - (d.box[0] + d.box[2]) / 2 - centre[0], (d.box[1] + d.box[3]) / 2 - centre[1])
                < 0.25 * (detection.box[2] - detection.box[0])
            ]
            assert match, f"{name}: the face at {centre} is not found in the mirrored photo"
            if abs(yaw) <= 8:  # a frontal face: the sign of a few degrees is noise (5.4° against −0.6° mirrored)
                continue
            # A turned face's yaw moves by a few degrees with the region its mesh is run on (the group's most turned
            # face: −40.2° against 43.9° mirrored): the bound issue 41 sets between detectors.
            assert match[0]["head_pose_yaw"].raw == pytest.approx(-yaw, abs=5.0), name
            checked += 1
    assert checked >= 5  # turned faces of the group photo (−40° to −14°) and the portrait (19°)


@pytest.mark.parametrize("name", ["grace_hopper", "astronaut"])
def test_darkening_a_photo_lowers_luminance_and_says_too_dark(aligner, rules, name):
    image = photo(name)
    (_, original), *_ = faces_of(aligner, image)
    (_, dark), *_ = faces_of(aligner, (image * 0.35).astype(np.uint8))
    assert dark["luminance_mean"].raw < original["luminance_mean"].raw
    assert dark["luminance_mean"].value < original["luminance_mean"].value
    assert "TOO_DARK" in codes(dark, rules) and "TOO_DARK" not in codes(original, rules)
    # Sharpness is contrast-normalised: a darker photo is not reported as a blurred one.
    assert "BLURRED" not in codes(dark, rules)


def test_blur_lowers_sharpness_monotonically_and_strong_blur_says_blurred(aligner, rules):
    image = Image.fromarray(photo("grace_hopper"))
    values = []
    for sigma in (0, 1, 2, 4, 8):
        blurred = np.asarray(image.filter(ImageFilter.GaussianBlur(sigma))) if sigma else np.asarray(image)
        (_, components), *_ = faces_of(aligner, blurred)
        values.append(components["sharpness"].raw)
        if sigma == 0:
            assert "BLURRED" not in codes(components, rules)
        if sigma == 8:
            assert "BLURRED" in codes(components, rules)
    assert all(a > b for a, b in zip(values, values[1:])), values


def test_downscaling_scales_the_inter_eye_distance_and_small_faces_are_too_small(aligner, rules):
    image = Image.fromarray(photo("grace_hopper"))
    (_, original), *_ = faces_of(aligner, np.asarray(image))
    assert "FACE_TOO_SMALL" not in codes(original, rules)
    for scale in (0.5, 0.3):
        small = np.asarray(image.resize((round(image.width * scale), round(image.height * scale)), Image.BILINEAR))
        (_, components), *_ = faces_of(aligner, small)
        distance = components["inter_eye_distance"].raw
        assert distance == pytest.approx(scale * original["inter_eye_distance"].raw, rel=0.08)
        assert ("FACE_TOO_SMALL" in codes(components, rules)) == (distance < 35.2)
    assert distance < 35.2  # the 0.3 photo's face is below the model's own inter-eye distance


def test_a_crop_through_the_nose_says_the_chin_is_cut_off(aligner, rules):
    image = photo("grace_hopper")
    (detection, original), *_ = faces_of(aligner, image)
    nose_y = int(detection.landmarks[2, 1])
    (_, cut), *_ = faces_of(aligner, image[:nose_y].copy())
    assert cut["downward_crop"].raw < original["downward_crop"].raw
    assert "CROPPED_BOTTOM" in codes(cut, rules) and "CROPPED_BOTTOM" not in codes(original, rules)


def test_the_group_photo_lowers_single_face_present(aligner, rules):
    (_, portrait), *_ = faces_of(aligner, photo("grace_hopper"))
    group = faces_of(aligner, photo("group_of_six"))
    assert portrait["single_face_present"].value == 100 and "MORE_THAN_ONE_FACE" not in codes(portrait, rules)
    assert all(c["single_face_present"].value < 50 for _, c in group)
    assert all("MORE_THAN_ONE_FACE" in codes(c, rules) for _, c in group)


def test_a_grey_photo_leaves_colour_empty_with_a_note(aligner):
    (_, components), *_ = faces_of(aligner, photo("cameraman"))
    assert components["natural_colour"].raw is None and components["natural_colour"].note.startswith("grey_image")
    assert components["luminance_mean"].raw is not None  # the rest is measured


# --- formulas on synthetic inputs -------------------------------------------------------------------------------


# --- bad input: empty components with a note, never an exception ----------------------------------------------


def test_a_face_without_mesh_a_tiny_face_and_a_face_at_the_border_give_notes_not_exceptions(rules):
    image = np.full((240, 200, 3), (180, 140, 120), np.uint8)
    mesh = synthetic_mesh()
    no_mesh = Detection((40.0, 40.0, 160.0, 200.0), 0.9, five_points(mesh))  # a face whose mesh failed
    components = face_components(image, no_mesh)
    assert list(components) == list(COMPONENTS)
    assert components["eyes_open"].raw is None and components["eyes_open"].note.startswith("no_mesh")
    assert components["sharpness"].raw is not None and components["single_face_present"].value == 100
    tiny = synthetic_mesh(scale=0.3, centre=(100.0, 100.0))
    components = face_components(image, Detection((97.0, 97.0, 103.0, 103.0), 0.9, five_points(tiny), tiny))
    assert components["luminance_mean"].note.startswith("face_too_small")
    assert "FACE_TOO_SMALL" in codes(components, rules)
    outside = synthetic_mesh(centre=(-60.0, 120.0))  # most of the face left of the image
    components = face_components(image, Detection((0.0, 40.0, 20.0, 200.0), 0.9, five_points(outside), outside))
    assert components["illumination_uniformity"].note.startswith("cheeks_outside_image")
    assert "CROPPED_LEFT" in codes(components, rules)


def test_a_code_given_by_two_rules_is_reported_once_in_rule_order(rules):
    image = np.full((240, 200, 3), 3, np.uint8)  # black photo: both TOO_DARK rules fire
    mesh = synthetic_mesh()
    components = face_components(image, Detection((40.0, 40.0, 160.0, 200.0), 0.9, five_points(mesh), mesh))
    found = codes(components, rules)
    assert found.count("TOO_DARK") == 1
    order = [rule.code for rule in rules]
    assert found == sorted(found, key=order.index)
