"""`crfiqa-tf score` itself, with a stand-in scorer (tests/support/scorer_doubles.py, no model runtime, so this file
runs under mutation too): CSV on stdout with its header once and the totals on stderr, the run's own output files never
scored, --resume needs --out, --components widens the columns, a bad profile fails before any photo is read, and
SIGTERM during a run stops it after the batch in hand with the shell's status, resumable to the same rows."""

import argparse
import csv
import io
import os
import pathlib
import re
import signal

import numpy as np
import pytest
from PIL import Image
from support.memory_gfile import use_memory_store
from support.paths import ROOT
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf import model_io, paths
from crfiqa_tf.cli import main
from crfiqa_tf.components.component_columns import FLAT_COLUMNS
from crfiqa_tf.data.sample_photos import photo_path
from crfiqa_tf.output_rows import SCORE_COLUMNS


def png(value: int) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "photos"
    root.mkdir()
    for index in range(5):
        (root / f"img{index}.png").write_bytes(png(40 * index))
    (root / "broken.png").write_bytes(b"not a png")
    return root


@pytest.fixture
def scorer(monkeypatch):
    double = MeanPixelScorer()
    double.loaded_with = []

    def load_scorer(*args, **kwargs):
        double.loaded_with.append((args, kwargs))
        calibrated = {"type": "logistic", "centre": 0.5, "scale": 0.1}  # what the scorer would hold
        double.calibration = calibrated if kwargs.get("calibration") else None
        double.precision = kwargs.get("precision")
        return double

    monkeypatch.setattr(model_io, "load_scorer", load_scorer)
    return double


def refused(message: str):
    """`pytest.raises` for exactly the command's message."""
    return pytest.raises(SystemExit, match="^" + re.escape(f"crfiqa-tf score: {message}") + "$")


class StoppingScorer(MeanPixelScorer):
    """Sends this process SIGTERM `times` times while it scores its first batch, as `kill` would."""

    def __init__(self, times=1):
        super().__init__()
        self.times, self.calls = times, 0

    def predict(self, images):
        self.calls += 1
        for _ in range(self.times if self.calls == 1 else 0):
            os.kill(os.getpid(), signal.SIGTERM)
        return super().predict(images)


def test_csv_goes_to_stdout_with_one_header_and_the_totals_to_stderr(folder, scorer, capsys):
    assert main(["score", str(folder), "--model", "m.tflite", "--batch-size", "2"]) == 0
    out, err = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out)))
    assert out.count("path,") == 1 and list(rows[0]) == list(SCORE_COLUMNS) and len(rows) == 6
    qualities = {os.path.basename(r["path"]): r["quality"] for r in rows}
    assert qualities["img0.png"] == "0.000000" and float(qualities["img4.png"]) == pytest.approx(160 / 255, abs=1e-6)
    assert qualities["broken.png"] == "" and "6 files: 5 scored (5 faces), 1 with an error" in err
    assert "files:" not in out  # stdout carries the CSV alone
    assert "not scored" not in err and "faces found by" not in err and "drawn" not in err
    assert scorer.loaded_with == [(("m.tflite",), {"precision": "float32", "calibration": None})]
    assert out.splitlines()[0] == ",".join(SCORE_COLUMNS) and len(out.splitlines()) == 7


def test_the_runs_own_files_are_never_scored_even_inside_the_folder(folder, scorer, capsys):
    out = folder / "scores.csv"
    (folder / "scores.csv.progress.json.tmp").write_text("{}")  # left by a run killed while it saved its progress
    assert main(["score", str(folder), "--model", "m.tflite", "--out", str(out)]) == 0
    _, err = capsys.readouterr()
    assert "not scored: 1 file(s) of this run's own output" in err
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert sorted(os.path.basename(r["path"]) for r in rows) == sorted(p.name for p in folder.glob("*.png"))


