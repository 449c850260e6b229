"""crfiqa_tf.align.second_look: which candidates are looked at again and where (known answers), and what the second
look finds on composites of the packaged photos (crfiqa_tf.data.composites): a group-photo face the tiles score
below the threshold, no face on face-free frames, no look without tiles."""

import numpy as np
import pytest

from crfiqa_tf.align import second_look
from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.data.composites import BACKGROUNDS, GROUP, paste, score_detections


def square(x, y, side=20.0):
    return [x, y, x + side, y + side]


def test_hints_are_the_best_scored_apart_from_faces_already_seen_and_from_each_other():
    boxes = np.array([square(0, 0), square(100, 0), square(104, 2), square(300, 300), square(500, 0)], np.float32)
    scores = np.array([0.40, 0.30, 0.35, 0.20, 0.45])
    seen = np.array([square(502, 1)], np.float32)  # a face above the threshold over the last box
    # 4 (0.45) overlaps the face seen; 2 (0.35) is kept before 1 (0.30), which overlaps it
    assert second_look.hints(boxes, scores, seen).tolist() == [0, 2, 3]
    assert second_look.hints(boxes, scores, np.zeros((0, 4))).tolist() == [4, 0, 2, 3]
    assert second_look.hints(np.zeros((0, 4)), np.zeros(0), seen).tolist() == []


def test_boxes_that_touch_without_overlapping_enough_are_both_hints():
    boxes = np.array([square(0, 0), square(10, 0)], np.float32)  # IoU 1/3: over HINT_IOU
    assert second_look.hints(boxes, np.array([0.3, 0.2]), np.zeros((0, 4))).tolist() == [0]
    boxes = np.array([square(0, 0), square(11, 0)], np.float32)  # IoU 9/31: under it
    assert second_look.hints(boxes, np.array([0.3, 0.2]), np.zeros((0, 4))).tolist() == [0, 1]


def test_at_most_max_looks_hints_best_first():
    boxes = np.array([square(40.0 * i, 0) for i in range(second_look.MAX_LOOKS + 3)], np.float32)
    scores = np.linspace(0.2, 0.4, len(boxes))
    chosen = second_look.hints(boxes, scores, np.zeros((0, 4)))
    assert chosen.tolist() == list(range(len(boxes) - 1, len(boxes) - 1 - second_look.MAX_LOOKS, -1))


def test_a_small_hint_is_looked_at_in_source_pixels_and_a_large_one_shrunk_by_steps_of_root_2():
    # never enlarged: a 20 px box is looked at in source pixels, its window's corner on the 16 px grid
    assert second_look.window([100, 50, 120, 70]) == (16, -32, 192)  # (110 − 96) / 16 = 0.875 → 1; −2.25 → −2
    # a 200 px box: √2⁴ shows it at 50 px (√2³ would be 71, over LOOK_BOX); grid 64 source pixels
    assert second_look.window([1000, 800, 1200, 960]) == (704, 512, 768)
    # an 80 px box: one step (side 192·√2 → 272, grid 22.67 px); the corner is floored, not truncated: −22.67 → −23
    assert second_look.window([73.3, 73.3, 153.3, 153.3]) == (-23, -23, 272)
    assert second_look.window([0, 0, 64, 64])[2] == 192 and second_look.window([0, 0, 64.5, 64])[2] == 272
    assert second_look.window([0, 0, 20, 200])[2] == 768  # the longer side decides, whichever it is
    assert second_look.window([5, 5, 5, 5]) == (-96, -96, 192)  # a box of no size still has a window


def test_window_pixels_are_the_photos_and_black_past_its_edges():
    image = np.arange(6 * 8 * 3, dtype=np.uint8).reshape(6, 8, 3) + 1
    out = second_look.window_pixels(image, -2, 3, 5)
    assert out.shape == (5, 5, 3)
    np.testing.assert_array_equal(out[:3, 2:], image[3:6, 0:3])
    assert not out[:, :2].any() and not out[3:].any()
    assert not second_look.window_pixels(image, 20, 20, 4).any()  # wholly outside
    assert not second_look.window_pixels(image, -10, 0, 4).any()  # beside the photo, level with it
    np.testing.assert_array_equal(second_look.window_pixels(image, 1, -1, 4)[1:], image[0:3, 1:5])  # above its top


