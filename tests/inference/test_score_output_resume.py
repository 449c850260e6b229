"""A stateful, seeded test of `crfiqa_tf.inference.score_output` (issue 53): runs over files of one to three rows
each (``--faces all``) in batches of random sizes, interrupted at random points — before the first batch, after
any batch, by a graceful stop or a kill (a torn line, rows written after the last recorded batch, a remote part
lost while it filled), at and across part boundaries — and resumed, once or several times: locally, on
TensorFlow's ``ram://`` filesystem (the stand-in for gs://) and on an in-memory object-store double
(tests/support/memory_gfile.py, for runs without TensorFlow). The finished output must equal an uninterrupted run's
text, header included, and the closing line's totals must count every file once. A resume with any one setting changed
is refused naming that setting, on every kind of output."""

import random

import pytest
from support.memory_gfile import use_memory_store

from crfiqa_tf import paths
from crfiqa_tf.commands.score import settings as score_settings
from crfiqa_tf.inference import score_output
from crfiqa_tf.inference.score_files import Totals
from crfiqa_tf.inference.score_output import ResumeError, ScoreOutput, format_rows

COLUMNS = ("path", "face", "quality", "error", "warning")
SETTINGS = {
    "model": "m.tflite", "align": True, "faces": "all", "detector": "blazeface", "min_face": 20.0,
    "components": False, "profile": None, "calibration": None, "precision": "float32",
}  # fmt: skip
SEEDS = range(12)


def files_and_rows(rng):
    """Input paths and, per path, its rows: one to three faces, or one row with an error."""
    paths_, rows = [], {}
    for index in range(rng.randint(1, 40)):
        path = f"photos/img{index:03d}.jpg"
        paths_.append(path)
        if rng.random() < 0.1:
            rows[path] = [{"path": path, "face": "", "quality": "", "error": "unreadable: truncated", "warning": ""}]
        else:
            rows[path] = [
                {"path": path, "face": str(face), "quality": f"{rng.random():.6f}", "error": "",
                 "warning": "small_face" if rng.random() < 0.2 else ""}
                for face in range(rng.randint(1, 3))
            ]  # fmt: skip
    return paths_, rows


def run_until(output, todo, rows, rng, stop_after):
    """Writes batches of `todo` (random sizes) until `stop_after` batches are written; returns the rows written."""
    written, batches = [], 0
    while todo and batches < stop_after:
        size = rng.randint(1, 7)
        batch = [row for path in todo[:size] for row in rows[path]]
        del todo[:size]
        output.write_batch(batch)
        written += batch
        batches += 1
    return written


def interrupt(output, kind, rng, rows):
    """What is left when a run stops: gracefully (stop), or killed mid-way (local: a torn line or unrecorded rows
    after the last recorded length; remote: the part being filled is lost)."""
    if kind == "stop":
        output.stop()
    elif kind == "kill" and not output.remote:
        extra = [row for path in list(rows)[:2] for row in rows[path]]
        text = format_rows(extra, COLUMNS, output.jsonl, header=False)
        with open(output.out, "a", encoding="utf-8", newline="") as handle:
            handle.write(text[: rng.randint(1, len(text) - 1)] if rng.random() < 0.5 else text)
    # kill, remote: nothing flushed; the pending rows are lost with the process


@pytest.fixture(params=["local", "memory", pytest.param("ram", marks=pytest.mark.tensorflow)])
def where(request, tmp_path, monkeypatch):
    """Where the output goes: a local folder, the in-memory object store double (tests/support/memory_gfile.py), or
    TensorFlow's ram:// filesystem (the suite's stand-in for gs://)."""
    monkeypatch.setattr(score_output, "PART_ROWS", 5)  # parts of a few rows, so that runs cross many boundaries
    if request.param == "local":
        return str(tmp_path)
    if request.param == "memory":
        use_memory_store(monkeypatch)
        return f"mem://score_output_resume/{tmp_path.name}"
    return f"ram://score_output_resume/{tmp_path.name}"


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("extension", ["csv", "jsonl"])
def test_interrupted_and_resumed_at_random_points_the_output_equals_an_uninterrupted_run(where, seed, extension):
    rng = random.Random(seed)
    inputs, rows = files_and_rows(rng)
    everything = [row for path in inputs for row in rows[path]]

    reference = f"{where}/reference-{seed}.{extension}"
    output = ScoreOutput(reference, COLUMNS, SETTINGS)
    run_until(output, list(inputs), rows, rng, stop_after=len(inputs))
    output.finish()
    expected = paths.read_text(reference)
    assert expected == format_rows(everything, COLUMNS, extension == "jsonl", header=extension == "csv")

    out = f"{where}/rows-{seed}.{extension}"
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    for _ in range(rng.randint(1, 3)):  # interruptions, the first possibly before any batch
        todo = [path for path in inputs if path not in output.done]
        run_until(output, todo, rows, rng, stop_after=rng.randint(0, 4))
        interrupt(output, rng.choice(["stop", "kill"]), rng, rows)
        with pytest.raises(ResumeError, match="add --resume to continue it"):
            ScoreOutput(out, COLUMNS, SETTINGS)  # never appended to without --resume
        output = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
        # what a resume keeps is whole files, in input order, exactly the rows an uninterrupted run gives them
        kept = [path for path in inputs if path in output.done]
        assert output.kept_rows == [row for path in kept for row in rows[path]]
        assert kept == inputs[: len(kept)]
    totals = Totals().add(output.kept_rows)  # the closing line of the last resumed run
    todo = [path for path in inputs if path not in output.done]
    totals.add(run_until(output, todo, rows, rng, stop_after=len(inputs)))
    output.finish()
    assert paths.read_text(out) == expected
    assert totals.line() == Totals().add(everything).line() and totals.files == len(inputs)
    assert not paths.exists(f"{out}.progress.json") and not paths.glob(f"{where}/.rows-{seed}.{extension}.parts*")


