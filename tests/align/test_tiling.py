"""crfiqa_tf.align.tiling: the plan of levels and tiles (known answers) and detection
by face size on composites of the packaged photos (crfiqa_tf.data.composites): small faces in large frames at
several positions, several sizes in one frame, face-free frames."""

import numpy as np
import pytest

from crfiqa_tf.align import tiling
from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.data.composites import BACKGROUNDS, PORTRAITS, paste, score_detections


@pytest.fixture(scope="module")
def tiled():
    return BlazeFaceDetector(threads=1)


@pytest.fixture(scope="module")
def whole_frame():
    return BlazeFaceDetector(threads=1, min_face=None)


def test_the_plan_of_an_svga_frame_is_four_tiles_at_the_scale_that_gives_20_px_eyes_8_px():
    (level,) = tiling.plan(600, 800, 20)
    assert level.scale == pytest.approx(8 / 20)
    assert (level.height, level.width) == (240, 320)
    assert level.origins.tolist() == [[0, 0], [128, 0], [0, 48], [128, 48]]


def test_the_plan_of_a_12_mp_photo_halves_the_scale_until_the_whole_frame_is_close():
    levels = tiling.plan(3000, 4000, 20)
    assert [round(level.scale, 4) for level in levels] == [0.4, 0.2, 0.1]  # 0.05 is within √2 of 192/4000
    assert [(level.height, level.width) for level in levels] == [(1200, 1600), (600, 800), (300, 400)]
    assert [len(level.origins) for level in levels] == [9 * 12, 5 * 6, 2 * 3]
    assert tiling.tile_count(3000, 4000, 20) == 144
    assert tiling.tile_count(960, 1280, 20) == 12  # one level of 512×384: 4 × 3 tiles (as the README says)


def test_no_tiles_where_the_whole_frame_already_shows_the_smallest_face():
    assert tiling.plan(480, 640, None) == []
    assert tiling.plan(480, 640, 60) == []  # 60 px eyes are 18 px in the 192 px whole frame
    assert tiling.plan(512, 512, 20) == []  # 0.4 is within LEVEL_MARGIN of 192/512
    assert tiling.plan(480, 640, 20) == []  # 0.4 against 0.3: the second looks are enough (test_second_look.py)
    assert len(tiling.plan(540, 720, 20)) == 1  # 0.4 against 0.267: just over √2
    assert tiling.plan(112, 112, 20) == []  # never enlarged
    assert len(tiling.plan(480, 640, 10)) == 1 and tiling.plan(480, 640, 10)[0].scale == pytest.approx(0.8)
    assert tiling.plan(480, 640, 2)[0].scale == tiling.MAX_SCALE


@pytest.mark.parametrize("length", [1, 191, 192, 193, 256, 320, 321, 1200, 1601])
def test_tiles_cover_a_side_and_overlap_by_at_least_the_overlap(length):
    starts = tiling.tile_starts(length)
    assert starts[0] == 0
    if length <= tiling.INPUT_SIZE:
        assert starts.tolist() == [0]
        return
    assert starts[-1] + tiling.INPUT_SIZE == length
    assert (np.diff(starts) <= tiling.INPUT_SIZE - tiling.TILE_OVERLAP).all() and (np.diff(starts) > 0).all()
    fewer = np.linspace(0, length - tiling.INPUT_SIZE, len(starts) - 1) if len(starts) > 2 else None
    if fewer is not None:  # one tile fewer would not keep the overlap: the count is the smallest that does
        assert np.diff(fewer).max() > tiling.INPUT_SIZE - tiling.TILE_OVERLAP


