"""crfiqa_tf.best_shots.selector: shots per track, the gap and K at their boundaries, memory bounded to each track's
best crops, the checks holding faces back from the quality network, and a person walking towards the camera
tracked from the first small frames (a scorer double whose quality is the crop's sharpness)."""

from support.scorer_doubles import SharpnessScorer
from support.stream_frames import (
    approaching_frames,
    drifting_frames,
)

from crfiqa_tf.best_shots import BestShots


def test_per_track_min_gap_and_quality_every_are_honoured():
    frames = drifting_frames([0, 2, 1, 0.5, 3, 0, 1.5, 0.5, 2, 0, 1, 0.5] * 2)  # 24 frames, 40 ms apart: 920 ms
    for per_track, gap, kept in ((3, 500.0, 2), (4, 0.0, 4)):  # 500 ms apart: two shots fit in 920 ms, not three
        selector = BestShots(SharpnessScorer(), per_track=per_track, min_gap_ms=gap, components=False)
        for i, frame in enumerate(frames):
            selector.update(frame, 40.0 * i)
        (track,) = selector.finish()
        stamps = sorted(s.timestamp_ms for s in track.shots)
        assert len(track.shots) == kept and all(b - a >= gap for a, b in zip(stamps, stamps[1:]))
        assert track.faces_scored == len(frames)  # quality every face
        if gap == 0:  # without a gap the kept shots are simply the best
            assert [s.quality for s in track.shots] == sorted(
                [s.quality for s in track.shots], reverse=True
            ) and track.shots[0].frame_index in (0, 5, 9, 12, 17, 21)
    selector = BestShots(SharpnessScorer(), quality_every=5, components=False)
    for i, frame in enumerate(frames):
        selector.update(frame, 40.0 * i)
    (track,) = selector.finish()
    assert track.faces_seen == 24 and track.faces_scored == 5  # faces 0, 5, 10, 15, 20


def test_memory_holds_only_each_tracks_best_crops():
    selector = BestShots(SharpnessScorer(), per_track=2, min_gap_ms=0, components=False, keep_finished=False)
    for i, frame in enumerate(drifting_frames([0, 1, 2] * 12)):
        selector.update(frame, 40.0 * i)
        assert all(len(state.shots) <= 2 and len(state.pool) <= 8 for state in selector._states.values())
    assert selector.finished == [] and len(selector.finish()) == 1


def test_faces_the_checks_reject_never_reach_the_quality_network():
    sigmas = [0] + [5] * 7  # after a sharp first face, faces too blurred to enrol (BLURRED)
    selector = BestShots(SharpnessScorer(), per_track=3, min_gap_ms=0)
    for i, frame in enumerate(drifting_frames(sigmas)):
        selector.update(frame, 40.0 * i)
    (track,) = selector.finish()
    assert (track.faces_seen, track.faces_scored, track.faces_gated) == (8, 1, 7)
    assert [s.frame_index for s in track.shots] == [0] and "held back by the checks" in track.line()


def test_a_person_walking_towards_the_camera_is_tracked_from_the_first_small_frames():
    from crfiqa_tf.align.aligner import FaceAligner

    frames = approaching_frames()
    first = {}
    for min_face in (20.0, None):
        aligner = FaceAligner(policy="all", min_face=min_face)
        selector = BestShots(SharpnessScorer(), per_track=40, min_gap_ms=0, components=False, aligner=aligner)
        for i, frame in enumerate(frames):
            selector.update(frame, 40.0 * i, i)
        (track,) = selector.finish()
        first[min_face] = min(shot.frame_index for shot in track.shots)
    # With the default minimum face the face is found from the first frame (box 8 % of the height, 16 px between the
    # eyes, 0.8 of the default minimum; a VGA frame has no tiles, a second look finds it); the whole frame alone
    # finds it only some frames later.
    assert first[20.0] == 0 and first[None] > first[20.0]