def test_a_window_keeps_whole_faces_and_drops_the_ones_it_cuts_inside_the_photo():
    boxes = np.array(
        [
            [60, 60, 120, 120],  # whole inside
            [-5, 60, 40, 100],  # crosses the window's left edge, which lies inside the photo
            [150, 60, 200, 110],  # crosses its right edge
            [20, 20, 120, 120],  # larger than the tiles' overlap
        ],
        np.float32,
    )
    assert second_look.kept_in_window(boxes, 100, 100, 192, 480, 640).tolist() == [True, False, False, False]
    # the same window at the photo's top-left corner: its left edge is the photo's, nothing lies past it
    assert second_look.kept_in_window(boxes, 0, 0, 192, 480, 640).tolist() == [True, True, False, False]
    # a window of twice the side looks at the photo halved: the same detector boxes are its 2× larger faces
    assert second_look.kept_in_window(boxes, 0, 0, 384, 480, 640).tolist() == [True, True, False, False]
    # halved, a window at (100, 100) of a 480×640 photo is a tile at (50, 50) of a 240×320 level: its right edge lies
    # inside the level (a face across it is cut), its bottom edge is the level's (a face across it is whole)
    across = np.array([[60, 60, 120, 120], [150, 60, 200, 110], [60, 150, 110, 200]], np.float32)
    assert second_look.kept_in_window(across, 100, 100, 384, 480, 640).tolist() == [True, False, True]
    # at (300, 60) it is a tile at (150, 30): now its right edge lies past the level's and its bottom edge inside it
    assert second_look.kept_in_window(across[1:], 300, 60, 384, 480, 640).tolist() == [True, False]


@pytest.fixture(scope="module")
def detector():
    return BlazeFaceDetector(threads=1)


def counting_windows(detector, monkeypatch):
    looks = []
    window_candidates = detector._window_candidates

    def counted(image, left, top, side):
        looks.append((left, top, side))
        return window_candidates(image, left, top, side)

    monkeypatch.setattr(detector, "_window_candidates", counted)
    return looks


def test_a_group_face_the_tiles_score_below_the_threshold_is_found_by_a_second_look(detector, monkeypatch):
    # the group photo with 20 px between the eyes of its largest face in a VGA frame (benchmarks/small_faces.py's
    # composite that the tiles alone missed a face of, 25 px between the eyes)
    composite = paste((640, 480), [(GROUP, 20, (0.619, 0.603))])
    looks = counting_windows(detector, monkeypatch)
    found, false = score_detections(composite, detector.detect(composite.image))
    assert all(found) and false == 0 and len(found) == 4  # the whole faces; two more are cut by the frame
    assert 1 <= len(looks) <= second_look.MAX_LOOKS
    monkeypatch.setattr(second_look, "MAX_LOOKS", 0)
    without, _ = score_detections(composite, detector.detect(composite.image))
    assert sum(without) == sum(found) - 1  # the tiles alone miss one of them


def test_face_free_frames_are_looked_at_again_and_give_no_face(detector, monkeypatch):
    looks = counting_windows(detector, monkeypatch)
    for background in BACKGROUNDS:
        assert detector.detect(paste((1280, 960), [], background=background).image) == []
    assert looks  # hints there were, and the Face Mesh rejected what the windows saw


def test_no_second_look_without_tiles(monkeypatch):
    whole_frame = BlazeFaceDetector(threads=1, min_face=None)
    looks = counting_windows(whole_frame, monkeypatch)
    composite = paste((640, 480), [(GROUP, 20, (0.619, 0.603))])
    whole_frame.detect(composite.image)
    assert looks == []


def test_the_score_floor_reaches_down_to_the_hints_only_where_they_are_looked_at():
    assert second_look.score_floor(0.5, looks_again=True) == second_look.HINT_SCORE == 0.15
    assert second_look.score_floor(0.5, looks_again=False) == 0.5
    assert second_look.score_floor(0.1, looks_again=True) == 0.1  # a threshold below the hints' floor stays
