"""The scorer interface every backend shares: one record per input in order, errors as records, batching,
calibration, sidecars, backend outputs of any shape, and how the aligner and the per-face measurement are called
(through recording stand-ins, so no detector runs)."""

import json
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf import signatures as sig
from crfiqa_tf.align.detection import DEFAULT_DETECTOR, Detection
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.components import DEFAULT_PROFILE, load_profile
from crfiqa_tf.data.sample_photos import photo_path
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.faces.measurement import FaceMeasurement
from crfiqa_tf.inference.base import FaceRecord, Scorer, ScoreRecord, load_sidecar


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


class _ColumnScorer(Scorer):
    """A backend that answers in column vectors of float64 (as a Keras model with a ``[n, 1]`` head would)."""

    image_size = 8

    def predict(self, images):
        mean = images.reshape(len(images), -1).mean(axis=1, keepdims=True) / 255.0
        return {sig.OUTPUT_QUALITY: mean + 0.1, sig.OUTPUT_EMBEDDING: np.repeat(mean, 3, axis=1) + 0.1}


def test_column_outputs_in_float64_give_float32_qualities_and_embeddings_in_one_row_per_input():
    scorer = _ColumnScorer()
    scorer.calibration = {"type": "logistic", "centre": 0.5, "scale": 0.1}
    quality, scores, _ = scorer.score_crops(np.stack([_grey(0), _grey(51)]))
    assert quality.dtype == np.float32 and quality.shape == (2,) and scores.shape == (2,)
    np.testing.assert_array_equal(quality, np.float32([0.1, 0.3]))
    records = scorer.score([_grey(51)], with_embeddings=True)
    assert records[0].quality == float(np.float32(0.3))  # rounded as every float32 backend gives it
    assert records[0].embedding.dtype == np.float32
    assert records[0].quality_score == pytest.approx(100 / (1 + np.exp(2.0)), rel=1e-6)


def test_input_errors_name_the_input_and_what_was_wrong():
    records = MeanPixelScorer().score(
        [np.zeros((8, 8, 4), np.uint8), np.zeros((8, 3), np.uint8), np.zeros((8, 8, 3), np.float32)]
    )
    assert [(r.source, r.error) for r in records] == [
        ("array[0]", "bad_shape: expected [H, W, 3], got (8, 8, 4)"),
        ("array[1]", "bad_shape: expected [H, W, 3], got (8, 3)"),
        ("array[2]", "bad_dtype: expected uint8 pixels, got float32"),
    ]


def test_an_input_not_at_the_model_size_is_stretched_with_a_warning_that_says_so(tmp_path):
    Image.fromarray(np.full((12, 16, 3), 51, np.uint8)).save(tmp_path / "wide.png")
    records = MeanPixelScorer().score([str(tmp_path / "wide.png"), _grey(51)])
    assert records[0].warning == (
        "input is 16x12, not the model's 8x8: resized as if it were an aligned face; "
        "use --align (align=True) for raw photos"
    )
    assert records[1].warning is None and records[0].quality == pytest.approx(0.2, abs=1e-6)


def test_defaults_batch_32_inputs_at_a_time_without_embeddings_and_refuse_the_scorers_own_options():
    scorer = MeanPixelScorer()
    records = scorer.score([_grey(i) for i in range(33)])
    assert scorer.batches == [32, 1] and all(r.embedding is None for r in records)
    message = (
        "FaceOptions' calibration and precision belong to the scorer: give them to "
        "crfiqa_tf.load_scorer(path, calibration=..., precision=...); score takes the face options"
    )
    for options in (FaceOptions(calibration="c.json"), FaceOptions(precision="bfloat16")):
        with pytest.raises(ValueError) as error:
            scorer.score([_grey(0)], options=options)
        assert str(error.value) == message


