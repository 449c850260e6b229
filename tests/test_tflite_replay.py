"""crfiqa_tf.align.tflite_replay: MediaPipe's two `.tflite` graphs replayed as TensorFlow ops give LiteRT's outputs
on real photos."""

import numpy as np
from PIL import Image

from crfiqa_tf.align.blazeface import DETECTOR_FILE, INPUT_SIZE
from crfiqa_tf.align.face_mesh import data_file
from crfiqa_tf.align.mesh_model import LANDMARK_FILE
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