@pytest.mark.parametrize("setting", sorted(SETTINGS))
def test_a_resume_with_any_one_setting_changed_is_refused_naming_it(where, setting):
    out = f"{where}/rows-{setting}.csv"
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    output.write_batch([{"path": "a.jpg", "face": "0", "quality": "0.5", "error": "", "warning": ""}])
    output.stop()
    changed = {**SETTINGS, setting: "something else"}
    with pytest.raises(ResumeError) as error:
        ScoreOutput(out, COLUMNS, changed, resume=True)
    message = str(error.value)
    assert message.startswith(f"{out}: --resume with other settings than ")
    assert message.endswith(f"{setting}: {SETTINGS[setting]!r} then, 'something else' now")  # that one, named
    resumed = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)  # the same settings still continue it
    assert resumed.done == {"a.jpg"}


def test_the_settings_a_resume_compares_are_every_option_the_rows_depend_on():
    import argparse

    args = argparse.Namespace(**SETTINGS, out="rows.csv", batch_size=8, draw=None, resume=True, paths=["x"])
    assert score_settings(args) == SETTINGS  # batch size, --draw and --out do not change the rows


def test_a_remote_part_at_exactly_its_size_is_written_whole_and_the_next_starts_empty(monkeypatch):
    monkeypatch.setattr(score_output, "PART_ROWS", 4)
    use_memory_store(monkeypatch)
    out = "mem://score_output_resume/exact/rows.csv"
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    first = [{"path": f"{i}.jpg", "face": "0", "quality": "0.5", "error": "", "warning": ""} for i in range(4)]
    output.write_batch(first)  # exactly PART_ROWS: written at once
    parts = paths.glob("mem://score_output_resume/exact/.rows.csv.parts/part-*")
    assert [paths.basename(p) for p in parts] == ["part-00000"]
    assert paths.read_text(parts[0]) == format_rows(first, COLUMNS, False, header=False)
    output.write_batch([{**first[0], "path": "4.jpg"}])  # under PART_ROWS: pending, lost if killed now
    resumed = ScoreOutput(out, COLUMNS, SETTINGS, resume=True)
    assert resumed.done == {f"{i}.jpg" for i in range(4)}


def test_a_resume_writes_the_columns_the_run_started_with(where):
    """A resume by a release with more columns (the same settings) keeps the columns the output was started with,
    so that a CSV never changes its header half-way."""
    out = f"{where}/rows-columns.csv"
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    row = {"path": "a.jpg", "face": "0", "quality": "0.5", "error": "", "warning": ""}
    output.write_batch([row])
    output.stop()
    resumed = ScoreOutput(out, (*COLUMNS, "added_later"), SETTINGS, resume=True)
    assert resumed.columns == COLUMNS
    resumed.write_batch([{**row, "path": "b.jpg", "added_later": "x"}])
    resumed.finish()
    assert paths.read_text(out) == format_rows([row, {**row, "path": "b.jpg"}], COLUMNS, False, header=True)


# --- known answers: the text written, the files' names, the refusals' words ----------------------------------------


