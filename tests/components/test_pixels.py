"""Pixel components (`crfiqa_tf.components.pixels`) on inputs whose answer is known by construction: CIELAB of the
sRGB primaries (Lindbloom's D50 tables), the two branches of L*a*b* meeting at epsilon, the natural-colour box at
and around its edges, the face region of a drawn outline, its sampling grid, and its clipping at the frame."""

import math
import types

import numpy as np
import pytest

from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.components import pixels
from crfiqa_tf.components.pixels import MAX_REGION_SIDE, cie_ab, face_region, natural_colour


@pytest.mark.parametrize(
    "rgb, a, b",
    [  # sRGB primaries in CIELAB (D50, Bradford-adapted sRGB; B. Lindbloom's tables)
        ((1, 0, 0), 80.8125, 69.8851),
        ((0, 1, 0), -79.2711, 80.9946),
        ((0, 0, 1), 68.2986, -112.0294),
        ((1, 1, 1), 0.0, 0.0),
        ((0.5, 0.5, 0.5), 0.0, 0.0),
    ],
)
def test_cielab_of_known_colours(rgb, a, b):
    got = cie_ab(np.array(rgb, float))
    assert got == pytest.approx((a, b), abs=0.03)  # OFIQ's matrix is rounded to 5 digits


def _encode_srgb(linear: float) -> float:
    return 1.055 * linear ** (1 / 2.4) - 0.055 if linear > 0.0031308 else 12.92 * linear


def test_the_two_branches_of_cielab_meet_at_epsilon():
    # a red whose Y crosses epsilon while X stays above it: a* must not jump there (kappa = 24389/27)
    crossing = (216 / 24389) / 0.22249  # linear red at which Y = epsilon
    below = cie_ab(np.array([_encode_srgb(crossing * (1 - 1e-7)), 0, 0]))
    above = cie_ab(np.array([_encode_srgb(crossing * (1 + 1e-7)), 0, 0]))
    assert abs(above[0] - below[0]) < 1e-3 and abs(above[1] - below[1]) < 1e-3
    # deep in the linear branch a* is 500 kappa / 116 (x - y): twice the light, twice the a*
    dark, darker = (cie_ab(np.array([_encode_srgb(v), 0, 0]))[0] for v in (0.004, 0.002))
    assert dark == pytest.approx(2 * darker, rel=1e-9)
    assert dark == pytest.approx(500 * (24389 / 27) / 116 * 0.004 * (0.43605 / 0.964221 - 0.22249), rel=1e-6)


@pytest.mark.parametrize(
    "a, b, raw",
    [
        (15.0, 20.0, 0.0),  # inside the box a in [5, 25], b in [5, 35]
        (5.0, 5.0, 0.0),  # on its corners
        (25.0, 35.0, 0.0),
        (4.0, 20.0, 1.0),
        (26.0, 20.0, 1.0),
        (15.0, 4.0, 1.0),
        (15.0, 36.0, 1.0),
        (2.0, 1.0, math.hypot(3.0, 4.0)),
        (29.0, 38.0, math.hypot(4.0, 3.0)),
        (0.0, 20.0, 5.0),  # zero is not negative
        (15.0, 0.0, 5.0),
        (-0.1, 20.0, 100.0),  # a negative a or b: far from skin
        (15.0, -0.1, 100.0),
    ],
)
def test_natural_colour_distance_from_the_skin_box(monkeypatch, a, b, raw):
    seen = []
    monkeypatch.setattr(pixels, "cie_ab", lambda mean: seen.append(mean) or (a, b))
    patches = np.array([[[10, 20, 30], [30, 40, 50]], [[50, 60, 70], [70, 80, 90]]], np.uint8)
    got, value = natural_colour(patches)
    assert got == pytest.approx(raw) and value == pixels.ofiq.NATURAL_COLOUR(raw)
    np.testing.assert_allclose(seen[0], np.array([40, 50, 60]) / 255.0)  # the mean of both cheeks' pixels


def _circle_mesh(cx, cy, r):
    mesh = np.zeros((468, 3))
    for i, index in enumerate(fm.FACE_OVAL):
        angle = 2 * math.pi * i / len(fm.FACE_OVAL)
        mesh[index, :2] = cx + r * math.cos(angle), cy + r * math.sin(angle)
    return mesh


