"""Best shots from a stream: short videos and frame folders built from the packaged real photos — a face drifting
with known blur per frame, two faces crossing paths, frames without a face, a corrupt frame — through the
streaming API and the command, with a scorer double whose quality is the crop's sharpness (tests/scorer_doubles.py)
and, once, the real command on the exported int8 model in a process that never imports TensorFlow."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from helpers import assert_resumes, cli_argv, stop_when
from PIL import Image, ImageFilter
from scorer_doubles import SharpnessScorer

from crfiqa_tf.best_shots import BestShots, SourceError, open_source
from crfiqa_tf.best_shots.command import COLUMNS, run
from crfiqa_tf.data.sample_photos import photo

WIDTH, HEIGHT, SIDE = 640, 480, 200


def sprite(name: str, box, side: int = SIDE) -> np.ndarray:
    return np.asarray(Image.fromarray(photo(name)).crop(box).resize((side, side), Image.BILINEAR))


GRACE = ("grace_hopper", (150, 40, 450, 340))
ASTRONAUT = ("astronaut", (120, 0, 340, 220))


def canvas() -> np.ndarray:
    return np.full((HEIGHT, WIDTH, 3), 90, np.uint8)


def drifting_frames(sigmas) -> list[np.ndarray]:
    """Grace Hopper's face drifting left to right, blurred by sigmas[i] in frame i."""
    face = Image.fromarray(sprite(*GRACE))
    frames = []
    for i, sigma in enumerate(sigmas):
        frame = canvas()
        x = 20 + i * (WIDTH - SIDE - 40) // max(len(sigmas) - 1, 1)
        frame[140 : 140 + SIDE, x : x + SIDE] = np.asarray(
            face.filter(ImageFilter.GaussianBlur(sigma)) if sigma else face
        )
        frames.append(frame)
    return frames


