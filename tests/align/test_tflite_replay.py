"""crfiqa_tf.align.tflite_replay: MediaPipe's two `.tflite` graphs replayed as TensorFlow ops give LiteRT's outputs
on real photos."""

import numpy as np
from PIL import Image

from crfiqa_tf.align.blazeface import DETECTOR_FILE, INPUT_SIZE
from crfiqa_tf.align.mesh_model import LANDMARK_FILE
from crfiqa_tf.align.mesh_topology import data_file
from crfiqa_tf.align.tflite_replay import TFLiteGraph
from crfiqa_tf.data.sample_photos import available, photo

PHOTOS = available()[:4]


def test_replayed_mediapipe_models_equal_litert_on_real_photos():
    from ai_edge_litert.interpreter import Interpreter

    inputs = [np.asarray(Image.fromarray(photo(n)).resize((INPUT_SIZE, INPUT_SIZE)), np.float32) for n in PHOTOS]
    for name, scale in ((DETECTOR_FILE, lambda x: x / 127.5 - 1), (LANDMARK_FILE, lambda x: x / 255.0)):
        interpreter = Interpreter(model_path=data_file(name))
        interpreter.allocate_tensors()
        replay = TFLiteGraph(data_file(name))
        batch = np.stack([scale(x) for x in inputs])
        replayed = [o.numpy() for o in replay(batch)]
        for row, x in enumerate(batch):
            interpreter.set_tensor(interpreter.get_input_details()[0]["index"], x[None])
            interpreter.invoke()
            for ours, detail in zip(replayed, interpreter.get_output_details()):
                theirs = interpreter.get_tensor(detail["index"]).reshape(ours[row].shape)
                assert np.abs(ours[row] - theirs).max() <= 1e-3 * max(1.0, np.abs(theirs).max()), (name, row)


def test_a_graph_that_runs_the_model_in_three_places_holds_its_operators_once():
    import tensorflow as tf

    detector = TFLiteGraph(data_file(DETECTOR_FILE))
    convolutions = sum(1 for name, *_ in detector._ops if name in ("CONV_2D", "DEPTHWISE_CONV_2D"))

    @tf.function(input_signature=[tf.TensorSpec([None, INPUT_SIZE, INPUT_SIZE, 3], tf.float32)])
    def three_calls(x):  # as the whole frame, the tiles and the second looks do in score_photos
        return [detector(x)[1], detector(x[:1])[1], detector(x * 0.5)[1]]

    graph = three_calls.get_concrete_function().graph.as_graph_def()
    nodes = list(graph.node) + [node for function in graph.library.function for node in function.node_def]
    assert sum(1 for node in nodes if node.op in ("Conv2D", "DepthwiseConv2dNative")) == convolutions > 0
    x = np.random.default_rng(0).uniform(-1, 1, (2, INPUT_SIZE, INPUT_SIZE, 3)).astype(np.float32)
    first, _, _ = three_calls(tf.constant(x))
    np.testing.assert_allclose(first.numpy(), detector(x)[1].numpy(), atol=1e-5)  # the same outputs as eagerly