def test_a_tile_keeps_whole_faces_and_drops_cut_and_oversized_ones():
    boxes = np.array(
        [
            [10, 10, 60, 60],  # whole, inside
            [-5, 10, 40, 60],  # crosses the left edge
            [150, 150, 200, 200],  # crosses the right and bottom edges
            [20, 20, 20 + tiling.TILE_OVERLAP + 1, 60],  # larger than the overlap
            [20, 20, 20 + tiling.TILE_OVERLAP, 60],  # exactly the overlap: kept
        ],
        np.float64,
    )
    inner = tiling.kept_in_tile(boxes, np.array([64, 64]), 512, 512)  # a tile inside the level
    assert inner.tolist() == [True, False, False, False, True]
    corner = tiling.kept_in_tile(boxes, np.array([0, 0]), 192, 192)  # the only tile: its edges are the level's
    assert corner.tolist() == [True, True, True, False, True]
    right = tiling.kept_in_tile(
        boxes, np.array([64, 0]), 192, 256
    )  # right tile of a VGA level: right edge is the frame's
    assert right.tolist() == [True, False, True, False, True]


@pytest.mark.parametrize("value", [0, -3, "twenty", float("nan"), float("inf")])
def test_a_bad_min_face_is_refused_naming_it(value):
    with pytest.raises(ValueError, match="min_face must be a"):
        tiling.check_min_face(value)
    with pytest.raises(ValueError, match="min_face must be a"):
        BlazeFaceDetector(min_face=value)


def test_min_face_from_the_command_line():
    assert tiling.parse_min_face("none") is None and tiling.parse_min_face("None") is None
    assert tiling.parse_min_face("12.5") == 12.5
    with pytest.raises(ValueError):
        tiling.parse_min_face("0")


# -- detection by face size ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "size", [(640, 480), (1280, 960), pytest.param((4000, 3000), marks=pytest.mark.slow(reason="12 MP frames, ~12 s"))]
)
def test_faces_with_20_to_40_px_between_the_eyes_are_found_in_every_frame_size(tiled, whole_frame, size):
    rng = np.random.default_rng(size[0])
    found_tiled, found_whole, false_faces = [], [], 0
    for k, eye in enumerate((20, 25, 32, 40) if size[0] < 4000 else (20, 32)):
        for name in (*PORTRAITS, "group_of_six"):
            where = (rng.uniform(0.15, 0.85), rng.uniform(0.15, 0.85))
            composite = paste(size, [(name, eye, where)], background=BACKGROUNDS[k % 2])
            found, false = score_detections(composite, tiled.detect(composite.image))
            found_tiled += found
            false_faces += false
            if size[0] > 640 and (size[0] < 4000 or k == 0):
                found_whole += score_detections(composite, whole_frame.detect(composite.image))[0]
    assert false_faces == 0
    assert np.mean(found_tiled) >= 0.95, f"{sum(found_tiled)} of {len(found_tiled)} faces found in {size}"
    if size[0] > 640:  # the whole frame alone misses most of them: the tiles are what finds them
        assert np.mean(found_whole) < 0.5


def test_several_sizes_in_one_frame_are_all_found_with_their_points(tiled):
    composite = paste(
        (1600, 1200),
        [("grace_hopper", 90, (0.25, 0.35)), ("astronaut", 40, (0.65, 0.3)), ("cameraman", 22, (0.6, 0.75))],
    )
    faces = tiled.detect(composite.image)
    found, false = score_detections(composite, faces)
    assert found == [True, True, True] and false == 0
    for pasted in composite.faces:
        (match,) = [
            f for f in faces if np.linalg.norm(f.landmarks[:2].mean(0) - pasted.eyes.mean(0)) < pasted.inter_eye
        ]
        # the eyes where the photo put them, within a tenth of the eye distance, at every size
        assert np.linalg.norm(match.landmarks[:2] - pasted.eyes, axis=1).max() < 0.1 * pasted.inter_eye


@pytest.mark.parametrize("background", BACKGROUNDS)
def test_face_free_frames_give_no_face_at_any_size(tiled, background):
    for size in ((640, 480), (1920, 1440)):
        assert tiled.detect(paste(size, [], background=background).image) == []


def test_large_faces_are_decided_by_the_whole_frame_as_before(tiled, whole_frame):
    from crfiqa_tf.data.sample_photos import photo

    for name in ("grace_hopper", "astronaut"):
        (a,), (b,) = tiled.detect(photo(name)), whole_frame.detect(photo(name))
        np.testing.assert_allclose(a.landmarks, b.landmarks, atol=1e-6)


