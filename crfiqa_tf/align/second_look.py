"""A second, closer look where the detector almost saw a face.

The levels of `crfiqa_tf.align.tiling` give a face of `min_face` pixels between the eyes about
`tiling.DETECTABLE_EYE_PX` in the detector, where BlazeFace's score depends on where the face falls in the tile:
group-photo faces of 20–25 px between the eyes scored 0.3–0.74 there, and a VOC face of 15 px scored under the
threshold in the whole frame. Finer levels would find them at several times the tiles' cost on every frame. Instead
the candidates that score between `HINT_SCORE` and the detector's threshold (*hints*) are looked at once more: a
192×192 window around the hint, at the scale that gives its box at most `LOOK_BOX` detector pixels (never enlarging
the photo), whose candidates join the others in the one weighted suppression. The Face Mesh then confirms or rejects
every face as before, so a hint that is no face costs one detector run and no false face. At most `MAX_LOOKS` hints
are looked at per frame, best score first, and none that overlaps a candidate above the threshold (a face already
seen there); a frame with no hint costs what it did.

The numbers were chosen from measurements made by hand while this module was written (not a benchmark; the
benchmark `benchmarks/small_faces.py` measures the result) on the 127 composite faces with ≥ 20 px between the eyes
and dlib's 43 VOC faces: hints from 0.2 found 126 and 43 (the tiles alone 125 and 42; the face still missed scored
0.19), hints from 0.15 all of them, hints from 0.1 all of them with twice the looks and one more false face;
`LOOK_BOX` 64 gave no more false faces than the tiles alone, 40–48 two more. With the second looks a 640×480 frame
needs no tiles (`tiling.LEVEL_MARGIN`): its 29 composite faces were all found without them.

This module is the one place these numbers and the choice live: the LiteRT path (`crfiqa_tf.align.blazeface`) and
the TensorFlow-ops path (`crfiqa_tf.align.second_look_tf`) import them, and the two are tested equal.
"""

from __future__ import annotations

import math

import numpy as np

from crfiqa_tf.align import tiling
from crfiqa_tf.align.detection import NMS_IOU, box_iou

HINT_SCORE = 0.15  # a candidate from this score up to the detector's threshold is looked at again
LOOK_BOX = float(tiling.TILE_OVERLAP)  # the most detector pixels a hint's box spans in its window: a tile's largest
MAX_LOOKS = 4  # windows looked at per frame at most, best hints first
HINT_IOU = NMS_IOU  # a hint overlapping a kept hint or a candidate above the threshold this much would merge with it
GRID = 16  # window corners lie on a grid of this many detector pixels (see `window`)


def score_floor(min_confidence: float, looks_again: bool) -> float:
    """The lowest score a detector keeps a candidate with: down to `HINT_SCORE` where the candidates below its
    threshold `min_confidence` are looked at again, the threshold itself where they are not."""
    return min(HINT_SCORE, min_confidence) if looks_again else min_confidence


def hints(boxes: np.ndarray, scores: np.ndarray, seen: np.ndarray) -> np.ndarray:
    """Indices of the candidates to look at again, best score first: of `boxes` ``[n, 4]`` (scores below the
    threshold), at most `MAX_LOOKS`, none overlapping `seen` ``[m, 4]`` (the candidates above it) or a hint kept
    before it by more than `HINT_IOU`."""
    boxes, seen = np.asarray(boxes, np.float32).reshape(-1, 4), np.asarray(seen, np.float32).reshape(-1, 4)
    kept: list[int] = []
    for i in np.argsort(-np.asarray(scores), kind="stable"):
        if len(kept) == MAX_LOOKS:
            break
        if len(seen) and (box_iou(boxes[i], seen) > HINT_IOU).any():
            continue
        if kept and (box_iou(boxes[i], boxes[kept]) > HINT_IOU).any():
            continue
        kept.append(int(i))
    return np.asarray(kept, np.int64)


def window(box) -> tuple[int, int, int]:
    """The square of the source photo (left, top, side; it may reach past the photo's edges, which read as black)
    that a hint's `box` is looked at in: about centred on the box, of the side at which the detector's input shows
    the box's longer side at most `LOOK_BOX` pixels, the photo never enlarged.

    Sides come in steps of √2 from `tiling.INPUT_SIZE` and corners on a grid of `GRID` detector pixels, so that two
    runs whose boxes differ by a fraction of a pixel (LiteRT and the TF replay) look at the same pixels; BlazeFace's
    score moves by several hundredths between windows one pixel apart."""
    x0, y0, x1, y1 = (float(v) for v in box)
    longer = max(x1 - x0, y1 - y0, 1e-6)
    steps = max(0, math.ceil(2.0 * math.log2(longer / LOOK_BOX)))
    side = int(np.round(tiling.INPUT_SIZE * 2.0 ** (steps / 2.0)))
    pitch = GRID * side / tiling.INPUT_SIZE  # source pixels between grid lines
    # the grid line nearest the centred corner; then in integers (floored), as a float product can land either side
    # of a whole number depending on how a graph orders it
    column = int(np.round(((x0 + x1) / 2.0 - side / 2.0) / pitch))
    row = int(np.round(((y0 + y1) / 2.0 - side / 2.0) / pitch))
    return column * GRID * side // tiling.INPUT_SIZE, row * GRID * side // tiling.INPUT_SIZE, side


def window_pixels(image: np.ndarray, left: int, top: int, side: int) -> np.ndarray:
    """The window's ``[side, side, 3]`` uint8 pixels, black where it reaches past the photo."""
    height, width = image.shape[:2]
    out = np.zeros((side, side, 3), np.uint8)
    x0, y0, x1, y1 = max(left, 0), max(top, 0), min(left + side, width), min(top + side, height)
    if x1 > x0 and y1 > y0:
        out[y0 - top : y1 - top, x0 - left : x1 - left] = image[y0:y1, x0:x1]
    return out


def kept_in_window(boxes: np.ndarray, left: int, top: int, side: int, height: int, width: int) -> np.ndarray:
    """``[n]`` True for the window's candidates (``[n, 4]`` in detector pixels) it is there for: the tile rule
    (`tiling.kept_in_tile`) with the window as a tile of the photo resized by the window's scale."""
    scale = tiling.INPUT_SIZE / side
    origin = np.array([left * scale, top * scale])
    return tiling.kept_in_tile(boxes, origin, height * scale, width * scale)