def test_on_a_remote_store_too(scorer, monkeypatch, capsys):
    use_memory_store(monkeypatch)
    for index in range(3):
        paths.write_bytes(f"mem://bucket/photos/img{index}.png", png(50 * index))
    paths.write_text("mem://bucket/photos/scores.csv.progress.json", "{}")
    assert main(["score", "mem://bucket/photos", "--model", "m.tflite", "--out", "mem://bucket/photos/scores.csv"]) == 0
    assert "not scored: 1 file(s) of this run's own output" in capsys.readouterr().err
    rows = list(csv.DictReader(io.StringIO(paths.read_text("mem://bucket/photos/scores.csv"))))
    assert [r["path"] for r in rows] == [f"mem://bucket/photos/img{i}.png" for i in range(3)]


def test_resume_needs_out_and_components_need_a_profile_that_reads(folder, scorer, tmp_path):
    with refused("--resume continues the run written to --out; give --out"):
        main(["score", str(folder), "--model", "m.tflite", "--resume"])
    out = tmp_path / "rows.csv"
    argv = ["score", photo_path("astronaut"), "--model", "m.tflite", "--align", "--components", "--out", str(out)]
    with pytest.raises(SystemExit, match=r"crfiqa-tf score: .*missing_profile\.json"):
        main([*argv, "--profile", str(tmp_path / "missing_profile.json")])
    assert not out.exists() and scorer.batches == []  # refused before any photo was scored or any row written
    assert main(argv) == 0
    header = open(out, encoding="utf-8").readline().strip().split(",")
    assert header == list(SCORE_COLUMNS) + list(FLAT_COLUMNS)


@pytest.mark.parametrize("where", ["local", "memory"])
def test_sigterm_stops_after_the_batch_in_hand_and_resume_finishes_the_same_rows(
    where, folder, monkeypatch, tmp_path, capsys
):
    base = str(tmp_path)
    if where == "memory":  # an object store: the part in hand must be written when the run stops
        use_memory_store(monkeypatch)
        base = "mem://bucket/run"
    reference = f"{base}/reference.csv"
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: MeanPixelScorer())
    assert main(["score", str(folder), "--model", "m.tflite", "--batch-size", "2", "--out", reference]) == 0
    capsys.readouterr()

    out = f"{base}/scores.csv"
    argv = ["score", str(folder), "--model", "m.tflite", "--batch-size", "2", "--out", out]
    stopping = StoppingScorer()
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: stopping)
    assert main(argv) == 143  # the shell's status for SIGTERM
    err = capsys.readouterr().err
    assert "stopped by SIGTERM: 2 of 6 files done" in err and "run the same command with --resume" in err
    assert stopping.calls == 1  # the batch in hand was written, no other begun

    twice = StoppingScorer(times=2)  # a second signal: the batch in flight is dropped whole, the first one named
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: twice)
    assert main([*argv, "--resume"]) == 143
    assert "stopped by SIGTERM: 2 of 6 files done" in capsys.readouterr().err

    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: MeanPixelScorer())
    assert main([*argv, "--resume"]) == 0
    printed = capsys.readouterr()
    assert "6 files: 5 scored (5 faces), 1 with an error" in printed.out  # each file counted once across the runs
    assert "resuming" in printed.err and "6/6" in printed.err  # the progress bar counts the whole run
    assert paths.read_text(out) == paths.read_text(reference)


def test_draw_needs_align_and_a_resume_with_another_model_is_refused(folder, scorer, tmp_path):
    with refused("--draw draws the faces found; add --align"):
        main(["score", str(folder), "--model", "m.tflite", "--draw", str(tmp_path / "drawn")])
    out = tmp_path / "scores.csv"
    stopping = StoppingScorer()
    model_io.load_scorer = lambda *args, **kwargs: stopping  # restored by the `scorer` fixture's monkeypatch
    assert main(["score", str(folder), "--model", "m.tflite", "--batch-size", "2", "--out", str(out)]) == 143
    with pytest.raises(
        SystemExit, match="--resume with other settings than .*model: 'm.tflite' then, 'other.tflite' now"
    ):
        main(["score", str(folder), "--model", "other.tflite", "--out", str(out), "--resume"])


def test_the_model_is_loaded_with_the_face_options_precision_and_calibration_and_bad_options_are_named(
    folder, scorer, tmp_path
):
    calibration = str(tmp_path / "calibration.json")
    argv = ["score", str(folder), "--model", "m.tflite", "--precision", "bfloat16", "--calibration", calibration]
    assert main(argv) == 0
    assert scorer.loaded_with == [(("m.tflite",), {"precision": "bfloat16", "calibration": calibration})]
    with refused("--components and --profile measure detected faces; add --align"):
        main(["score", str(folder), "--model", "m.tflite", "--components"])


