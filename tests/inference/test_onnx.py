"""crfiqa_tf.inference.onnx: the ONNX Runtime scorer on small graphs built here with the ONNX helpers (a known
answer: quality is the mean pixel), locally and from ram:// (the stand-in for gs://), with its sidecar's
calibration; a graph without the ``images`` input and a provider that is not installed are refused, named."""

import json

import numpy as np
import onnx
import pytest
from onnx import TensorProto, helper

from crfiqa_tf import paths
from crfiqa_tf.inference.onnx import OnnxScorer


def mean_pixel_model(input_name: str = "images", size: int = 8) -> bytes:
    """``quality = mean(images)`` over each image, as float32."""
    graph = helper.make_graph(
        [
            helper.make_node("Cast", [input_name], ["pixels"], to=TensorProto.FLOAT),
            helper.make_node("ReduceMean", ["pixels"], ["quality"], axes=[1, 2, 3], keepdims=0),
        ],
        "mean_pixel",
        [helper.make_tensor_value_info(input_name, TensorProto.UINT8, ["batch", size, size, 3])],
        [helper.make_tensor_value_info("quality", TensorProto.FLOAT, ["batch"])],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    onnx.checker.check_model(model)
    return model.SerializeToString()


@pytest.mark.parametrize("where", ["local", "ram"])
def test_quality_is_the_graphs_answer_with_the_sidecars_calibration(where, tmp_path):
    path = str(tmp_path / "m.onnx") if where == "local" else "ram://onnx-test/m.onnx"
    paths.makedirs(paths.dirname(path))
    paths.write_bytes(path, mean_pixel_model())
    calibration = {"p_low": 10.0, "p_high": 20.0}
    paths.write_text(path + ".json", json.dumps({"calibration": calibration}))
    scorer = OnnxScorer(path, threads=1)
    images = np.random.default_rng(0).integers(0, 256, (3, 8, 8, 3), dtype=np.uint8)
    np.testing.assert_allclose(scorer.predict(images)["quality"], images.reshape(3, -1).mean(1), rtol=1e-6)
    assert scorer.image_size == 8 and scorer.calibration == calibration


def test_a_graph_without_the_images_input_is_refused(tmp_path):
    path = tmp_path / "other.onnx"
    path.write_bytes(mean_pixel_model(input_name="pixels_in"))
    with pytest.raises(ValueError, match=r"other.onnx: expected an input named 'images', found \['pixels_in'\]"):
        OnnxScorer(str(path))


def test_a_provider_that_is_not_installed_is_refused(tmp_path):
    path = tmp_path / "m.onnx"
    path.write_bytes(mean_pixel_model())
    with pytest.raises(ValueError, match=r"m.onnx: ONNX Runtime providers \['NoSuchExecutionProvider'\] are not"):
        OnnxScorer(str(path), providers=["NoSuchExecutionProvider"])
