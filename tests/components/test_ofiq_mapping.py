"""crfiqa_tf.components.ofiq_mapping: OFIQ's sigmoid mappings and the helpers at their extremes."""

from crfiqa_tf.components import ofiq_mapping as ofiq
from crfiqa_tf.components.ofiq_mapping import EYES_OPEN, MOUTH_CLOSED, Sigmoid


def test_ofiq_sigmoid_mapping():
    assert EYES_OPEN(0.02) == 50 and EYES_OPEN(0.0) == 12 and EYES_OPEN(0.05) == 95  # 100/(1+e^2), 100/(1+e^-3)
    assert MOUTH_CLOSED(0.2) == 50 and MOUTH_CLOSED(0.0) == 97  # 100·(1 − 1/(1+e^(0.2/0.06)))
    assert Sigmoid(h=120, a=0.832, s=-1, x0=0.92, w=0.05)(1.0) == 0  # clipped at 0
    assert Sigmoid(h=200, a=1, s=-1, x0=0, w=10)(0.0) == 100


def test_mapping_helpers_at_their_extremes():
    assert ofiq.clip_round(100.6) == 100 and ofiq.clip_round(-3.0) == 0 and ofiq.clip_round(41.6) == 42
    assert ofiq.sigmoid(1e9, 0.0, 1.0) == 1.0 and ofiq.sigmoid(-1e9, 0.0, 1.0) == 0.0  # no overflow either way
    assert ofiq.sigmoid(0.0, 0.0, 1.0) == 0.5 and ofiq.sigmoid(-700.5, 0.0, 1.0) == 0.0
    assert ofiq.sigmoid(-699.0, 0.0, 1.0) > 0.0
