"""The width multiplier every backbone takes (MobileNet's alpha): channels scaled, rounded to a multiple of 8.

A width of 1.0 is the published network; a narrower one keeps the topology and layer names and scales the number
of channels, for edge students and for the tests' tiny models.
"""

from __future__ import annotations

import math


def check_width(width: float) -> float:
    """`width` as a float, or a ValueError naming it when it is not a positive finite number."""
    if not (math.isfinite(float(width)) and float(width) > 0.0):
        raise ValueError(f"width must be a positive number, got {width}")
    return float(width)


def scaled(channels: int, width: float) -> int:
    """`channels` times `width`, rounded to the nearest multiple of 8 and at least 8."""
    return max(8, int(round(channels * width / 8)) * 8)
