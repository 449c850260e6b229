"""crfiqa_tf.inference.litert: the LiteRT scorer's dequantization on a known scale, and raw photos to scores with
TensorFlow blocked from import (the edge install)."""

import subprocess
import sys

import numpy as np
from support.paths import ROOT


def test_litert_dequantization_on_a_known_scale():
    from crfiqa_tf.inference.litert import _dequantize

    value = np.array([-128, -3, 1, 127], np.int8)
    np.testing.assert_allclose(_dequantize(value, {"quantization": (0.5, -3)}), [-62.5, 0.0, 2.0, 65.0])
    np.testing.assert_array_equal(_dequantize(np.array([1.5], np.float32), {"quantization": (0.0, 0)}), [1.5])


def test_raw_photos_to_scores_with_tensorflow_blocked(exported):
    """The edge path: `load_scorer` on a .tflite file, BlazeFace + Face Mesh detection and the 5-point alignment of
    a real group photo, and `crfiqa-tf score --align`, in a process where importing TensorFlow, Keras or MTCNN
    raises."""
    from crfiqa_tf.data.sample_photos import photo_path

    path = exported["files"]["crfiqa_int8.tflite"]["path"]
    out = str(exported["tmp"] / "edge_scores.csv")
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('tensorflow', 'keras', 'mtcnn', 'tf_keras'):\n"
        "            raise ImportError(f'{name} is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import crfiqa_tf\n"
        "options = crfiqa_tf.FaceOptions(align=True, faces='all')\n"
        f"records = crfiqa_tf.load_scorer({path!r}).score([{photo_path('group_of_six')!r}], options=options)\n"
        "assert len(records) == 6 and all(r.error is None and r.quality is not None for r in records), records\n"
        "assert all(r.box is not None and r.landmarks.shape == (5, 2) for r in records)\n"
        "from crfiqa_tf.cli import main\n"
        f"assert main(['score', {photo_path('astronaut')!r}, '--model', {path!r}, '--align', '--out', {out!r}]) == 0\n"
        "print(len(records), 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "6 False False"
    assert "astronaut.png" in open(out).read().splitlines()[1]  # and `crfiqa-tf score --align` too
