"""Reading every result kind (`crfiqa_tf.report.results`): each field of a row in both spellings (score's strings,
the Beam job's typed values), failures, and what a path holds — file, glob, Beam prefix, folders — or its refusal."""

import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from crfiqa_tf.report.results import ResultRow, is_failures_file, open_results, row_from_dict, rows_of_file

LANDMARKS = [float(v) for v in range(10)]
SCORE_ROW = {
    "path": "a/b.jpg",
    "face_index": "2",
    "quality": "0.25",
    "quality_score": "61.5",
    "detection_score": "0.9",
    "box_x0": "1",
    "box_y0": "2",
    "box_x1": "30",
    "box_y1": "40",
    "landmarks": " ".join(map(str, LANDMARKS)),
    "warning": "stretched",
    "error": "",
    "reasons": "DARK BLURRED",
    "instructions": "turn on a light; hold still",
    "head_pose_yaw": "12.5",
}


def test_a_score_row_every_field():
    row = row_from_dict(SCORE_ROW, origin="scores.csv")
    assert (row.path, row.face_index, row.quality, row.quality_score, row.detection_score) == (
        "a/b.jpg", 2, 0.25, 61.5, 0.9,
    )  # fmt: skip
    assert row.box == (1.0, 2.0, 30.0, 40.0) and row.landmarks.tolist() == np.reshape(LANDMARKS, (5, 2)).tolist()
    assert row.reasons == ["DARK", "BLURRED"] and row.instructions == ["turn on a light", "hold still"]
    assert (row.warning, row.error, row.message, row.stage, row.origin) == ("stretched", "", "", "", "scores.csv")
    assert row.columns == {"head_pose_yaw": "12.5"} and row.is_face and not row.first_of_its_file


def test_a_beam_row_with_typed_values_and_a_failure_record():
    typed = {**SCORE_ROW, "face_index": 0, "quality": 0.25, "quality_score": None, "landmarks": LANDMARKS}
    typed.update(reasons=["DARK"], instructions=["turn on a light"], warning=None, model="m")
    row = row_from_dict(typed)
    assert (row.face_index, row.quality_score, row.reasons, row.warning) == (0, None, ["DARK"], "")
    assert row.first_of_its_file and row.columns["model"] == "m" and row.landmarks.shape == (5, 2)
    failure = row_from_dict({"path": "x.jpg", "stage": "decode", "error": "corrupt", "message": "truncated"})
    assert (failure.error, failure.message, failure.stage, failure.is_face, failure.first_of_its_file) == (
        "corrupt", "truncated", "decode", False, True,
    )  # fmt: skip
    scored_error = row_from_dict({"path": "y.jpg", "error": "no_face: no face detected: at all", "quality": ""})
    assert (scored_error.error, scored_error.message) == ("no_face", "no face detected: at all")


@pytest.mark.parametrize("value", ["", None, "nan", "inf", "x"])
def test_numbers_that_are_not_numbers_are_absent(value):
    row = row_from_dict({"path": "p", "quality": value, "box_x0": "1", "box_y0": value, "box_x1": "3", "box_y1": "4"})
    assert row.quality is None and row.box is None and not row.is_face


def test_landmarks_other_than_five_points_are_absent():
    assert row_from_dict({"path": "p", "landmarks": "1 2 3"}).landmarks is None
    assert row_from_dict({"path": "p", "landmarks": "   "}).landmarks is None
    assert row_from_dict({"path": "p"}).landmarks is None and row_from_dict({"path": "p"}).reasons == []