@pytest.fixture
def stand_ins(monkeypatch):
    """`FaceAligner` and `measure_faces` replaced by recorders: how the scorer builds its aligner and which rules it
    measures with, without a detector. Each photo gets the faces in ``found`` (none by default)."""
    import crfiqa_tf.align.aligner as aligner_module
    import crfiqa_tf.faces.measurement as measurement_module

    seen = {"aligners": [], "rules": [], "found": []}

    class RecordingAligner:
        def __init__(self, detector, **kwargs):
            seen["aligners"].append({"detector": detector, **kwargs})

    def measure_faces(image, aligner, rules=None):
        assert isinstance(aligner, RecordingAligner)
        seen["rules"].append(rules)
        return list(seen["found"])

    monkeypatch.setattr(aligner_module, "FaceAligner", RecordingAligner)
    monkeypatch.setattr(measurement_module, "measure_faces", measure_faces)
    return seen


def test_the_aligner_is_built_from_the_face_options_once_per_setting(stand_ins):
    scorer = MeanPixelScorer()
    first = scorer.aligner()
    assert stand_ins["aligners"] == [
        {"detector": DEFAULT_DETECTOR, "policy": "largest", "size": 8, "min_face": DEFAULT_MIN_FACE, "mesh": True}
    ]
    assert scorer.aligner() is first and scorer.aligner("largest", DEFAULT_DETECTOR) is first
    assert scorer.aligner("all") is not first and scorer.aligner(min_face=DEFAULT_MIN_FACE + 4) is not first
    assert scorer.aligner(mesh=False) is not first and scorer.aligner(detector="mtcnn") is not first
    assert len(stand_ins["aligners"]) == 5
    assert stand_ins["aligners"][-1]["detector"] == "mtcnn"
    stand_ins["aligners"].clear()
    larger = DEFAULT_MIN_FACE + 4
    scorer.score([_grey(0)], options=FaceOptions(align=True, faces="all", min_face=larger, components=True))
    scorer.score([_grey(0)], options=FaceOptions(align=True, detector="mtcnn", min_face=None))
    assert stand_ins["aligners"] == [
        {"detector": DEFAULT_DETECTOR, "policy": "all", "size": 8, "min_face": larger, "mesh": True},
        {"detector": "mtcnn", "policy": "largest", "size": 8, "min_face": None, "mesh": False},
    ]


def test_faces_are_measured_under_the_profile_given_and_each_record_carries_its_face(stand_ins, tmp_path):
    default = json.loads(Path(DEFAULT_PROFILE).read_text())
    custom = {**default, "rules": default["rules"][:2]}
    (tmp_path / "profile.json").write_text(json.dumps(custom))
    profile = str(tmp_path / "profile.json")
    rules = load_profile(profile)
    assert rules != load_profile()
    scorer = MeanPixelScorer()
    options = FaceOptions(align=True, components=True)
    scorer.score([_grey(0)], options=FaceOptions(align=True))
    scorer.score([_grey(0)], options=FaceOptions(align=True, components=True, profile=profile))
    scorer.score([_grey(0)], options=FaceOptions(align=True, components=True, profile=rules))
    scorer.score([_grey(0)], options=options)
    assert stand_ins["rules"][0] is None and stand_ins["rules"][1] == rules and stand_ins["rules"][2] is rules
    assert stand_ins["rules"][3] == load_profile()
    landmarks, mesh = np.arange(10.0).reshape(5, 2), np.ones((468, 3))
    detection = Detection((1.0, 2.0, 30.0, 40.0), 0.875, landmarks, mesh)
    stand_ins["found"] = [FaceMeasurement(0, detection, _grey(51), {"sharpness": 7}, ["BLURRED"])]
    Image.fromarray(_grey(0, 40)).save(tmp_path / "photo.png")
    (face,) = scorer.score([str(tmp_path / "photo.png")], options=options)
    assert type(face) is FaceRecord and face.source == str(tmp_path / "photo.png")
    assert face.quality == pytest.approx(0.2, abs=1e-6)
    assert (face.face_index, face.detection_score, face.box) == (0, 0.875, (1.0, 2.0, 30.0, 40.0))
    assert face.landmarks is landmarks and face.mesh is mesh
    assert (face.components, face.reasons, face.warning) == ({"sharpness": 7}, ["BLURRED"], None)
    stand_ins["found"] = []
    (missing,) = scorer.score([_grey(0)], options=options)
    assert (missing.source, missing.error, type(missing)) == ("array[0]", "no_face: no face detected", ScoreRecord)
