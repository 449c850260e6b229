"""crfiqa_tf.matchers: a recognition model in each format users have (SavedModel, Keras, ONNX, TFLite) gives the
embeddings of its own function on its declared preprocessing; inputs and outputs are discovered or named; and the
real matcher in ../shared tells LFW people apart where present."""

import os

import numpy as np
import pytest
import tensorflow as tf
from support.paths import SHARED_DATA

from crfiqa_tf.matchers.matcher import load_matcher
from crfiqa_tf.matchers.matcher_input import MatcherInput

SIDE, DIM = 16, 4
WEIGHTS = np.random.default_rng(0).normal(size=(SIDE * SIDE * 3, DIM)).astype(np.float32)
SPEC = MatcherInput(size=SIDE, value_range="-1..1")
FACES = np.random.default_rng(1).integers(0, 256, (5, SIDE, SIDE, 3), dtype=np.uint8)


def expected(spec=SPEC, faces=FACES):
    return spec.tensor(faces).reshape(len(faces), -1) @ WEIGHTS


def embed(x):
    return tf.matmul(tf.reshape(x, [-1, SIDE * SIDE * 3]), tf.constant(WEIGHTS))


def saved_model(path, outputs=("embedding",)):
    module = tf.Module()
    module.f = tf.function(
        lambda data: {name: embed(data) * (i + 1) for i, name in enumerate(outputs)},
        input_signature=[tf.TensorSpec([None, SIDE, SIDE, 3], tf.float32, name="data")],
    )
    tf.saved_model.save(module, str(path), signatures={"serving_default": module.f.get_concrete_function()})
    return str(path)


def test_a_saved_model_discovers_its_one_input_and_output(tmp_path):
    matcher = load_matcher(saved_model(tmp_path / "sm"), SPEC)
    assert (matcher.runner.input_name, matcher.runner.output_name) == ("data", "embedding")
    np.testing.assert_allclose(matcher.raw_embeddings(FACES, batch_size=2), expected(), rtol=1e-4, atol=1e-3)
    normalised = matcher.embeddings(FACES)
    np.testing.assert_allclose(np.linalg.norm(normalised, axis=1), 1.0, atol=1e-6)
    np.testing.assert_allclose(normalised, expected() / np.linalg.norm(expected(), axis=1, keepdims=True), atol=1e-5)


def test_several_outputs_need_a_name_and_the_name_picks_one(tmp_path):
    path = saved_model(tmp_path / "two", outputs=("a", "b"))
    with pytest.raises(ValueError, match=r"2 outputs \(a, b\); name the one to use"):
        load_matcher(path, SPEC)
    with pytest.raises(ValueError, match=r"no output named 'c'; it has a, b"):
        load_matcher(path, SPEC, output_name="c")
    np.testing.assert_allclose(
        load_matcher(path, SPEC, output_name="b").raw_embeddings(FACES), 2 * expected(), rtol=1e-4, atol=1e-3
    )
    with pytest.raises(ValueError, match=r"no signature named 'x'; it has serving_default"):
        load_matcher(path, SPEC, signature="x", output_name="a")


def test_a_remote_saved_model_is_read_through_tensorflows_filesystems():
    path = saved_model("ram://matchers/sm")
    np.testing.assert_allclose(load_matcher(path, SPEC).raw_embeddings(FACES), expected(), rtol=1e-4, atol=1e-3)


def test_a_keras_model(tmp_path):
    import keras

    inputs = keras.Input((SIDE, SIDE, 3))
    dense = keras.layers.Dense(DIM, use_bias=False)
    outputs = dense(keras.layers.Flatten()(inputs))
    model = keras.Model(inputs, outputs)
    dense.set_weights([WEIGHTS])
    model.save(tmp_path / "m.keras")
    matcher = load_matcher(str(tmp_path / "m.keras"), SPEC)
    np.testing.assert_allclose(matcher.raw_embeddings(FACES), expected(), rtol=1e-4, atol=1e-3)
    assert matcher.name == "m.keras"


def test_an_onnx_model_in_nchw_bgr(tmp_path):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    spec = MatcherInput(size=SIDE, value_range="0..1", channels="BGR", layout="NCHW")
    graph = helper.make_graph(
        [helper.make_node("Reshape", ["input", "shape"], ["flat"]), helper.make_node("MatMul", ["flat", "w"], ["out"])],
        "matcher",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", 3, SIDE, SIDE])],
        [helper.make_tensor_value_info("out", TensorProto.FLOAT, ["N", DIM])],
        [
            numpy_helper.from_array(np.array([-1, SIDE * SIDE * 3], np.int64), "shape"),
            numpy_helper.from_array(WEIGHTS, "w"),
        ],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model.ir_version = 8
    onnx.save(model, tmp_path / "m.onnx")
    got = load_matcher(str(tmp_path / "m.onnx"), spec).raw_embeddings(FACES)
    np.testing.assert_allclose(got, expected(spec), rtol=1e-4, atol=1e-3)  # the NCHW, BGR tensor flattened


def test_a_tflite_model_with_a_fixed_batch(tmp_path):
    function = tf.function(embed, input_signature=[tf.TensorSpec([1, SIDE, SIDE, 3], tf.float32)])
    converter = tf.lite.TFLiteConverter.from_concrete_functions([function.get_concrete_function()], function)
    (tmp_path / "m.tflite").write_bytes(converter.convert())
    got = load_matcher(str(tmp_path / "m.tflite"), SPEC).raw_embeddings(FACES)
    np.testing.assert_allclose(got, expected(), rtol=1e-4, atol=1e-3)


def test_what_is_not_a_matcher_is_refused_naming_it(tmp_path):
    with pytest.raises(FileNotFoundError, match="model not found: .*missing.onnx"):
        load_matcher(str(tmp_path / "missing.onnx"))
    path = saved_model(tmp_path / "sm")
    matcher = load_matcher(path, MatcherInput(size=SIDE))
    with pytest.raises(ValueError, match="matcher sm: no faces to embed"):
        matcher.raw_embeddings(np.zeros((0, SIDE, SIDE, 3), np.uint8))
    matcher.runner = lambda tensor: np.full((len(tensor), DIM), np.nan, np.float32)
    with pytest.raises(ValueError, match="matcher sm: the model gave NaN or infinite embeddings"):
        matcher.raw_embeddings(FACES)
    matcher.runner = lambda tensor: np.zeros((len(tensor), 2, DIM), np.float32)
    with pytest.raises(ValueError, match=r"expected one embedding vector per face \(\[5, D\]\), got \[5, 2, 4\]"):
        matcher.raw_embeddings(FACES)


SHARED = SHARED_DATA


@pytest.mark.skipif(not os.path.isdir(os.path.join(SHARED, "matchers")), reason="the real matcher lives in ../shared")
def test_the_real_matcher_scores_an_aligned_portrait_against_itself_and_others():
    from crfiqa_tf.data.sample_photos import photo

    matcher = load_matcher(os.path.join(SHARED, "matchers", "mobileface"))
    portrait = photo("aligned_portrait")  # insightface's own 112 x 112 crop
    faces = np.stack([portrait, portrait[:, ::-1], np.full_like(portrait, 128)])
    embeddings = matcher.embeddings(faces)
    assert embeddings.shape == (3, 256)
    assert embeddings[0] @ embeddings[1] > 0.7 > embeddings[0] @ embeddings[2]  # its mirror is the same person