# --- known answers at every boundary (issue 53; the TF twin is held equal to these in test_twin_properties.py) ----


@pytest.mark.parametrize(
    "box,origin,kept",
    [
        ([0.0, 10, 40, 50], (64, 0), True),  # touching the left edge of an inner tile: not cut
        ([-0.5, 10, 40, 50], (64, 0), False),  # crossing it: cut
        ([-0.5, 10, 40, 50], (0, 0), True),  # crossing the level's own left edge: kept
        ([-0.5, 10, 40, 50], (1, 0), False),  # a tile one pixel in is inner
        ([10, 0.0, 50, 40], (0, 64), True),  # the top edge, the same
        ([10, -0.5, 50, 40], (0, 64), False),
        ([10, -0.5, 50, 40], (0, 0), True),
        ([10, -0.5, 50, 40], (0, 1), False),
        ([150, 10, 192.0, 50], (0, 0), True),  # touching the right edge of a tile with level beyond: not cut
        ([150, 10, 192.5, 50], (0, 0), False),
        ([150, 10, 192.5, 50], (308, 0), True),  # the tile ends at the level's right edge (308 + 192 = 500)
        ([10, 150, 50, 192.0], (0, 0), True),  # the bottom edge, the same
        ([10, 150, 50, 192.5], (0, 0), False),
        ([10, 150, 50, 192.5], (0, 208), True),  # 208 + 192 = 400: the level's bottom
        ([10, 10, 74.0, 74.0], (0, 0), True),  # exactly TILE_OVERLAP wide: kept
        ([10, 10, 74.5, 20], (0, 0), False),  # wider: a coarser level's
        ([10, 10, 20, 74.5], (0, 0), False),  # taller: the same
    ],
)
def test_the_tile_filter_at_each_edge_and_size_limit(box, origin, kept):
    assert tiling.kept_in_tile(np.array([box]), np.array(origin), 400, 500).tolist() == [kept]


def test_tile_starts_at_and_around_one_tile():
    assert tiling.tile_starts(tiling.INPUT_SIZE).tolist() == [0] and tiling.tile_starts(1).tolist() == [0]
    assert tiling.tile_starts(tiling.INPUT_SIZE + 1).tolist() == [0, 1]
    assert tiling.tile_starts(tiling.INPUT_SIZE).dtype == np.int64 == tiling.tile_starts(1000).dtype


def test_level_sizes_are_at_least_one_pixel_each_side():
    assert tiling.level_size(1, 3000, 0.1) == (1, 300) and tiling.level_size(3000, 1, 0.1) == (300, 1)
    assert tiling.level_size(25, 35, 0.1) == (2, 4)  # 2.5 rounds to even, 3.5 to even


def test_levels_stop_at_the_margin_and_at_the_most_levels():
    margin = tiling.INPUT_SIZE * tiling.LEVEL_MARGIN
    # the first scale (8 / 20 = 0.4) exactly at the margin: no level; a pixel more: one
    at = margin / 0.4
    assert tiling.level_scales(int(np.ceil(at)) - 1, 10, 20.0) == []
    assert tiling.level_scales(int(np.ceil(at)) + 1, 10, 20.0) == [0.4]
    # halving stops where the next scale would be at the margin or closer
    longer = int(margin / 0.1)  # 0.1 exactly at the margin would need this side
    assert tiling.level_scales(longer, 10, 20.0) == [0.4, 0.2]
    assert tiling.level_scales(longer + 2, 10, 20.0) == [0.4, 0.2, 0.1]
    assert len(tiling.level_scales(10**8, 10, 8.0)) == tiling.MAX_LEVELS  # never more levels than MAX_LEVELS
    assert tiling.level_scales(10**8, 10, 8.0)[0] == tiling.MAX_SCALE  # never enlarged


def test_a_min_face_of_one_pixel_is_accepted():
    assert tiling.check_min_face(1) == 1.0 and tiling.check_min_face(0.5) == 0.5