def test_each_file_kind_streams_its_rows(tmp_path):
    (tmp_path / "s.csv").write_text("path,quality,error\na.jpg,0.5,\nb.jpg,,corrupt: bad\n")
    (tmp_path / "s.jsonl").write_text(json.dumps({"path": "a.jpg", "quality": 0.5}) + "\n\n")
    pq.write_table(
        pa.Table.from_pylist([{"path": "a.jpg", "quality": 0.5, "embedding": [1.0, 2.0]}]), tmp_path / "s.parquet"
    )
    for name in ("s.csv", "s.jsonl", "s.parquet"):
        rows = list(rows_of_file(str(tmp_path / name)))
        assert rows[0].path == "a.jpg" and rows[0].quality == 0.5 and rows[0].origin == str(tmp_path / name)
        assert "embedding" not in rows[0].columns  # the heavy columns are not read
    assert [r.error for r in rows_of_file(str(tmp_path / "s.csv"))] == ["", "corrupt"]
    (tmp_path / "bad.jsonl").write_text('{"path": "a"}\nnot json\n')
    with pytest.raises(ValueError, match=r"bad\.jsonl: line 2 is not JSON"):
        list(rows_of_file(str(tmp_path / "bad.jsonl")))


def test_what_a_path_holds(tmp_path):
    (tmp_path / "one.csv").write_text("path,quality\na,1\n")
    assert (open_results(str(tmp_path / "one.csv")).kind, open_results(str(tmp_path / "one.csv")).files) == (
        "score", [str(tmp_path / "one.csv")],
    )  # fmt: skip
    for name in ("out-00001-of-00002.csv", "out-00000-of-00002.csv", "out-failures-00000-of-00001.jsonl"):
        (tmp_path / name).write_text("path\n")
    (tmp_path / "outsider.csv").write_text("path\n")  # shares the prefix's letters, not its "-": not its shard
    (tmp_path / "out.csv").write_text("path\n")  # the prefix itself with a suffix: another result
    prefix = open_results(str(tmp_path / "out"))
    assert prefix.kind == "beam" and [f.rsplit("/", 1)[1] for f in prefix.files] == [
        "out-00000-of-00002.csv", "out-00001-of-00002.csv", "out-failures-00000-of-00001.jsonl",
    ]  # fmt: skip
    assert [is_failures_file(f) for f in prefix.files] == [False, False, True]
    glob = open_results(str(tmp_path / "out-0000*"))
    assert glob.kind == "beam" and len(glob.files) == 2
    assert [f.rsplit("/", 1)[1] for f in open_results(str(tmp_path / "out*.csv")).files] == [
        "out-00000-of-00002.csv", "out-00001-of-00002.csv", "out.csv", "outsider.csv",
    ]  # fmt: skip
    single_glob = open_results(str(tmp_path / "one.*"))
    assert single_glob.kind == "beam" and single_glob.files == [str(tmp_path / "one.csv")]
    shards = tmp_path / "shards"
    (shards / "deep").mkdir(parents=True)
    (shards / "deep" / "a.parquet").write_bytes(b"")
    (shards / "notes.txt").write_text("not a result")
    held = open_results(str(shards))
    assert held.kind == "beam" and held.files == [str(shards / "deep" / "a.parquet")]
    assert held.not_read == [str(shards / "notes.txt")]  # named, for the page to say
    for name, kind in (("best_shots.json", "best_shots"), ("evaluation.json", "evaluate")):
        folder = tmp_path / kind
        folder.mkdir()
        (folder / name).write_text(json.dumps({"tracks": 1}))
        held = open_results(str(folder))
        assert (held.kind, held.document, held.files) == (kind, {"tracks": 1}, [str(folder / name)])
    with pytest.raises(ValueError, match=r"nothing: no such file, folder, glob or Beam output prefix"):
        open_results(str(tmp_path / "nothing"))


def test_a_row_object_keeps_its_defaults_apart():
    a, b = ResultRow("a"), ResultRow("b")
    a.reasons.append("X")
    assert b.reasons == [] and b.columns == {} and not b.is_face and b.first_of_its_file


def test_a_row_with_only_a_path_and_a_quality_has_no_error_nor_warning():
    row = row_from_dict({"path": "p.jpg", "quality": 0.5})
    assert (row.path, row.error, row.message, row.stage, row.warning, row.origin) == ("p.jpg", "", "", "", "", "")
    assert row.is_face and row_from_dict({}).path == ""
    failure = row_from_dict({"path": "q", "error": "corrupt: half", "message": "truncated", "stage": "decode"})
    assert (failure.error, failure.message) == ("corrupt: half", "truncated")  # a message of its own: kept whole
