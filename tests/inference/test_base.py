"""The scorer interface every backend shares: one record per input in order, errors as records, batching,
calibration, sidecars."""

import json

import numpy as np
import pytest
from PIL import Image
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.data.sample_photos import photo_path
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.inference.base import FaceRecord, ScoreRecord, load_sidecar


def _grey(value, size=8):
    return np.full((size, size, 3), value, np.uint8)


def test_records_keep_input_order_with_errors_in_place_and_batches_bounded(tmp_path):
    Image.fromarray(_grey(51, 16)).save(tmp_path / "a.png")  # 16 px: resized to the scorer's 8
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8 not really")
    inputs = [_grey(0), str(tmp_path / "a.png"), np.zeros((8, 8), np.uint8), str(tmp_path / "broken.jpg")]
    inputs += [_grey(255), np.zeros((8, 8, 3), np.float32), _grey(102)]
    scorer = MeanPixelScorer()
    records = scorer.score(inputs, batch_size=2, with_embeddings=True)
    assert [r.source for r in records] == [
        "array[0]",
        str(tmp_path / "a.png"),
        "array[2]",
        str(tmp_path / "broken.jpg"),
        "array[4]",
        "array[5]",
        "array[6]",
    ]
    assert [r.quality for r in records] == pytest.approx([0.0, 0.2, None, None, 1.0, None, 0.4], abs=1e-6)
    assert records[2].error.startswith("bad_shape") and records[5].error.startswith("bad_dtype")
    assert records[3].error.startswith("not_an_image")
    assert all(r.quality_score is None for r in records)
    np.testing.assert_allclose(records[4].embedding, np.full(3, 3**-0.5), rtol=1e-6)
    assert scorer.batches == [2, 2]  # the four readable inputs, in batches of at most 2


def test_calibration_gives_the_0_to_100_score_when_the_model_has_none():
    calibration = {"type": "logistic", "centre": 0.5, "scale": 0.1}
    records = MeanPixelScorer(calibration=calibration).score([_grey(0), _grey(128), _grey(255)])
    expected = apply_calibration([0.0, 128 / 255, 1.0], calibration)
    assert [r.quality_score for r in records] == pytest.approx(list(expected), rel=1e-6)
    assert records[0].quality_score < records[1].quality_score < records[2].quality_score


def test_sidecar_absent_present_and_broken(tmp_path):
    model = str(tmp_path / "m.tflite")
    assert load_sidecar(model) == {}
    (tmp_path / "m.tflite.json").write_text(json.dumps({"calibration": {"type": "logistic"}}))
    assert load_sidecar(model)["calibration"] == {"type": "logistic"}
    (tmp_path / "m.tflite.json").write_text("{broken")
    with pytest.raises(ValueError, match=r"m\.tflite\.json: not a JSON sidecar"):
        load_sidecar(model)


def test_a_face_record_requires_its_face_block_and_a_whole_input_record_has_none():
    """A face is a `FaceRecord` (its number, detector score, box and points required); a whole input or a failure is
    a plain `ScoreRecord`, whose face fields read None, as every row writer reads them."""
    with pytest.raises(TypeError, match="detection_score.*box.*landmarks"):
        FaceRecord("p.jpg", quality=0.5, face_index=0)
    face = FaceRecord("p.jpg", face_index=2, detection_score=0.9, box=(1.0, 2.0, 3.0, 4.0), landmarks=np.zeros((5, 2)))
    assert isinstance(face, ScoreRecord) and (face.face_index, face.box, face.mesh, face.reasons) == (
        2,
        (1.0, 2.0, 3.0, 4.0),
        None,
        None,
    )
    records = MeanPixelScorer().score([_grey(10), np.zeros((8, 8), np.uint8)])
    assert [type(r) for r in records] == [ScoreRecord, ScoreRecord]
    aligned = MeanPixelScorer().score(
        [photo_path("cat"), photo_path("group_of_six")], options=FaceOptions(align=True, faces="all")
    )
    assert [type(r) for r in aligned] == [ScoreRecord] + [FaceRecord] * 6  # no face in the cat photo: an error
    assert aligned[0].error.startswith("no_face") and [r.face_index for r in aligned[1:]] == list(range(6))
    assert all(len(r.box) == 4 and r.landmarks.shape == (5, 2) and r.mesh.shape == (468, 3) for r in aligned[1:])
    for record in records:
        fields = (record.face_index, record.detection_score, record.box, record.landmarks, record.mesh)
        assert fields + (record.components, record.reasons) == (None,) * 7
