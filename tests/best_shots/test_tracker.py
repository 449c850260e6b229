"""crfiqa_tf.best_shots.tracker: boxes placed by hand, so every answer is known by construction — which track each
box joins, when a track starts and ends, the velocity it predicts with, and each threshold on both sides."""

import numpy as np
import pytest

from crfiqa_tf.best_shots.tracker import VELOCITY_SMOOTHING, Track, Tracker


def box(cx: float, cy: float, width: float = 100.0) -> np.ndarray:
    return np.array([cx - width / 2, cy - width / 2, cx + width / 2, cy + width / 2])


def ids(tracks) -> list[int]:
    return [track.id for track in tracks]


def test_two_faces_in_one_frame_never_share_a_track():
    tracker = Tracker()
    assigned, started, _ = tracker.step([box(100, 100), box(130, 100)], 0, 0.0)  # overlapping, 0.3 widths apart
    assert ids(assigned) == [1, 2] and ids(started) == [1, 2]
    # next frame: both boxes are nearest the same track's prediction; the second still gets the other track
    assigned, started, _ = tracker.step([box(101, 100), box(102, 100)], 1, 40.0)
    assert sorted(ids(assigned)) == [1, 2] and started == []


def test_each_face_joins_the_nearest_track_cheapest_pair_first():
    tracker = Tracker()
    tracker.step([box(100, 100), box(300, 100)], 0, 0.0)
    assigned, started, _ = tracker.step([box(290, 100), box(110, 100)], 1, 40.0)  # given in swapped order
    assert ids(assigned) == [2, 1] and started == []


def test_a_face_far_from_every_track_starts_a_new_one_at_the_distance_limit():
    tracker = Tracker(max_distance=1.0)
    tracker.step([box(100, 100)], 0, 0.0)
    assigned, started, _ = tracker.step([box(200, 100)], 1, 40.0)  # exactly one width away: joins
    assert ids(assigned) == [1] and started == []
    tracker = Tracker(max_distance=1.0)
    tracker.step([box(100, 100)], 0, 0.0)
    assigned, started, _ = tracker.step([box(200.5, 100)], 1, 40.0)  # just beyond one width: a new track
    assert ids(assigned) == [2] and ids(started) == [2] and ids(tracker.live) == [1, 2]


def test_the_distance_is_in_widths_of_the_larger_box():
    tracker = Tracker(max_distance=1.0)
    tracker.step([box(100, 100, width=50)], 0, 0.0)
    assigned, started, _ = tracker.step([box(180, 100, width=100)], 1, 40.0)  # 80 px: 0.8 of the larger box
    assert ids(assigned) == [1] and started == []
    tracker = Tracker(max_distance=1.0)
    tracker.step([box(100, 100, width=100)], 0, 0.0)
    assigned, _, _ = tracker.step([box(180, 100, width=50)], 1, 40.0)  # the same with the sizes the other way
    assert ids(assigned) == [1]


def test_a_track_ends_only_after_more_than_the_gap_without_a_face():
    tracker = Tracker(max_gap_ms=100.0)
    tracker.step([box(100, 100)], 0, 0.0)
    _, _, ended = tracker.step([], 1, 100.0)  # exactly the gap: still live
    assert ended == [] and ids(tracker.live) == [1]
    _, _, ended = tracker.step([], 2, 100.5)
    assert ids(ended) == [1] and tracker.live == []
    assigned, started, _ = tracker.step([box(100, 100)], 3, 140.0)  # the same place again: a new person
    assert ids(assigned) == [2] and ids(started) == [2]


