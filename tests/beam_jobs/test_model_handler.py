"""The Beam model handler on its own: every model kind through one interface, one resize, calibration, Beam's
sharing options."""

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf import signatures as sig
from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.inference.litert import LiteRTScorer
from crfiqa_tf.inference.onnx import OnnxScorer
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf_apps.beam_jobs.model_handler import CRFIQAModelHandler, element_weight


def _resized(images, size):
    return np.stack([np.asarray(Image.fromarray(x).resize((size, size), Image.BILINEAR)) for x in images])


@pytest.mark.parametrize(
    "kind, make_reference",
    [
        ("saved_model", lambda e: SavedModelScorer(e["saved"])),
        ("crfiqa_int8.tflite", lambda e: LiteRTScorer(e["files"]["crfiqa_int8.tflite"]["path"])),
        ("crfiqa.onnx", lambda e: OnnxScorer(e["files"]["crfiqa.onnx"]["path"])),
    ],
)
def test_each_kind_scores_like_its_scorer_after_one_resize(exported, tmp_path, kind, make_reference):
    path = exported["saved"] if kind == "saved_model" else exported["files"][kind]["path"]
    handler = CRFIQAModelHandler(path, cache_dir=str(tmp_path / "cache"))
    model = handler.load_model()
    assert model.label.split(" (")[1].startswith(("saved_model", "tflite", "onnx"))
    large = _resized(exported["images"][:3], 48)  # not the model's 32 px: the handler resizes once
    results = list(handler.run_inference(list(large), model))
    reference = make_reference(exported).predict(_resized(large, 32))
    assert len(results) == 3
    for row, result in enumerate(results):
        assert result.model_id == model.label
        assert result.example.shape == (48, 48, 3)
        np.testing.assert_allclose(result.inference[sig.OUTPUT_QUALITY], reference[sig.OUTPUT_QUALITY][row], atol=1e-5)
        quality = float(result.inference[sig.OUTPUT_QUALITY])
        # every kind exported with the fixture's calibration gives the same calibrated score
        np.testing.assert_allclose(
            result.inference[sig.OUTPUT_QUALITY_SCORE], apply_calibration(quality, model.calibration), atol=1e-3
        )


def test_explicit_calibration_overrides_the_models_own(exported, tmp_path):
    calibration = {"type": "logistic", "centre": -3.0, "scale": 0.5}
    handler = CRFIQAModelHandler(exported["saved"], calibration=calibration, cache_dir=str(tmp_path / "cache"))
    model = handler.load_model()
    results = list(handler.run_inference(list(exported["images"][:2]), model))
    for result in results:
        expected = apply_calibration(float(result.inference[sig.OUTPUT_QUALITY]), calibration)
        np.testing.assert_allclose(result.inference[sig.OUTPUT_QUALITY_SCORE], expected, rtol=1e-5)


def test_beam_sharing_and_batching_options_are_honoured():
    plain = CRFIQAModelHandler("m.tflite", min_batch_size=2, max_batch_size=5)
    assert not plain.share_model_across_processes() and plain.model_copies() == 1
    kwargs = plain.batch_elements_kwargs()
    assert kwargs["min_batch_size"] == 2 and kwargs["max_batch_size"] == 5
    assert kwargs["element_size_fn"] is element_weight
    assert CRFIQAModelHandler("m.tflite", large_model=True).share_model_across_processes()
    copies = CRFIQAModelHandler("m.tflite", model_copies=3)
    assert copies.share_model_across_processes() and copies.model_copies() == 3
    face, photo = np.zeros((112, 112, 3), np.uint8), np.zeros((3000, 4000, 3), np.uint8)
    assert element_weight(face) == element_weight(("path", face)) == element_weight(face[:10, :10]) == 1
    assert element_weight(("path", photo)) == 957  # ceil(36e6 / 37632): a batch of its own


def test_unknown_precision_for_a_tflite_model_is_refused(exported, tmp_path):
    handler = CRFIQAModelHandler(
        exported["files"]["crfiqa_int8.tflite"]["path"], precision="bfloat16", cache_dir=str(tmp_path / "c")
    )
    with pytest.raises(ValueError, match="only a SavedModel can run in another precision"):
        handler.load_model()


def test_a_batch_of_different_images_gives_each_its_own_result():
    """The handler on a scorer double (tests/support/scorer_doubles.py): every element's quality, score and warning are
    its own, in batch order, whatever the sizes mixed in the batch."""
    from support.scorer_doubles import MeanPixelScorer

    calibration = {"type": "logistic", "centre": 0.5, "scale": 0.1}
    scorer = MeanPixelScorer(image_size=8)
    scorer.label = "double"
    batch = [np.full((8, 8, 3), 51, np.uint8), np.full((20, 10, 3), 204, np.uint8), np.full((8, 8, 3), 102, np.uint8)]
    results = list(CRFIQAModelHandler("unused", calibration=calibration).run_inference(batch, scorer))
    assert [r.example is image for r, image in zip(results, batch)] == [True] * 3
    quality = [float(r.inference[sig.OUTPUT_QUALITY]) for r in results]
    assert quality == pytest.approx([0.2, 0.8, 0.4])
    scores = [float(r.inference[sig.OUTPUT_QUALITY_SCORE]) for r in results]
    assert scores == pytest.approx(apply_calibration(np.array([0.2, 0.8, 0.4]), calibration), rel=1e-6)
    warnings = [r.inference["warning"] for r in results]
    assert warnings[0] is None and warnings[2] is None and "10x20, not the model's 8x8" in warnings[1]
    assert {r.model_id for r in results} == {"double"} and scorer.batches == [3]


def test_a_batch_of_photos_gives_each_photo_its_own_outputs():
    from crfiqa_tf_apps.beam_jobs.model_handler import PhotoModelHandler

    class PhotoDouble:  # score_photos: one face per photo whose quality is the photo's length in bytes
        label, calibration = "double", None

        def score_photos(self, photos):
            quality = np.array([[float(len(p))] for p in photos], np.float32)
            return {sig.OUTPUT_QUALITY: quality, sig.OUTPUT_NUM_FACES: np.ones(len(photos), np.int32)}

    batch = [b"a", b"bbb", b"bb"]
    results = list(PhotoModelHandler("unused").run_inference(batch, PhotoDouble()))
    assert [r.example for r in results] == batch
    assert [float(r.inference[sig.OUTPUT_QUALITY][0]) for r in results] == [1.0, 3.0, 2.0]
    assert all(sig.OUTPUT_QUALITY_SCORE not in r.inference for r in results)
