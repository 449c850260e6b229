"""crfiqa_tf.inference.score_output and `crfiqa-tf score --out/--resume`: rows on disk after every batch, the
output of an interrupted run never appended to without --resume, a resume with other settings refused, a torn
line dropped; remote outputs in parts on TensorFlow's ram:// filesystem (the stand-in for gs://); and a real run
(the exported int8 model on LiteRT) stopped by SIGINT, SIGTERM and SIGKILL, then resumed: every input exactly
once, the rows of an uninterrupted run."""

import csv
import io
import json
import os
import signal
import subprocess

import pytest
from PIL import Image
from support.helpers import assert_resumes, cli_argv, stop_when

from crfiqa_tf.inference import score_output
from crfiqa_tf.inference.score_output import ResumeError, ScoreOutput, format_rows, parse_rows

COLUMNS = ("path", "quality", "error")
SETTINGS = {"model": "m.tflite", "align": False}


def batch(start, count):
    return [{"path": f"img{i:03d}.png", "quality": f"{i / 10:.6f}", "error": ""} for i in range(start, start + count)]


@pytest.mark.parametrize("name", ["rows.csv", "rows.jsonl"])
def test_rows_are_on_disk_after_each_batch_and_a_finished_run_is_one_plain_file(tmp_path, name):
    out = str(tmp_path / name)
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    output.write_batch(batch(0, 3))
    # what a reader (or a resume) sees mid-run: the header and the first batch, and the recorded length
    assert [r["path"] for r in parse_rows(open(out).read(), name.endswith(".jsonl"))] == [
        "img000.png",
        "img001.png",
        "img002.png",
    ]
    assert json.load(open(out + ".progress.json"))["length"] == os.path.getsize(out)
    output.write_batch(batch(3, 2))
    output.finish()
    assert not os.path.exists(out + ".progress.json")
    text = open(out).read()
    assert text == format_rows(batch(0, 5), COLUMNS, name.endswith(".jsonl"), header=not name.endswith(".jsonl"))


def test_a_resume_drops_a_torn_line_and_rows_after_the_last_recorded_batch(tmp_path):
    out = str(tmp_path / "rows.csv")
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    output.write_batch(batch(0, 2))
    output.write_batch(batch(2, 2))
    with open(out, "a") as handle:  # killed while writing the next batch: rows not yet recorded, a torn line
        handle.write(format_rows(batch(4, 1), COLUMNS, False, header=False) + "img005.png,0.5")
    resumed = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
    assert resumed.done == {f"img{i:03d}.png" for i in range(4)} and len(resumed.kept_rows) == 4
    resumed.write_batch(batch(4, 3))
    resumed.finish()
    rows = list(csv.DictReader(open(out)))
    assert [r["path"] for r in rows] == [f"img{i:03d}.png" for i in range(7)]  # each once, in input order


def test_an_interrupted_output_is_never_appended_to_without_resume_and_a_finished_one_is_replaced(tmp_path):
    out = str(tmp_path / "rows.csv")
    ScoreOutput(out, COLUMNS, SETTINGS).write_batch(batch(0, 2))
    with pytest.raises(ResumeError, match="add --resume to continue it"):
        ScoreOutput(out, COLUMNS, SETTINGS)
    finished = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
    finished.finish()
    again = ScoreOutput(out, COLUMNS, SETTINGS)  # a finished output: a new run replaces it
    again.finish()
    assert list(csv.DictReader(open(out))) == []


def test_a_resume_with_other_settings_is_refused_with_the_difference_named(tmp_path):
    out = str(tmp_path / "rows.csv")
    ScoreOutput(out, COLUMNS, SETTINGS).write_batch(batch(0, 2))
    with pytest.raises(ResumeError, match=r"align: False then, True now"):
        ScoreOutput(out, COLUMNS, {**SETTINGS, "align": True}, resume=True)
    with pytest.raises(ResumeError, match=r"model: 'm.tflite' then, 'other.onnx' now"):
        ScoreOutput(out, COLUMNS, {**SETTINGS, "model": "other.onnx"}, resume=True)


