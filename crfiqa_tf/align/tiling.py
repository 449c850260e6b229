"""Where the detector looks in a frame so that a face is found by its size in pixels, not by its share of the frame.

BlazeFace full-range sees a 192×192 input. Shrinking a whole 4000×3000 photo to it makes a face 200 px tall 10 px
tall, and the detector misses it. So besides the whole frame (letterboxed, as MediaPipe does) the frame is also
looked at in *levels*: the frame resized by a scale at which a face of the smallest size asked for (`min_face`,
pixels between the eyes) has `DETECTABLE_EYE_PX` between the eyes, then by half that scale, and so on while the
level is still finer than the whole frame by more than `LEVEL_MARGIN` (the whole frame sees the larger faces, and
`crfiqa_tf.align.second_look` looks closer at what it almost saw: a VGA frame, seen whole at 0.3 of its size against
the finest level's 0.4, has no tiles). Each level is cut into 192×192 tiles that overlap by `TILE_OVERLAP` pixels,
so every face a level is there for lies whole inside one of its tiles; a candidate that crosses a tile's inner edge
is a cut face and is dropped (the tile beside it sees it whole), and so is one larger than the overlap (a coarser
level or the whole frame sees it). Candidates of the frame and of every tile are merged in source pixels by the one
weighted suppression.

This module is the one place these numbers and the plan live: the LiteRT path (`crfiqa_tf.align.blazeface`) and
the TensorFlow-ops path (`crfiqa_tf.align.tiling_tf`, which computes the same plan in graph ops) import
them, and the two plans are tested equal.

`DETECTABLE_EYE_PX` was chosen from a measurement made by hand while this module was written (not a benchmark):
the packaged photos' faces pasted at random places of face-free photos in the detector's own 192×192 input were
found 48 of 54 times at 6.5–8 px between the eyes, 35 of 54 at 6 px and 26 of 54 at 4.5 px. Its effect on whole
frames is what `benchmarks/small_faces.py` measures.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

INPUT_SIZE = 192  # BlazeFace full-range's input side
DETECTABLE_EYE_PX = 8.0  # between the eyes, in detector pixels: the size a level gives the smallest face asked for
DEFAULT_MIN_FACE = 20.0  # pixels between the eyes in the source photo: the smallest face looked for by default
TILE_OVERLAP = 64  # detector pixels two neighbouring tiles share (a face twice the level's smallest fits in it)
LEVEL_MARGIN = math.sqrt(2.0)  # a level is kept only while its scale is more than this much finer than the frame's
MAX_LEVELS = 8  # enough for a 2⁸ ratio between the whole frame's scale and the finest level's
MAX_SCALE = 1.0  # frames are never enlarged: a face below DETECTABLE_EYE_PX source pixels is not looked for


@dataclass(frozen=True)
class Level:
    """One level of the plan: the frame resized to ``height × width`` (``scale`` of the source, each side rounded)
    and cut into tiles whose top-left corners, in level pixels, are ``origins`` ``[n, 2]`` (x, y)."""

    scale: float
    height: int
    width: int
    origins: np.ndarray


def check_min_face(min_face) -> float | None:
    """`min_face` as a float, or None for "the whole frame only"; a clear error for anything else."""
    if min_face is None:
        return None
    try:
        value = float(min_face)
    except (TypeError, ValueError):
        raise ValueError(f"min_face must be a number of pixels between the eyes, got {min_face!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"min_face must be a positive number of pixels between the eyes, got {min_face!r}")
    return value


def parse_min_face(text: str) -> float | None:
    """A ``--min-face`` value: pixels between the eyes, or ``none`` for the whole frame only."""
    return None if str(text).strip().lower() == "none" else check_min_face(text)


MIN_FACE_HELP = (
    "smallest face looked for, in pixels between the eyes (default %(default)s, found whatever the frame's size; "
    "'none': the whole frame only, faster, for faces whose eyes are over ~4%% of its longer side apart)"
)


def level_scales(height: int, width: int, min_face: float | None) -> list[float]:
    """The scales of the levels for a ``height × width`` frame, finest first (none when the whole frame already
    shows a face of `min_face` large enough, or when `min_face` is None)."""
    min_face = check_min_face(min_face)
    if min_face is None:
        return []
    whole = INPUT_SIZE / max(height, width)
    scale = min(DETECTABLE_EYE_PX / min_face, MAX_SCALE)
    if scale <= whole * LEVEL_MARGIN:
        return []
    scales = [scale]
    while scale / 2.0 > whole * LEVEL_MARGIN and len(scales) < MAX_LEVELS:
        scale /= 2.0
        scales.append(scale)
    return scales


def tile_starts(length: int) -> np.ndarray:
    """Where the tiles start along one side of `length` level pixels: evenly spread, the first at 0 and the last
    ending at the side's end, neighbours sharing at least `TILE_OVERLAP` pixels."""
    if length <= INPUT_SIZE:
        return np.zeros(1, np.int64)
    count = math.ceil((length - INPUT_SIZE) / (INPUT_SIZE - TILE_OVERLAP)) + 1
    return np.round(np.linspace(0.0, length - INPUT_SIZE, count)).astype(np.int64)


def level_size(height: int, width: int, scale: float) -> tuple[int, int]:
    """A level's side lengths: each side scaled and rounded (half to even, as TensorFlow's `round`), at least 1."""
    return max(1, int(np.round(height * scale))), max(1, int(np.round(width * scale)))


def plan(height: int, width: int, min_face: float | None) -> list[Level]:
    """Every level of a ``height × width`` frame with its tiles (the whole frame itself is not a level)."""
    levels = []
    for scale in level_scales(height, width, min_face):
        level_h, level_w = level_size(height, width, scale)
        ys, xs = tile_starts(level_h), tile_starts(level_w)
        origins = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)  # row-major: y outer, x inner
        levels.append(Level(scale, level_h, level_w, origins))
    return levels


def kept_in_tile(boxes: np.ndarray, origin: np.ndarray, level_h: int, level_w: int) -> np.ndarray:
    """``[n]`` True for the candidate boxes (``[n, 4]`` in tile pixels) a tile is there for: not crossing an edge of
    the tile that is not an edge of the level (a face cut by the tile, which a neighbour sees whole), and no larger
    than `TILE_OVERLAP` on either side (a face that large is seen by a coarser level or the whole frame, which
    then decide its box and points as they would without tiles)."""
    boxes = np.asarray(boxes, np.float64)
    x, y = float(origin[0]), float(origin[1])
    left = (boxes[:, 0] < 0) & (x > 0)
    top = (boxes[:, 1] < 0) & (y > 0)
    right = (boxes[:, 2] > INPUT_SIZE) & (x + INPUT_SIZE < level_w)
    bottom = (boxes[:, 3] > INPUT_SIZE) & (y + INPUT_SIZE < level_h)
    large = np.maximum(boxes[:, 2] - boxes[:, 0], boxes[:, 3] - boxes[:, 1]) > TILE_OVERLAP
    return ~(left | top | right | bottom | large)


def tile_count(height: int, width: int, min_face: float | None) -> int:
    """How many tiles the plan has beside the whole frame (each is one detector run)."""
    return sum(len(level.origins) for level in plan(height, width, min_face))
