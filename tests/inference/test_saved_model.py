"""crfiqa_tf.inference.saved_model: the SavedModel scorer, its bfloat16 rewrite close to float32 and leaving the process
in float32, and the warning on a CPU without bfloat16 instructions."""

import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.environment import cpu_has_bfloat16
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.inference.saved_model import SavedModelScorer


def test_bfloat16_scorer_is_close_to_float32_and_leaves_the_process_in_float32(exported):
    images = exported["images"]
    fp32 = SavedModelScorer(exported["saved"])
    before = fp32.predict(images)
    bf16 = SavedModelScorer(exported["saved"], precision="bfloat16").predict(images)
    assert spearman(bf16["quality"], before["quality"]) >= 0.99
    cosine = np.sum(bf16["embedding"] * before["embedding"], axis=1)
    assert cosine.mean() >= 0.995
    if cpu_has_bfloat16():  # the rewrite ran: bfloat16 arithmetic changes the low bits
        assert not np.array_equal(bf16["embedding"], before["embedding"])
    assert not tf.config.optimizer.get_experimental_options().get("auto_mixed_precision_onednn_bfloat16", False)
    after = fp32.predict(images)
    np.testing.assert_array_equal(after["quality"], before["quality"])
    with pytest.raises(ValueError, match="precision: 'float16'"):
        SavedModelScorer(exported["saved"], precision="float16")


def test_bfloat16_on_a_cpu_without_bfloat16_instructions_warns(exported, monkeypatch):
    monkeypatch.setattr("crfiqa_tf.environment.cpu_flags", lambda cpuinfo=None: {"avx2", "fma"})
    with pytest.warns(RuntimeWarning, match="neither avx512_bf16 nor amx_bf16"):
        SavedModelScorer(exported["saved"], precision="bfloat16")