def _disc_image(height, width, cx, cy, r):
    y, x = np.mgrid[:height, :width]
    image = np.zeros((height, width, 3), np.uint8)
    image[(x - cx) ** 2 + (y - cy) ** 2 <= (r * 0.9) ** 2] = (200, 100, 50)  # the face, inside its outline
    image[(x - cx) ** 2 + (y - cy) ** 2 > (r * 1.1) ** 2] = (0, 0, 255)  # the background, outside
    return image


def test_the_face_region_is_what_the_outline_encloses():
    image = _disc_image(120, 160, 70, 60, 40)
    region = face_region(image, _circle_mesh(70, 60, 40))
    polygon_area = 0.5 * len(fm.FACE_OVAL) * 40**2 * math.sin(2 * math.pi / len(fm.FACE_OVAL))
    assert region.dtype == np.uint8 and region.shape[1] == 3
    assert abs(len(region) - polygon_area) < 0.05 * polygon_area
    assert not np.any(np.all(region == (0, 0, 255), axis=1))  # nothing from outside the outline
    assert np.mean(np.all(region == (200, 100, 50), axis=1)) > 0.75


def test_a_large_face_is_sampled_on_a_grid_of_bounded_side():
    r = 300
    image = _disc_image(700, 700, 350, 350, r)
    region = face_region(image, _circle_mesh(350, 350, r))
    stride = math.ceil((2 * r + 2) / MAX_REGION_SIDE)
    polygon_area = 0.5 * len(fm.FACE_OVAL) * r**2 * math.sin(2 * math.pi / len(fm.FACE_OVAL))
    assert abs(len(region) - polygon_area / stride**2) < 0.06 * polygon_area / stride**2
    assert len(region) <= MAX_REGION_SIDE**2 and not np.any(np.all(region == (0, 0, 255), axis=1))


def test_a_face_cut_by_the_frame_keeps_the_part_inside_and_a_face_outside_gives_nothing():
    image = _disc_image(100, 100, 0, 50, 40)  # centred on the left border: half of it in the frame
    region = face_region(image, _circle_mesh(0, 50, 40))
    polygon_area = 0.5 * len(fm.FACE_OVAL) * 40**2 * math.sin(2 * math.pi / len(fm.FACE_OVAL))
    assert abs(len(region) - polygon_area / 2) < 0.08 * polygon_area / 2
    outside = face_region(image, _circle_mesh(-200, 50, 40))
    assert outside.shape == (0, 3) and outside.dtype == np.uint8


def _cheek_points(left_eye, right_eye, mouth):
    left_eye, right_eye, mouth = (np.array(p, float) for p in (left_eye, right_eye, mouth))
    return types.SimpleNamespace(
        left_eye=left_eye,
        right_eye=right_eye,
        eye_mid=(left_eye + right_eye) / 2,
        mouth_centre=mouth,
        planar_eye_distance=float(np.linalg.norm(right_eye - left_eye)),
    )


def _coordinates_image(height, width):
    """Each pixel holds its own x in red and y in green."""
    y, x = np.mgrid[:height, :width]
    return np.stack([x, y, np.zeros_like(x)], axis=-1).astype(np.uint8)


def test_the_cheek_squares_lie_below_and_outside_each_eye():
    # eyes 40 px apart on a level line, mouth 40 px below their middle: squares of 0.3 x 40 = 12 px, starting half
    # way down to the mouth (20 px below the eyes), outward from each eye
    patches = pixels.cheek_patches(_coordinates_image(120, 120), _cheek_points((40, 40), (80, 40), (60, 80)))
    assert patches.shape == (2, 144, 3)
    left = {(int(r), int(g)) for r, g, _ in patches[0]}
    right = {(int(r), int(g)) for r, g, _ in patches[1]}
    assert left == {(x, y) for x in range(28, 40) for y in range(60, 72)}
    assert right == {(x, y) for x in range(80, 92) for y in range(60, 72)}


def test_the_cheek_squares_turn_with_the_eyes():
    # the same face turned 90 degrees: eyes on a vertical line, the mouth to the left; "down" is then -x
    patches = pixels.cheek_patches(_coordinates_image(120, 120), _cheek_points((80, 40), (80, 80), (40, 60)))
    left = {(int(r), int(g)) for r, g, _ in patches[0]}
    assert left == {(x, y) for x in range(48, 60) for y in range(28, 40)}