def test_rows_as_text_by_value():
    rows = [{"path": "a.jpg", "quality": 0.5, "extra": "ignored"}, {"path": "b,c.jpg"}]
    assert format_rows(rows, ("path", "quality"), jsonl=False, header=True) == 'path,quality\na.jpg,0.5\n"b,c.jpg",\n'
    assert format_rows(rows, ("path", "quality"), jsonl=True, header=True) == (
        '{"path": "a.jpg", "quality": 0.5}\n{"path": "b,c.jpg", "quality": ""}\n'
    )
    assert format_rows([], ("path",), jsonl=False, header=False) == ""


def test_the_progress_record_and_the_parts_have_the_documented_names(tmp_path, monkeypatch):
    import json

    out = str(tmp_path / "rows.csv")
    output = ScoreOutput(out, COLUMNS, SETTINGS)
    output.write_batch([{"path": "a.jpg", "face": "0", "quality": "0.5", "error": "", "warning": ""}])
    record = json.loads((tmp_path / "rows.csv.progress.json").read_text())
    assert record == {"settings": SETTINGS, "columns": list(COLUMNS), "length": (tmp_path / "rows.csv").stat().st_size}
    monkeypatch.setattr(score_output, "PART_ROWS", 1)
    store = use_memory_store(monkeypatch)
    remote = "mem://names/rows.csv"
    first = ScoreOutput(remote, COLUMNS, SETTINGS)
    first.write_batch([{"path": "a.jpg"}])
    first.stop()
    again = ScoreOutput(remote, COLUMNS, SETTINGS, resume=True)
    again.write_batch([{"path": "b.jpg"}])
    again.write_batch([{"path": "c.jpg"}])
    parts = sorted(name for name in store.files if "/part-" in name)
    assert parts == [f"mem://names/.rows.csv.parts/part-0000{i}" for i in range(3)]  # numbered on, after a resume
    assert json.loads(store.files["mem://names/.rows.csv.parts/run.json"]) == {
        "settings": SETTINGS,
        "columns": list(COLUMNS),
    }


def test_refusals_name_what_to_remove_and_what_differs(tmp_path, monkeypatch):
    out = str(tmp_path / "rows.csv")
    ScoreOutput(out, COLUMNS, SETTINGS).write_batch([{"path": "a.jpg"}])
    with pytest.raises(ResumeError) as error:
        ScoreOutput(out, COLUMNS, SETTINGS)
    assert str(error.value) == (
        f"{out}: an interrupted run's output is there; add --resume to continue it, or remove {out} and "
        f"{out}.progress.json to start again"
    )
    with pytest.raises(ResumeError) as error:
        ScoreOutput(out, COLUMNS, {**SETTINGS, "align": False, "faces": "largest"}, resume=True)
    assert str(error.value) == (
        f"{out}: --resume with other settings than the run recorded in {out}.progress.json: "
        "align: True then, False now; faces: 'all' then, 'largest' now"
    )
    use_memory_store(monkeypatch)
    remote = "mem://refusals/rows.csv"
    ScoreOutput(remote, COLUMNS, SETTINGS).stop()
    with pytest.raises(ResumeError) as error:
        ScoreOutput(remote, COLUMNS, SETTINGS)
    parts = "mem://refusals/.rows.csv.parts"
    assert str(error.value) == (
        f"{remote}: an interrupted run's output is there; add --resume to continue it, or remove {parts} to start again"
    )
    with pytest.raises(ResumeError, match=rf"^{remote}: --resume with other settings than the run in {parts}: "):
        ScoreOutput(remote, COLUMNS, {**SETTINGS, "model": "other.onnx"}, resume=True)


def test_a_setting_the_recorded_run_did_not_have_is_a_difference_and_an_old_record_keeps_todays_columns(tmp_path):
    import json

    out = tmp_path / "rows.csv"
    ScoreOutput(str(out), COLUMNS, SETTINGS).write_batch([{"path": "a.jpg"}])
    progress = tmp_path / "rows.csv.progress.json"
    record = json.loads(progress.read_text())
    older = {"settings": {k: v for k, v in SETTINGS.items() if k != "precision"}, "length": record["length"]}
    progress.write_text(json.dumps(older))  # a release that recorded no precision and no columns
    with pytest.raises(ResumeError, match=r"precision: None then, 'float32' now$"):
        ScoreOutput(str(out), COLUMNS, SETTINGS, resume=True)
    progress.write_text(json.dumps({"length": record["length"]}))  # no settings at all: every one differs
    with pytest.raises(ResumeError, match=r"align: None then, True now"):
        ScoreOutput(str(out), COLUMNS, SETTINGS, resume=True)
    progress.write_text(json.dumps({"settings": SETTINGS, "length": record["length"]}))
    assert ScoreOutput(str(out), COLUMNS, SETTINGS, resume=True).columns == COLUMNS