def test_aligned_runs_name_their_face_path_and_draw_each_photo(scorer, tmp_path, capsys):
    scorer.align_path = "the LiteRT aligner"
    drawn = tmp_path / "drawn"
    argv = ["score", photo_path("astronaut"), "--model", "m.tflite", "--align", "--draw", str(drawn)]
    assert main(argv) == 0
    err = capsys.readouterr().err
    assert f"1 photos drawn in {drawn}" in err.splitlines() and "faces found by the LiteRT aligner" in err.splitlines()
    assert [p.name for p in drawn.iterdir()] == ["astronaut.jpg"]


def test_a_stop_without_out_keeps_stdout_a_csv_and_an_interrupt_without_a_signal_is_sigint(folder, monkeypatch, capsys):
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: StoppingScorer())
    assert main(["score", str(folder), "--model", "m.tflite", "--batch-size", "4"]) == 143
    out, err = capsys.readouterr()
    assert len(list(csv.DictReader(io.StringIO(out)))) == 4
    assert err.endswith(
        "stopped by SIGTERM: 4 of 6 files done (4 files: 3 scored (3 faces), 1 with an error, 0 with a warning); \n"
    )  # nothing about rows kept or --resume: nothing was written but stdout

    class Interrupted(MeanPixelScorer):
        def predict(self, images):
            raise KeyboardInterrupt  # Ctrl-C where no handler of ours ran first

    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: Interrupted())
    assert main(["score", str(folder), "--model", "m.tflite"]) == 130
    assert "stopped by SIGINT: 0 of 6 files done" in capsys.readouterr().err


def test_a_resume_inside_the_scored_folder_leaves_out_the_output_and_its_progress(folder, monkeypatch, capsys):
    out = folder / "scores.csv"
    argv = ["score", str(folder), "--model", "m.tflite", "--batch-size", "2", "--out", str(out)]
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: StoppingScorer())
    assert main(argv) == 143
    capsys.readouterr()
    monkeypatch.setattr(model_io, "load_scorer", lambda *args, **kwargs: MeanPixelScorer())
    assert main([*argv, "--resume"]) == 0
    assert "not scored: 2 file(s) of this run's own output" in capsys.readouterr().err
    rows = list(csv.DictReader(open(out, encoding="utf-8")))
    assert sorted(os.path.basename(r["path"]) for r in rows) == sorted(p.name for p in folder.glob("*.png"))


def test_the_help_is_the_one_the_cli_reference_shows(monkeypatch):
    """docs/reference/cli.md is generated from the parsers (tools/docs_pages.py; its staleness is checked in
    tests/project/test_docs_site.py): the score command's flags, defaults and help must read as that page says."""
    from crfiqa_tf.cli import build_parser

    page = (pathlib.Path(ROOT) / "docs" / "reference" / "cli.md").read_text("utf-8")
    documented = re.search(r"\n## score\n\n```text\n(.*?)\n```", page, re.S).group(1)
    commands = next(a for a in build_parser()._actions if isinstance(a, argparse._SubParsersAction))
    monkeypatch.setenv("COLUMNS", "100")  # as tools/docs_pages.py renders the page
    assert commands.choices["score"].format_help().rstrip() == documented
    args = build_parser().parse_args(["score", "a.jpg", "b/", "--model", "m"])
    assert args.paths == ["a.jpg", "b/"] and args.batch_size == 32 and not args.resume and args.out is None


def test_the_output_is_recognised_however_its_path_is_spelled(folder, scorer, monkeypatch, capsys):
    monkeypatch.chdir(folder.parent)  # the folder given relative, the output absolute: the same files all the same
    (folder / "scores.csv.progress.json.tmp").write_text("{}")
    assert main(["score", folder.name, "--model", "m.tflite", "--out", str(folder / "scores.csv")]) == 0
    assert "not scored: 1 file(s) of this run's own output" in capsys.readouterr().err