def test_cheek_squares_mostly_outside_the_photo_give_none_and_a_cut_one_is_trimmed_to_the_other():
    image = _coordinates_image(120, 120)
    half = pixels.cheek_patches(image, _cheek_points((34, 40), (74, 40), (54, 80)))  # left square x 22..33: inside
    assert half is not None and half.shape == (2, 144, 3)
    cut = pixels.cheek_patches(image, _cheek_points((18, 40), (58, 40), (38, 80)))  # left square x 6..17, inside
    assert cut.shape == (2, 144, 3)
    mostly_out = pixels.cheek_patches(image, _cheek_points((5, 40), (45, 40), (25, 80)))  # x -7..4: 5 of 12 inside
    assert mostly_out is None
    just_in = pixels.cheek_patches(image, _cheek_points((6, 40), (46, 40), (26, 80)))  # x -6..5: 6 of 12 inside
    assert just_in.shape == (2, 72, 3)  # both trimmed to the pixels the cut one has
    low = pixels.cheek_patches(image, _cheek_points((40, 40), (80, 40), (60, 80)))
    assert low.shape == (2, 144, 3)
    bottom = pixels.cheek_patches(image[:66], _cheek_points((40, 40), (80, 40), (60, 80)))  # rows 60..65 of 60..71
    assert bottom.shape == (2, 72, 3)
    assert pixels.cheek_patches(image[:65], _cheek_points((40, 40), (80, 40), (60, 80))) is None


def _grey_pixels(levels):
    """Grey uint8 RGB pixels whose 8-bit luminance (of linear light) is each of `levels`."""
    luminance = np.floor(pixels.LINEAR * 255.0 + 0.5)
    greys = [int(np.argmin(np.abs(luminance - level))) for level in levels]
    assert [luminance[g] for g in greys] == list(levels), "a level no sRGB grey reaches"
    return np.repeat(np.asarray(greys, np.uint8)[:, None], 3, axis=1)


def test_luminance_weights_each_channel_by_its_share_of_linear_light():
    assert pixels.luminance(_grey_pixels([0, 25, 128, 255])).tolist() == [0, 25, 128, 255]
    assert pixels.luminance(np.array([[25, 25, 25]], np.uint8)).tolist() == [2]  # sRGB 25 is 1 % of the light
    red, green, blue = (np.eye(3, dtype=np.uint8)[i][None] * 255 for i in range(3))
    assert [int(pixels.luminance(c)[0]) for c in (red, green, blue)] == [54, 182, 18]  # 255 x 0.2126 / 0.7152 / 0.0722


def test_exposure_counts_the_ofiq_ranges_inclusive():
    # 2 pixels at the top of the dark range (25), 1 just above it; 3 in the bright range (247-255: 248, the lowest a
    # grey reaches), 2 just below it (246)
    region = _grey_pixels([25, 25, 26, 248, 248, 248, 246, 246])
    got = pixels.luminance_components(region)
    assert got["under_exposure"][0] == pytest.approx(2 / 8) and got["over_exposure"][0] == pytest.approx(3 / 8)
    assert got["over_exposure"][1] == pixels.ofiq.clip_round(1.0 / (3 / 8 + 0.01))
    assert got["under_exposure"][1] == pixels.ofiq.UNDER_EXPOSURE(2 / 8)
    levels = np.array([25, 25, 26, 248, 248, 248, 246, 246]) / 255.0
    mean, variance = levels.mean(), levels.var()
    assert got["luminance_mean"][0] == pytest.approx(mean) and got["luminance_variance"][0] == pytest.approx(variance)
    s = pixels.ofiq.sigmoid
    assert got["luminance_mean"][1] == pixels.ofiq.clip_round(100 * s(mean, 0.2, 0.05) * (1 - s(mean, 0.8, 0.05)))
    assert got["luminance_variance"][1] == pixels.ofiq.clip_round(
        100 * math.sin(math.pi * 60 * variance / (60 * variance + 1))
    )  # OFIQ's luminance mappings
    entropy = -(
        2 / 8 * math.log2(2 / 8) + 1 / 8 * math.log2(1 / 8) + 3 / 8 * math.log2(3 / 8) + 2 / 8 * math.log2(2 / 8)
    )
    assert got["dynamic_range"][0] == pytest.approx(entropy) and got["dynamic_range"][1] == round(12.5 * entropy)


