"""OFIQ's mappings from a component's raw value to its 0–100 quality value.

Sources (BSI-OFIQ/OFIQ-Project, MIT licence; formulas cited, code written here): the generic mapping is
``Measure.h``'s ``ScalarConversion``, ``round(h · (a + s · sigmoid(x; x0, w)))`` clipped to [0, 100] with
``sigmoid(x; x0, w) = 1 / (1 + exp((x0 − x) / w))``; the parameters are the defaults of each measure's ``.cpp``
and ``data/ofiq_config.jaxn``. Measures with a mapping of their own (head pose, luminance, illumination uniformity,
dynamic range, over-exposure, single face present) are written out in `crfiqa_tf.components.measures` beside the
raw value they map, with the OFIQ file named.
"""

from __future__ import annotations

import math
from dataclasses import dataclass


@dataclass(frozen=True)
class Sigmoid:
    h: float = 1.0
    a: float = 0.0
    s: float = 1.0
    x0: float = 0.0
    w: float = 1.0

    def __call__(self, raw: float) -> int:
        return clip_round(self.h * (self.a + self.s * sigmoid(raw, self.x0, self.w)))


def sigmoid(x: float, x0: float, w: float) -> float:
    z = (x0 - x) / w
    return 0.0 if z > 700 else 1.0 / (1.0 + math.exp(z))


def clip_round(value: float) -> int:
    return int(min(100.0, max(0.0, round(value))))


# EyesOpen.cpp: h 100, x0 0.02, w 0.01.
EYES_OPEN = Sigmoid(h=100, x0=0.02, w=0.01)
# MouthClosed.cpp: inverse (a 1, s −1), h 100, x0 0.2, w 0.06.
MOUTH_CLOSED = Sigmoid(h=100, a=1, s=-1, x0=0.2, w=0.06)
# InterEyeDistance.cpp: h 100, x0 70, w 20 (pixels).
INTER_EYE_DISTANCE = Sigmoid(h=100, x0=70.0, w=20.0)
# HeadSize.cpp: inverse, h 200, x0 0, w 0.05, applied to |raw − 0.45|.
HEAD_SIZE = Sigmoid(h=200, a=1, s=-1, x0=0.0, w=0.05)
HEAD_SIZE_TARGET = 0.45
# CropOfTheFaceImage.cpp / ofiq_config.jaxn: left and right h 100, x0 0.9, w 0.1; margin above the eyes x0 1.4,
# margin below the eyes x0 1.8 (config keys MarginAboveOfTheFaceImage / MarginBelowOfTheFaceImage).
SIDE_CROP = Sigmoid(h=100, x0=0.9, w=0.1)
MARGIN_ABOVE = Sigmoid(h=100, x0=1.4, w=0.1)
MARGIN_BELOW = Sigmoid(h=100, x0=1.8, w=0.1)
# UnderExposurePrevention.cpp: h 120, a 0.832, s −1, x0 0.92, w 0.05 on the share of face pixels of luminance 0–25.
UNDER_EXPOSURE = Sigmoid(h=120, a=0.832, s=-1, x0=0.92, w=0.05)
# NaturalColour.cpp: inverse, h 200, x0 0, w 10.
NATURAL_COLOUR = Sigmoid(h=200, a=1, s=-1, x0=0.0, w=10.0)