def crossing_frames(count: int = 20):
    """Two faces on one row moving in opposite directions: mid-way one passes in front of the other and hides it.
    The true centres per frame."""
    a, b = sprite(*GRACE), sprite(*ASTRONAUT)
    frames, truth = [], []
    for i in range(count):
        frame = canvas()
        xa = 20 + i * (WIDTH - SIDE - 40) // (count - 1)
        xb = WIDTH - SIDE - 20 - i * (WIDTH - SIDE - 40) // (count - 1)
        frame[140 : 140 + SIDE, xa : xa + SIDE] = a
        frame[140 : 140 + SIDE, xb : xb + SIDE] = b  # in front
        frames.append(frame)
        truth.append((np.array([xa + SIDE // 2, 240]), np.array([xb + SIDE // 2, 240])))
    return frames, truth


def write_folder(folder, frames) -> str:
    folder.mkdir()
    for i, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"frame_{i:04d}.png")
    return str(folder)


def write_video(path, frames, fps: float = 25.0) -> str:
    import cv2

    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), fps, (WIDTH, HEIGHT))
    for frame in frames:
        writer.write(np.ascontiguousarray(frame[:, :, ::-1]))
    writer.release()
    return str(path)


def test_the_sharpest_frame_of_a_drifting_face_is_kept_first(tmp_path):
    sigmas = [3, 2, 1.5, 1, 0, 1, 1.5, 2, 3, 4]
    folder = write_folder(tmp_path / "frames", drifting_frames(sigmas))
    result = run(folder, SharpnessScorer(), str(tmp_path / "out"), per_track=3, min_gap_ms=0, progress=False)
    assert result["tracks"] == 1 and result["frames_decoded"] == len(sigmas)
    shots = result["shots"]
    assert shots[0]["rank"] == 1 and shots[0]["frame_index"] == sigmas.index(0)
    qualities = [s["quality"] for s in shots]
    assert qualities == sorted(qualities, reverse=True) and len(shots) <= 3
    with open(tmp_path / "out" / "best_shots.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert tuple(rows[0]) == COLUMNS and len(rows) == len(shots)
    with Image.open(rows[0]["aligned_path"]) as aligned, Image.open(rows[0]["source_path"]) as source:
        assert aligned.size == (112, 112) and source.size[0] > SIDE * 0.8


def test_two_faces_crossing_paths_are_two_tracks_without_an_identity_swap(tmp_path):
    frames, truth = crossing_frames()
    video = write_video(tmp_path / "crossing.avi", frames)  # decoded back by OpenCV, the chosen decoder
    # Every scored face kept (N larger than the clip), so that every one is checked for its identity.
    result = run(video, SharpnessScorer(), str(tmp_path / "out"), per_track=40, min_gap_ms=0, progress=False)
    assert result["tracks"] == 2 and result["frames_decoded"] == len(frames)
    who = {}
    for shot in result["shots"]:
        centre = np.array([(shot["box_x0"] + shot["box_x1"]) / 2, (shot["box_y0"] + shot["box_y1"]) / 2])
        a, b = truth[shot["frame_index"]]
        who.setdefault(shot["track_id"], set()).add(
            "A" if np.linalg.norm(centre - a) < np.linalg.norm(centre - b) else "B"
        )
    assert sorted(map(sorted, who.values())) == [["A"], ["B"]]  # each track one person, the two tracks two people
    # Both tracks have faces from both sides of the crossing: they lived through it (a swap would show as two
    # labels in one track, a lost track as a third track).
    for track in who:
        kept = [s["frame_index"] for s in result["shots"] if s["track_id"] == track]
        assert min(kept) < len(frames) // 3 and max(kept) > 2 * len(frames) // 3


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


def test_frames_without_a_face_and_a_corrupt_frame_are_counted_not_fatal(tmp_path, capsys):
    frames = [canvas()] * 3 + drifting_frames([0] * 10)[4:7] + [canvas()] * 2  # the face moves 40 px a frame
    folder = tmp_path / "frames"
    write_folder(folder, frames)
    (folder / "frame_0004.png").write_bytes(b"\x89PNG\r\n\x1a\n broken")  # a corrupt frame in the middle
    result = run(str(folder), SharpnessScorer(), str(tmp_path / "out"), progress=False)
    assert result["frames_decoded"] == len(frames) - 1 and result["frames_undecodable"] == 1
    assert result["tracks"] == 1 and "frame_0004.png: not_an_image" in result["undecodable"][0]
    empty = tmp_path / "empty"
    write_folder(empty, [canvas()] * 4)
    result = run(str(empty), SharpnessScorer(), str(tmp_path / "out2"), progress=False)
    assert result["tracks"] == 0 and result["shots"] == []
    assert "no face in the stream" in capsys.readouterr().out
    assert json.loads((tmp_path / "out2" / "best_shots.json").read_text())["tracks"] == 0


def test_unreadable_inputs_fail_with_the_input_named(tmp_path):
    (tmp_path / "clip.mp4").write_text("not a video")
    with pytest.raises(SourceError, match=r"clip\.mp4: not a video OpenCV can decode"):
        open_source(str(tmp_path / "clip.mp4"))
    with pytest.raises(SourceError, match=r"nothing\.mp4: no such file, folder or camera"):
        open_source(str(tmp_path / "nothing.mp4"))
    with pytest.raises(SourceError, match=r"camera 9: cannot be opened"):
        open_source("9")  # no camera on this machine


def test_the_command_on_the_exported_int8_model_runs_without_tensorflow(exported, tmp_path):
    frames, _ = crossing_frames(12)
    video = write_video(tmp_path / "clip.avi", frames)
    model = exported["files"]["crfiqa_int8.tflite"]["path"]
    out = tmp_path / "out"
    code = (
        "import sys\n"
        "from crfiqa_tf.cli import main\n"
        f"main(['best-shots', {video!r}, '--model', {model!r}, '--out', {str(out)!r}, '--per-track', '2',"
        " '--threads', '1'])\n"
        "assert 'tensorflow' not in sys.modules, 'imported TensorFlow'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "track 1: frames 0-11" in done.stdout and "12 frames, 0 undecodable (skipped), 2 tracks" in done.stdout
    with open(out / "best_shots.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["track_id"] for r in rows} == {"1", "2"} and all(np.isfinite(float(r["quality"])) for r in rows)


def test_faces_the_checks_reject_never_reach_the_quality_network():
    sigmas = [0] + [5] * 7  # after a sharp first face, faces too blurred to enrol (BLURRED)
    selector = BestShots(SharpnessScorer(), per_track=3, min_gap_ms=0)
    for i, frame in enumerate(drifting_frames(sigmas)):
        selector.update(frame, 40.0 * i)
    (track,) = selector.finish()
    assert (track.faces_seen, track.faces_scored, track.faces_gated) == (8, 1, 7)
    assert [s.frame_index for s in track.shots] == [0] and "held back by the checks" in track.line()


def approaching_frames(count: int = 24) -> list[np.ndarray]:
    """A person walking towards a 640×480 camera: the astronaut's face box grows from 8 % to 40 % of the height."""
    from crfiqa_tf.data.composites import faces_in, paste

    eyes, box = faces_in("astronaut")[0]
    box_per_eye = (box[3] - box[1]) / float(np.linalg.norm(eyes[1] - eyes[0]))
    shares = np.linspace(0.08, 0.40, count)
    return [paste((WIDTH, HEIGHT), [("astronaut", s * HEIGHT / box_per_eye, (0.5, 0.45))]).image for s in shares]


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
    # With the tiles the face is found from the first frame (box 8 % of the height, 16 px between the eyes, 0.8 of
    # the default minimum); the whole frame alone finds it only some frames later.
    assert first[20.0] == 0 and first[None] > first[20.0]


def appearances_frames() -> list[np.ndarray]:
    """Three people one after another, each 12 frames on screen, with 30 empty frames (1.2 s) between them."""
    frames = []
    for name, box in (GRACE, ASTRONAUT, GRACE):
        face = sprite(name, box)
        for i in range(12):
            frame = canvas()
            x = 40 + 20 * i
            frame[140 : 140 + SIDE, x : x + SIDE] = face
            frames.append(frame)
        frames += [canvas() for _ in range(30)]
    return frames


def _best_shots_command(model, folder, out):
    return cli_argv("best-shots", folder, "--model", model, "--out", out, "--threads", "1", "--per-track", "2")


def _shots(out):
    with open(f"{out}/best_shots.csv", encoding="utf-8") as handle:
        return [{k: v for k, v in r.items() if not k.endswith("_path")} for r in csv.DictReader(handle)]


@pytest.mark.slow(reason="five best-shots processes, ~45 s")
def test_best_shots_killed_at_any_point_and_resumed_gives_the_rows_of_an_uninterrupted_run(exported, tmp_path):
    import os
    import signal

    model = exported["files"]["crfiqa_int8.tflite"]["path"]
    folder = write_folder(tmp_path / "frames", appearances_frames())
    reference = str(tmp_path / "reference")
    done = subprocess.run(_best_shots_command(model, folder, reference), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = _shots(reference)
    assert len({r["track_id"] for r in expected}) == 3
    for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -9)):
        out = str(tmp_path / sig.name)
        table = f"{out}/best_shots.csv"
        first_track_written = lambda table=table: os.path.exists(table) and len(open(table).readlines()) > 1  # noqa: E731
        returncode, _, _ = stop_when(_best_shots_command(model, folder, out), first_track_written, sig)
        assert returncode == status
        assert not os.path.exists(f"{out}/best_shots.json")  # not finished
        assert "resuming" in assert_resumes(_best_shots_command(model, folder, out), sig == signal.SIGINT)
        assert _shots(out) == expected, sig.name  # every track once, numbered as in one run
        assert json.load(open(f"{out}/best_shots.json"))["tracks"] == 3
