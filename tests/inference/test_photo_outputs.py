"""crfiqa_tf.inference.photo_outputs: a ``score_photos`` answer written by hand for three photos — two faces of
three found, no face, one face — so each record's values are known: every element of the batch gets its own."""

import numpy as np
import pytest

from crfiqa_tf import signatures as sig
from crfiqa_tf.inference.photo_outputs import NO_FACE, records_from_photo_outputs

K = 2  # max_faces of the answer


def answer(with_score: bool = True) -> dict:
    boxes = np.zeros((3, K, 4), np.float32)
    boxes[0, 0], boxes[0, 1], boxes[2, 0] = (10, 20, 110, 140), (200, 30, 260, 100), (5, 6, 55, 66)
    landmarks = np.arange(3 * K * 10, dtype=np.float32).reshape(3, K, 5, 2)
    outputs = {
        sig.OUTPUT_NUM_FACES: np.array([2, 0, 1], np.int32),
        sig.OUTPUT_FACES_FOUND: np.array([3, 0, 1], np.int32),
        sig.OUTPUT_QUALITY: np.array([[2.0, 1.5], [0.0, 0.0], [1.25, 0.0]], np.float32),
        sig.OUTPUT_BOXES: boxes,
        sig.OUTPUT_LANDMARKS: landmarks,
        sig.OUTPUT_DETECTION_SCORE: np.array([[0.9, 0.8], [0.0, 0.0], [0.7, 0.0]], np.float32),
        sig.OUTPUT_EMBEDDING: np.arange(3 * K * 4, dtype=np.float32).reshape(3, K, 4),
    }
    if with_score:
        outputs[sig.OUTPUT_QUALITY_SCORE] = np.array([[80.0, 60.0], [0.0, 0.0], [40.0, 0.0]], np.float32)
    return outputs


def test_each_photo_gets_its_own_faces_in_order():
    records = records_from_photo_outputs(answer(), ["a.jpg", "b.jpg", "c.jpg"])
    assert [(r.source, r.face_index, r.error) for r in records] == [
        ("a.jpg", 0, None),
        ("a.jpg", 1, None),
        ("b.jpg", None, NO_FACE),
        ("c.jpg", 0, None),
    ]
    first, second, none, third = records
    assert (first.quality, second.quality, third.quality) == (2.0, 1.5, 1.25)
    assert (first.quality_score, second.quality_score, third.quality_score) == (80.0, 60.0, 40.0)
    assert first.detection_score == pytest.approx(0.9) and third.detection_score == pytest.approx(0.7)
    assert first.box == (10.0, 20.0, 110.0, 140.0) and second.box == (200.0, 30.0, 260.0, 100.0)
    assert third.box == (5.0, 6.0, 55.0, 66.0)
    np.testing.assert_array_equal(second.landmarks, np.arange(10, 20).reshape(5, 2))
    np.testing.assert_array_equal(third.landmarks, np.arange(40, 50).reshape(5, 2))
    assert none.quality is None and none.box is None and none.embedding is None
    assert all(r.embedding is None for r in records)
    assert [type(r).__name__ for r in records] == ["FaceRecord", "FaceRecord", "ScoreRecord", "FaceRecord"]


def test_more_faces_found_than_returned_is_a_warning_on_that_photo_only():
    records = records_from_photo_outputs(answer(), ["a.jpg", "b.jpg", "c.jpg"])
    assert records[0].warning == records[1].warning == "3 faces found; only the largest 2 (max_faces) scored"
    assert records[3].warning is None


def test_largest_keeps_the_first_face_of_each_photo():
    records = records_from_photo_outputs(answer(), ["a.jpg", "b.jpg", "c.jpg"], faces="largest")
    assert [(r.source, r.face_index, r.quality) for r in records] == [
        ("a.jpg", 0, 2.0),
        ("b.jpg", None, None),
        ("c.jpg", 0, 1.25),
    ]


def test_embeddings_are_the_faces_own():
    records = records_from_photo_outputs(answer(), ["a.jpg", "b.jpg", "c.jpg"], with_embeddings=True)
    np.testing.assert_array_equal(records[1].embedding, [4, 5, 6, 7])
    np.testing.assert_array_equal(records[3].embedding, [16, 17, 18, 19])
    assert records[1].embedding.dtype == np.float32


def test_a_calibration_rescores_from_the_raw_quality_and_none_keeps_the_models_own():
    calibration = {"type": "logistic", "centre": 1.5, "scale": 0.5}
    records = records_from_photo_outputs(answer(), ["a.jpg", "b.jpg", "c.jpg"], calibration=calibration)
    expected = [100 / (1 + np.exp(-(q - 1.5) / 0.5)) for q in (2.0, 1.5, 1.25)]
    assert [records[i].quality_score for i in (0, 1, 3)] == pytest.approx(expected)
    plain = records_from_photo_outputs(answer(with_score=False), ["a.jpg", "b.jpg", "c.jpg"])
    assert all(r.quality_score is None for r in plain)


def test_an_answer_for_another_number_of_photos_is_refused():
    with pytest.raises(ValueError, match="answered for 3 photos, 2 were sent"):
        records_from_photo_outputs(answer(), ["a.jpg", "b.jpg"])


def test_an_answer_in_float64_with_counts_in_columns_gives_the_records_of_the_float32_answer():
    """An answer read from JSON without the REST client's float32 (its numbers the shortest decimals of the float32
    values: 0.1 where gRPC gives 0.1000000015), counts as ``[n, 1]`` columns: the records are the gRPC answer's,
    value for value, whichever way the answer reached the caller."""
    tensors = answer()
    tensors[sig.OUTPUT_QUALITY] = np.array([[0.1, 0.7], [0.0, 0.0], [0.3, 0.0]], np.float32)
    tensors[sig.OUTPUT_EMBEDDING] = tensors[sig.OUTPUT_EMBEDDING] + np.float32(0.1)
    from_json = {name: np.asarray(shortest_decimals(np.asarray(v).tolist())) for name, v in tensors.items()}
    for name in (sig.OUTPUT_NUM_FACES, sig.OUTPUT_FACES_FOUND):
        from_json[name] = from_json[name].reshape(-1, 1)
    assert from_json[sig.OUTPUT_QUALITY].dtype == np.float64 and from_json[sig.OUTPUT_QUALITY][0, 0] == 0.1
    sources = ["a.jpg", "b.jpg", "c.jpg"]
    expected = records_from_photo_outputs(tensors, sources, with_embeddings=True)
    records = records_from_photo_outputs(from_json, sources, with_embeddings=True)
    assert [r.quality for r in records] == [float(np.float32(q)) for q in (0.1, 0.7)] + [None, float(np.float32(0.3))]
    for ours, theirs in zip(records, expected):
        fields = ("source", "quality", "box", "error", "warning")
        assert [getattr(ours, f) for f in fields] == [getattr(theirs, f) for f in fields]
        if theirs.error is None:
            assert ours.detection_score == pytest.approx(theirs.detection_score, rel=1e-6)
            assert ours.embedding.dtype == np.float32 and ours.landmarks.dtype == theirs.landmarks.dtype == np.float64
            np.testing.assert_array_equal(ours.embedding, theirs.embedding)
            np.testing.assert_array_equal(ours.landmarks, theirs.landmarks)


def shortest_decimals(value):
    """Floats as JSON writes float32 values: the shortest decimal that reads back as the float32, as a float64."""
    if isinstance(value, list):
        return [shortest_decimals(v) for v in value]
    return float(str(np.float32(value))) if isinstance(value, float) else value
