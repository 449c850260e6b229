"""`crfiqa_tf.model_io`: what each kind of model path means, and `load_scorer` giving the same answers for every
exported kind of the same model."""

import os

import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf import signatures as sig
from crfiqa_tf.model_io import input_size, load_scorer


def test_only_a_saved_model_runs_in_another_precision(tmp_path):
    (tmp_path / "x.onnx").write_bytes(b"")
    with pytest.raises(ValueError, match="only a SavedModel can run in another precision"):
        load_scorer(str(tmp_path / "x.onnx"), precision="bfloat16")


def test_every_kind_of_the_same_model_scores_alike(exported):
    images = exported["images"][:8]
    reference = load_scorer(exported["saved"]).predict(images)
    paths = {
        "keras": str(exported["tmp"] / "model.keras"),
        "tflite fp32": exported["files"]["crfiqa_fp32.tflite"]["path"],
        "onnx": exported["files"]["crfiqa.onnx"]["path"],
    }
    for name, path in paths.items():
        scorer = load_scorer(path)
        assert scorer.image_size == 32, name
        outputs = scorer.predict(images)
        np.testing.assert_allclose(outputs[sig.OUTPUT_QUALITY], reference[sig.OUTPUT_QUALITY], atol=1e-4, err_msg=name)
        np.testing.assert_allclose(
            outputs[sig.OUTPUT_EMBEDDING], reference[sig.OUTPUT_EMBEDDING], atol=1e-4, err_msg=name
        )
    int8 = load_scorer(exported["files"]["crfiqa_int8.tflite"]["path"], threads=1).predict(images)
    assert np.corrcoef(int8[sig.OUTPUT_QUALITY], reference[sig.OUTPUT_QUALITY])[0, 1] > 0.95


def test_input_size_is_read_from_every_kinds_file_local_or_remote(exported, tmp_path):
    """What the Beam aligner crops at: the model's own side (32 here, not the template's 112), without loading it."""
    kinds = {
        "saved_model": exported["saved"],
        "saved_model base folder": os.path.dirname(exported["saved"]),
        "tflite": exported["files"]["crfiqa_int8.tflite"]["path"],
        "onnx": exported["files"]["crfiqa.onnx"]["path"],
        "keras": str(exported["tmp"] / "model.keras"),
    }
    for name, path in kinds.items():
        assert input_size(path) == 32, name
    remote = "ram://input_size/saved_model"
    tf.io.gfile.makedirs(remote)
    tf.io.gfile.copy(f"{exported['saved']}/saved_model.pb", f"{remote}/saved_model.pb", overwrite=True)
    assert input_size(remote) == 32
    for name in ("crfiqa_int8.tflite", "crfiqa.onnx"):  # remote files are read as bytes
        tf.io.gfile.copy(exported["files"][name]["path"], f"ram://input_size/{name}", overwrite=True)
        assert input_size(f"ram://input_size/{name}") == 32, name
    (tmp_path / "versions" / "1").mkdir(parents=True)  # a version folder without its saved_model.pb
    with pytest.raises(FileNotFoundError, match="no SavedModel at"):
        input_size(str(tmp_path / "versions"))
    (tmp_path / "other.tflite").write_bytes(b"not a model")
    (tmp_path / "other.onnx").write_bytes(b"not a model either")
    for name in ("other.tflite", "other.onnx"):
        with pytest.raises(ValueError, match=rf"{name}: cannot be read as a \w+ model"):
            input_size(str(tmp_path / name))


def test_litert_scorer_is_safe_to_share_between_threads(exported):
    """Beam shares one model between the threads of a worker process; the interpreter must not run twice at once."""
    from concurrent.futures import ThreadPoolExecutor

    scorer = load_scorer(exported["files"]["crfiqa_int8.tflite"]["path"], threads=1)
    batches = [exported["images"][i : i + 4] for i in range(0, 24, 4)] * 4
    expected = [scorer.predict(batch)[sig.OUTPUT_QUALITY] for batch in batches]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda batch: scorer.predict(batch)[sig.OUTPUT_QUALITY], batches))
    for a, b in zip(expected, got):
        np.testing.assert_array_equal(a, b)


def test_a_model_trained_in_mixed_bfloat16_loads_and_exports_in_float32(tmp_path):
    import keras
    from support.helpers import tiny_model

    from crfiqa_tf.model_io import load_inference_model

    keras.mixed_precision.set_global_policy("mixed_bfloat16")
    try:
        model = tiny_model(num_classes=4, size=32)
        model.build((None, 32, 32, 3))
        model.save(tmp_path / "model.keras")
    finally:
        keras.mixed_precision.set_global_policy("float32")
    assert model.quality_head.dtype_policy.name == "mixed_bfloat16"  # kept in the saved config
    inference = load_inference_model(str(tmp_path / "model.keras"))
    assert {layer.dtype_policy.name for layer in inference._flatten_layers()} == {"float32"}
    out = inference(np.zeros((2, 32, 32, 3), np.uint8))
    assert out[sig.OUTPUT_QUALITY].dtype == tf.float32 and out[sig.OUTPUT_EMBEDDING].dtype == tf.float32
    concrete = tf.function(lambda x: inference(x)).get_concrete_function(tf.TensorSpec([None, 32, 32, 3], tf.uint8))
    dtypes = {op.get_attr("T") for op in concrete.graph.get_operations() if "T" in op.node_def.attr}
    assert tf.float32 in dtypes and tf.bfloat16 not in dtypes  # a bfloat16 op fails the TFLite conversion