@pytest.mark.parametrize("level, low, high", [(51, 48, 52), (128, 98, 100), (204, 48, 52), (10, 0, 5), (250, 0, 5)])
def test_luminance_mean_value_peaks_between_the_two_sigmoids(level, low, high):
    got = pixels.luminance_components(_grey_pixels([level] * 4))["luminance_mean"][1]
    assert low <= got <= high


def test_illumination_uniformity_is_the_overlap_of_the_two_cheeks_histograms():
    same = np.stack([_grey_pixels([100, 119, 141, 159])] * 2)
    assert pixels.illumination_uniformity(same) == (1.0, 100)
    half = np.stack([_grey_pixels([100, 100, 119, 119]), _grey_pixels([100, 100, 200, 200])])
    assert pixels.illumination_uniformity(half) == (0.5, pixels.ofiq.clip_round(100 * 0.5**0.3))
    apart = np.stack([_grey_pixels([10] * 4), _grey_pixels([200] * 4)])
    assert pixels.illumination_uniformity(apart) == (0.0, 0)


def test_sharpness_reads_the_grey_of_the_crop():
    rng = np.random.default_rng(0)
    noise = rng.integers(0, 256, (112, 112), dtype=np.uint8)
    for channel in range(3):  # detail in one channel only: seen through its grey weight alone
        crop = np.full((112, 112, 3), 128, np.uint8)
        crop[..., channel] = noise
        raw, _ = pixels.sharpness(crop)
        grey = np.full((112, 112, 3), 0, np.uint8)
        weight = (0.299, 0.587, 0.114)[channel]
        grey[...] = np.round(128 + weight * (noise.astype(float) - 128))[..., None]
        assert raw == pytest.approx(pixels.sharpness(grey)[0], rel=0.02), channel
    assert pixels.sharpness(np.full((112, 112, 3), 90, np.uint8))[0] == 0.0  # no contrast: no sharpness


def test_luminance_components_of_uniform_and_two_level_regions():
    grey = np.full((100, 3), 128, np.uint8)
    # sRGB 128 → linear ((128/255 + 0.055) / 1.055)^2.4 = 0.2158 → 8-bit luminance floor(55.04 + 0.5) = 55.
    values = pixels.luminance_components(grey)
    assert values["luminance_mean"][0] == pytest.approx(55 / 255)
    assert values["luminance_mean"][1] == 58  # 100·σ((0.2157 − 0.2)/0.05)·(1 − σ((0.2157 − 0.8)/0.05))
    assert values["luminance_variance"] == (0.0, 0) and values["dynamic_range"] == (0.0, 0)
    two = np.concatenate([np.zeros((50, 3), np.uint8), np.full((50, 3), 255, np.uint8)])
    values = pixels.luminance_components(two)
    assert values["luminance_mean"][0] == pytest.approx(0.5) and values["luminance_variance"][0] == pytest.approx(0.25)
    assert values["luminance_variance"][1] == 20  # 100·sin(π·15/16)
    assert values["dynamic_range"] == (pytest.approx(1.0), 12)  # one bit; 12.5 rounds to 12 (half to even)
    assert values["under_exposure"] == (pytest.approx(0.5), 100) and values["over_exposure"] == (pytest.approx(0.5), 2)


def test_cielab_of_neutral_grey_and_of_srgb_red():
    a, b = pixels.cie_ab(np.array([0.5, 0.5, 0.5]))
    assert abs(a) < 0.5 and abs(b) < 0.5
    a, b = pixels.cie_ab(np.array([1.0, 0.0, 0.0]))  # sRGB red in CIELAB (D50): a* 80.8, b* 69.9 (published)
    assert a == pytest.approx(80.8, abs=0.6) and b == pytest.approx(69.9, abs=0.6)
    raw, value = pixels.natural_colour(np.full((2, 4, 3), (255, 0, 0), np.uint8))
    assert raw == pytest.approx(math.hypot(a - 25, b - 35)) and value == 0


def test_illumination_uniformity_of_equal_and_disjoint_cheeks():
    same = np.full((2, 9, 3), 90, np.uint8)
    assert pixels.illumination_uniformity(same) == (pytest.approx(1.0), 100)
    apart = np.stack([np.full((9, 3), 20, np.uint8), np.full((9, 3), 200, np.uint8)])
    assert pixels.illumination_uniformity(apart) == (0.0, 0)