def test_a_remote_output_is_written_in_parts_and_resumed_from_them(monkeypatch):
    import tensorflow as tf

    monkeypatch.setattr(score_output, "PART_ROWS", 3)
    out = "ram://scores/run/rows.csv"
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    output.write_batch(batch(0, 2))
    assert tf.io.gfile.glob("ram://scores/run/.rows.csv.parts/part-*") == []  # the part is still filling
    output.write_batch(batch(2, 2))  # 4 rows >= 3: the part is written whole
    output.write_batch(batch(4, 1))  # pending when the run is killed: lost, scored again
    assert len(tf.io.gfile.glob("ram://scores/run/.rows.csv.parts/part-*")) == 1
    resumed = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
    assert resumed.done == {f"img{i:03d}.png" for i in range(4)}
    resumed.write_batch(batch(4, 2))
    resumed.stop()  # stopped gracefully again: what was pending is written
    last = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
    assert len(last.done) == 6
    last.finish()
    assert not tf.io.gfile.exists("ram://scores/run/.rows.csv.parts")
    with tf.io.gfile.GFile(out) as handle:
        assert [r["path"] for r in csv.DictReader(io.StringIO(handle.read()))] == [f"img{i:03d}.png" for i in range(6)]


# -- a real run, stopped and resumed ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def photo_folder(tmp_path_factory):
    """120 photos (the packaged portraits, resized and shifted so that each is its own input)."""
    from crfiqa_tf.data.sample_photos import photo

    folder = tmp_path_factory.mktemp("photos")
    for i in range(120):
        name = ("grace_hopper", "astronaut", "coffee")[i % 3]
        image = Image.fromarray(photo(name)).resize((320 + i % 7, 320))
        image.save(folder / f"p{i:03d}.png")
    (folder / "notes.txt").write_text("not a photo")  # a failure row, resumed like any other
    return str(folder)


def score_command(model, folder, out):
    return cli_argv("score", folder, "--model", model, "--align", "--batch-size", "4", "--out", out)


def rows_of(out):
    return sorted(tuple(r.values()) for r in csv.DictReader(open(out)))


@pytest.mark.slow(reason="five scoring processes, ~30 s")
def test_killed_at_any_point_and_resumed_every_input_is_scored_exactly_once(exported, photo_folder, tmp_path):
    model = exported["files"]["crfiqa_int8.tflite"]["path"]
    reference = str(tmp_path / "reference.csv")
    done = subprocess.run(score_command(model, photo_folder, reference), capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-2000:]
    expected = rows_of(reference)
    assert len({r[0] for r in expected}) == 121
    for sig, status, after_rows in ((signal.SIGINT, 130, 8), (signal.SIGTERM, 143, 30), (signal.SIGKILL, -9, 50)):
        out = str(tmp_path / f"{sig.name}.csv")
        some_batches = lambda out=out, n=after_rows: os.path.exists(out) and sum(1 for _ in open(out)) > n  # noqa: E731
        returncode, _, _ = stop_when(score_command(model, photo_folder, out), some_batches, sig)
        assert returncode == status
        assert 0 < len(rows_of(out)) < len(expected)
        assert "files already scored" in assert_resumes(score_command(model, photo_folder, out), sig == signal.SIGINT)
        assert rows_of(out) == expected, sig.name  # every input once, the same rows
        assert list(csv.DictReader(open(out))) == list(csv.DictReader(open(reference)))  # and in the same order
        assert not os.path.exists(out + ".progress.json")


def test_the_output_inside_the_scored_folder_is_never_an_input_and_a_bad_model_writes_nothing(exported, tmp_path):
    from crfiqa_tf.cli import main

    folder = tmp_path / "photos"
    folder.mkdir()
    for i in range(3):
        Image.fromarray(exported["images"][i]).save(folder / f"{i}.png")
    out = folder / "rows.csv"
    with pytest.raises(SystemExit, match="crfiqa-tf score: "):
        main(["score", str(folder), "--model", str(tmp_path / "missing.tflite"), "--out", str(out)])
    assert not out.exists() and not (folder / "rows.csv.progress.json").exists()
    model = exported["files"]["crfiqa_int8.tflite"]["path"]
    for _ in range(2):  # the second run finds the first one's rows.csv in the folder: not an input
        assert main(["score", str(folder), "--model", model, "--out", str(out)]) == 0
        assert sorted(r["path"].rsplit("/", 1)[1] for r in csv.DictReader(open(out))) == ["0.png", "1.png", "2.png"]
