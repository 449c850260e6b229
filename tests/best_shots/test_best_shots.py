"""crfiqa_tf.best_shots.command and `crfiqa-tf best-shots`: short videos and frame folders built from the packaged
real photos (tests/support/stream_frames.py) — a face drifting with known blur per frame, two faces crossing paths,
frames without a face, a corrupt frame — through the command's `run`, with a scorer double whose quality is the crop's
sharpness (tests/support/scorer_doubles.py), and the real command on the exported int8 model in a process that never
imports TensorFlow, killed and resumed."""

import csv
import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from support.helpers import assert_resumes, cli_argv, stop_when
from support.scorer_doubles import SharpnessScorer
from support.stream_frames import (
    SIDE,
    appearances_frames,
    canvas,
    crossing_frames,
    drifting_frames,
    write_folder,
    write_video,
)

from crfiqa_tf.best_shots.command import COLUMNS, run


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