def test_the_velocity_is_smoothed_and_the_prediction_follows_it():
    tracker = Tracker()
    tracker.step([box(100, 100)], 0, 0.0)
    tracker.step([box(110, 100)], 1, 10.0)  # 1 px/ms measured
    track = tracker.live[0]
    assert track.velocity == pytest.approx([VELOCITY_SMOOTHING * 1.0, 0.0])
    tracker.step([box(130, 120)], 2, 20.0)  # 2 px/ms in x, 2 in y measured
    expected = (1 - VELOCITY_SMOOTHING) * np.array([VELOCITY_SMOOTHING, 0.0]) + VELOCITY_SMOOTHING * np.array([2, 2])
    assert track.velocity == pytest.approx(expected)
    assert track.predicted_centre(30.0) == pytest.approx(np.array([130.0, 120.0]) + expected * 10.0)
    assert track.faces_seen == 3 and (track.first_frame, track.last_frame) == (0, 2)
    assert (track.first_ms, track.last_ms) == (0.0, 20.0)


def test_a_face_at_the_same_timestamp_does_not_change_the_velocity():
    track = Track(1, box(100, 100), 0, 0, 0.0, 0.0, velocity=np.array([0.5, -0.5]))
    track.update(box(150, 100), 1, 0.0)
    assert track.velocity == pytest.approx([0.5, -0.5]) and track.centre == pytest.approx([150.0, 100.0])


def test_a_moving_face_is_joined_by_its_prediction_where_its_last_place_is_too_far():
    tracker = Tracker(max_distance=0.5)  # the velocity reaches 0.875 px/ms: predicted 35 px on
    for frame in range(4):  # 40 px per frame, 100 px wide: each step is 0.4 widths
        tracker.step([box(100 + 40 * frame, 100)], frame, 40.0 * frame)
    assigned, started, _ = tracker.step([box(100 + 40 * 3 + 70, 100)], 4, 40.0 * 4)  # 0.7 widths from its last
    assert ids(assigned) == [1] and started == []


def test_finish_ends_every_live_track_and_ids_continue():
    tracker = Tracker(first_id=7)
    tracker.step([box(100, 100), box(400, 100)], 0, 0.0)
    assert tracker.next_id == 9
    assert ids(tracker.finish()) == [7, 8] and tracker.live == []
    assigned, _, _ = tracker.step([box(100, 100)], 1, 40.0)
    assert ids(assigned) == [9]


def test_one_track_near_two_faces_takes_one_and_the_other_starts_its_own():
    tracker = Tracker()
    tracker.step([box(100, 100)], 0, 0.0)
    assigned, started, _ = tracker.step([box(101, 100), box(105, 100)], 1, 40.0)
    assert ids(assigned) == [1, 2] and ids(started) == [2]
    assert (started[0].first_frame, started[0].last_frame, started[0].first_ms, started[0].last_ms) == (
        1,
        1,
        40.0,
        40.0,
    )


def test_the_defaults_and_the_gap_measured_from_the_last_face():
    tracker = Tracker()
    assert (tracker.max_gap_ms, tracker.max_distance, tracker.next_id) == (1000.0, 1.0, 1)
    tracker.step([box(100, 100)], 0, 5000.0)
    _, _, ended = tracker.step([], 1, 6000.0)  # 1000 ms after its face: still live
    assert ended == [] and ids(tracker.live) == [1]
    assigned, _, _ = tracker.step([box(199, 100)], 2, 6000.0)  # 0.99 widths away: joins
    assert ids(assigned) == [1]


def test_a_velocity_is_measured_over_any_positive_interval_and_a_degenerate_box_counts_one_pixel_wide():
    track = Track(1, box(100, 100), 0, 0, 0.0, 0.0)
    track.update(box(100.5, 100), 1, 0.5)  # half a millisecond later: 1 px/ms measured
    assert track.velocity == pytest.approx([VELOCITY_SMOOTHING, 0.0])
    tracker = Tracker(max_distance=1.0)
    point = np.array([10.0, 10.0, 10.0, 10.0])
    tracker.step([point], 0, 0.0)
    assigned, started, _ = tracker.step([point + [1.5, 0, 1.5, 0]], 1, 40.0)  # 1.5 px from a zero-width box
    assert ids(assigned) == [2] and ids(started) == [2]
