"""crfiqa_tf.output_rows: each output kind's row from records written by hand, so every cell is known — the one face
block, the text of the score rows, the types of the Beam rows, the best-shots rows."""

import numpy as np
import pytest

from crfiqa_tf.components.component_columns import FLAT_COLUMNS
from crfiqa_tf.components.compute import COMPONENTS, Component
from crfiqa_tf.components.reasons import Reason
from crfiqa_tf.inference.base import FaceRecord, ScoreRecord
from crfiqa_tf.output_rows import (
    BEAM_COLUMNS,
    BEST_SHOT_COLUMNS,
    BOX_COLUMNS,
    FACE_COLUMNS,
    SCORE_COLUMNS,
    beam_row,
    best_shot_row,
    face_values,
    score_row,
)

LANDMARKS = np.array([[10.04, 20.0], [30.0, 20.0], [20.0, 30.0], [12.0, 40.0], [28.0, 40.0]])


def face_record(**changes) -> FaceRecord:
    values = dict(
        quality=0.1234567,
        quality_score=61.239,
        face_index=1,
        detection_score=0.987654,
        box=(1.26, 2.0, 41.0, 52.0),
        landmarks=LANDMARKS,
    )
    return FaceRecord("photo.jpg", **{**values, **changes})


def test_the_face_block_is_one_set_of_columns_in_every_kind():
    assert FACE_COLUMNS == ("face_index", "detection_score", "box_x0", "box_y0", "box_x1", "box_y1", "landmarks")
    assert set(FACE_COLUMNS) <= set(SCORE_COLUMNS) and set(BOX_COLUMNS) <= set(BEST_SHOT_COLUMNS)
    assert set(FACE_COLUMNS).isdisjoint(BEAM_COLUMNS)  # added with --align


def test_face_values_are_typed():
    values = face_values(np.int64(2), np.float32(0.5), np.array([1, 2, 3, 4]), LANDMARKS)
    assert values == {
        "face_index": 2,
        "detection_score": 0.5,
        "box_x0": 1.0,
        "box_y0": 2.0,
        "box_x1": 3.0,
        "box_y1": 4.0,
        "landmarks": [10.04, 20.0, 30.0, 20.0, 20.0, 30.0, 12.0, 40.0, 28.0, 40.0],
    }
    assert type(values["face_index"]) is int and all(type(v) is float for v in values["landmarks"])


def test_a_score_row_writes_each_number_at_its_digits():
    row = score_row(face_record())
    assert set(row) == set(SCORE_COLUMNS)
    assert row["path"] == "photo.jpg" and row["face_index"] == 1
    assert (row["quality"], row["quality_score"], row["detection_score"]) == ("0.123457", "61.24", "0.9877")
    assert [row[c] for c in BOX_COLUMNS] == ["1.3", "2.0", "41.0", "52.0"]
    assert row["landmarks"] == "10.0 20.0 30.0 20.0 20.0 30.0 12.0 40.0 28.0 40.0"
    assert row["warning"] == row["error"] == ""


def test_a_score_row_without_a_face_or_with_an_error_leaves_the_face_block_empty():
    plain = score_row(ScoreRecord("a.png", quality=0.5, warning="input is 10x10"))
    assert plain["face_index"] == 0 and plain["quality"] == "0.500000" and plain["quality_score"] == ""
    assert all(plain[c] == "" for c in (*BOX_COLUMNS, "landmarks", "detection_score"))
    assert plain["warning"] == "input is 10x10"
    failed = score_row(ScoreRecord("b.png", error="corrupt: truncated"))
    assert failed["face_index"] == "" and failed["quality"] == "" and failed["error"] == "corrupt: truncated"


def test_a_score_row_with_components_gains_their_flat_columns():
    components = {name: Component(None, None, "no_mesh: none") for name in COMPONENTS}
    components["sharpness"] = Component(123.456789, 87, None)
    reasons = [Reason("BLURRED", "Hold still", "sharpness", 123.456789, 87)]
    row = score_row(face_record(components=components, reasons=reasons))
    assert set(row) == set(SCORE_COLUMNS) | set(FLAT_COLUMNS)
    assert row["sharpness"] == "123.5" and row["sharpness_value"] == "87"
    assert row["head_pose_yaw"] == "" and row["head_pose_yaw_value"] == ""
    assert row["reasons"] == "BLURRED" and row["instructions"] == "Hold still"
    assert row["component_notes"].startswith(f"{COMPONENTS[0]}: no_mesh: none")


def test_a_beam_row_is_typed_with_the_face_block_when_the_record_has_a_face():
    record = face_record(embedding=np.array([0.5, 0.25], np.float32), warning=None)
    row = beam_row(record, "model 1")
    assert list(row) == [*BEAM_COLUMNS, *FACE_COLUMNS]
    assert row["quality"] == pytest.approx(0.1234567) and row["quality_score"] == pytest.approx(61.239)
    assert row["model"] == "model 1" and row["warning"] is None and row["face_index"] == 1
    assert row["box_x0"] == 1.26 and row["landmarks"][0] == 10.04 and len(row["landmarks"]) == 10
    assert beam_row(record, "m", with_embeddings=True)["embedding"] == [0.5, 0.25]
    plain = beam_row(ScoreRecord("a.png", quality=0.5), "m")
    assert list(plain) == list(BEAM_COLUMNS) and plain["quality_score"] is None


def test_a_best_shot_row_rounds_as_the_score_rows_do():
    class Shot:
        track_id, frame_index, timestamp_ms = 3, 17, 680.04
        box, landmarks = (1.26, 2.0, 41.0, 52.0), LANDMARKS
        detection_score, quality, quality_score, reasons = 0.987654, 0.1234567, None, ["BLURRED", "TOO_DARK"]

    row = best_shot_row(Shot(), 2, "t/2_aligned.png", "t/2_source.png")
    assert list(row) == list(BEST_SHOT_COLUMNS)
    assert (row["track_id"], row["rank"], row["frame_index"], row["timestamp_ms"]) == (3, 2, 17, 680.0)
    assert [row[c] for c in BOX_COLUMNS] == [1.3, 2.0, 41.0, 52.0]
    assert row["landmarks"] == "10.0 20.0 30.0 20.0 20.0 30.0 12.0 40.0 28.0 40.0"
    assert (row["detection_score"], row["quality"], row["quality_score"]) == (0.9877, 0.123457, None)
    assert row["reasons"] == "BLURRED TOO_DARK" and row["aligned_path"] == "t/2_aligned.png"


def test_a_first_face_and_a_missing_quality_keep_their_values():
    row = beam_row(face_record(face_index=0, quality=None, quality_score=None), "m")
    assert row["face_index"] == 0 and row["quality"] is None and row["quality_score"] is None


def test_a_calibrated_shot_rounds_its_score_and_time():
    class Shot:
        track_id, frame_index, timestamp_ms = 1, 2, 1234.5678
        box, landmarks = (0.0, 0.0, 1.0, 1.0), LANDMARKS
        detection_score, quality, quality_score, reasons = 0.5, 0.25, 61.23789, []

    row = best_shot_row(Shot(), 1, "a.png", "s.png")
    assert row["timestamp_ms"] == 1234.6 and row["quality_score"] == 61.24 and row["reasons"] == ""
