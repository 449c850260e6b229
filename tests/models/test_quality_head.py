"""crfiqa_tf.models.quality_head: the head is one linear unit on the embedding (a known answer from weights set by
hand), named as the official module, and it survives serialization and saving."""

import keras
import numpy as np
from support.helpers import run_saving_test, run_serialization_test

from crfiqa_tf.models import CRQualityHead


def test_quality_head_round_trip(tmp_path):
    head = CRQualityHead()
    x = np.random.default_rng(3).normal(size=(4, 16)).astype(np.float32)
    inputs = keras.Input((16,))
    model = keras.Model(inputs, head(inputs))
    run_serialization_test(head)
    run_saving_test(model, x, tmp_path)


def test_the_head_is_one_linear_unit_named_qs():
    head = CRQualityHead()
    head.build((None, 3))
    head.dense.set_weights([np.array([[1.0], [2.0], [-1.0]], np.float32), np.array([0.5], np.float32)])
    out = head(np.array([[1.0, 1.0, 1.0], [0.0, 2.0, 4.0]], np.float32))
    np.testing.assert_allclose(out, [2.5, 0.5])  # 1 + 2 − 1 + 0.5; 4 − 4 + 0.5
    assert head.name == "qs" and head.compute_output_shape((7, 3)) == (7,)
