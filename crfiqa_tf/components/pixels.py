"""Components measured on the pixels of the face: luminance mean and variance, under- and over-exposure, dynamic
range, illumination uniformity, natural colour (OFIQ's formulas) and sharpness (ours).

OFIQ computes these on its own aligned face image inside the "landmarked region" (and, for exposure, also outside
occlusions found by a segmentation network we do not have). Here the landmarked region is the Face Mesh's face
outline (`crfiqa_tf.align.mesh_topology.FACE_OVAL`) in the source image, sampled on a grid of at most
`MAX_REGION_SIDE` pixels a side (large faces are read with a stride; histograms do not need every pixel).

- Luminance (``image_utils.cpp``, ``GetLuminanceImageFromBGR``): sRGB decoded to linear light,
  ``Y = 0.2126 R + 0.7152 G + 0.0722 B``, stored as ``floor(255 Y + 0.5)``.
- Luminance mean / variance (``Luminance.cpp``) of Y/255 over the region; values
  ``100 · σ(m; 0.2, 0.05) · (1 − σ(m; 0.8, 0.05))`` and ``100 · sin(π · 60v / (60v + 1))``.
- Under- / over-exposure (``UnderExposurePrevention.cpp``, ``OverExposurePrevention.cpp``): share of region pixels
  with luminance 0–25 / 247–255; values by OFIQ's sigmoid and ``1 / (share + 0.01)``.
- Dynamic range (``DynamicRange.cpp``): entropy in bits of the region's luminance histogram; value 12.5 × entropy.
- Illumination uniformity and natural colour (``IlluminationUniformity.cpp``, ``NaturalColour.cpp``,
  ``CalculateRegionOfInterest``): two cheek squares of side 0.3 × the inter-eye distance, below each eye centre by
  half the eye-to-mouth distance, on the outer side of each eye (taken along the eye line, so a tilted face gets the
  same squares). Uniformity: the intersection of the two squares' normalised luminance histograms, value
  ``100 · raw^0.3``; colour: the mean colour of both squares in CIELAB (D50, OFIQ's constants), raw the distance of
  (a, b) from the box a ∈ [5, 25], b ∈ [5, 35] (100 when a or b is negative).
- Sharpness (ours; OFIQ's uses a trained random forest we do not ship): on the 112×112 aligned crop the recognition
  model sees, the standard deviation of the 4-neighbour Laplacian of the grey image over the inner face
  (rows 40–99, columns 22–89 of the ArcFace template: eyes, nose, mouth) divided by the standard deviation of the
  grey values there. Dividing by the contrast makes it independent of exposure (a darker photo is not a blurrier
  one); measuring at the model's resolution makes it what the recognition network sees — a face upscaled from a
  few pixels is blurred for it. Value ``100 · σ(raw; 0.3, 0.06)``: 0.3 lies between the packaged sample faces as
  taken and after a Gaussian blur of σ = 1 px at the crop's scale (`benchmarks/components.py` records both ranges).
"""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw

from crfiqa_tf.align import mesh_topology as fm
from crfiqa_tf.components import ofiq_mapping as ofiq
from crfiqa_tf.components.geometry import Landmarks

MAX_REGION_SIDE = 128  # grid side the face region is sampled on
MIN_REGION_PIXELS = 64  # fewer region pixels than this: the pixel components are left empty
MAX_PATCH_SIDE = 24  # cheek squares are sampled on at most this many points a side
DARK, BRIGHT = (0, 25), (247, 255)  # OFIQ's luminance ranges for under- and over-exposure
SHARPNESS_ROWS, SHARPNESS_COLUMNS = slice(40, 100), slice(22, 90)  # inner face of the 112×112 ArcFace crop
SHARPNESS_MAPPING = ofiq.Sigmoid(h=100, x0=0.3, w=0.06)


def decode_srgb(c):
    """sRGB value(s) in [0, 1] → linear light."""
    c = np.asarray(c, np.float64)
    return np.where(c > 0.04045, ((c + 0.055) / 1.055) ** 2.4, c / 12.92)


LINEAR = decode_srgb(np.arange(256) / 255.0)


def luminance(rgb: np.ndarray) -> np.ndarray:
    """OFIQ's 8-bit luminance of uint8 RGB pixels ``[..., 3]``."""
    y = 0.2126 * LINEAR[rgb[..., 0]] + 0.7152 * LINEAR[rgb[..., 1]] + 0.0722 * LINEAR[rgb[..., 2]]
    return np.floor(y * 255.0 + 0.5).astype(np.int64)


def face_region(image: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """The RGB pixels ``[n, 3]`` inside the face outline, on a grid of at most `MAX_REGION_SIDE` a side."""
    height, width = image.shape[:2]
    outline = np.asarray(mesh, np.float64)[list(fm.FACE_OVAL), :2]
    x0, y0 = (max(0, int(math.floor(v))) for v in outline.min(0))
    x1, y1 = min(width, int(math.ceil(outline[:, 0].max())) + 1), min(height, int(math.ceil(outline[:, 1].max())) + 1)
    if x1 <= x0 or y1 <= y0:
        return np.zeros((0, 3), np.uint8)
    stride = max(1, math.ceil(max(x1 - x0, y1 - y0) / MAX_REGION_SIDE))
    grid = image[y0:y1:stride, x0:x1:stride]
    mask = Image.new("L", (grid.shape[1], grid.shape[0]))
    ImageDraw.Draw(mask).polygon([((x - x0) / stride, (y - y0) / stride) for x, y in outline], fill=1)
    return grid[np.asarray(mask, bool)]


def cheek_patches(image: np.ndarray, points: Landmarks) -> np.ndarray | None:
    """Pixels ``[2, n, 3]`` of the two cheek squares (image-left first), None when either is mostly outside."""
    height, width = image.shape[:2]
    ied = points.planar_eye_distance
    zone = 0.3 * ied
    along = (points.right_eye - points.left_eye) / max(ied, 1e-9)
    down = np.array([-along[1], along[0]])
    drop = np.linalg.norm(points.mouth_centre - points.eye_mid) / 2
    side = int(min(MAX_PATCH_SIDE, max(2, round(zone))))
    steps = (np.arange(side) + 0.5) / side * zone
    patches = []
    for eye, outward in ((points.left_eye, -1.0), (points.right_eye, 1.0)):
        a, b = np.meshgrid(outward * steps, drop + steps)
        xy = eye + a.reshape(-1, 1) * along + b.reshape(-1, 1) * down
        x, y = np.floor(xy[:, 0]).astype(int), np.floor(xy[:, 1]).astype(int)
        inside = (x >= 0) & (x < width) & (y >= 0) & (y < height)
        if inside.mean() < 0.5:
            return None
        patches.append(image[y[inside], x[inside]])
    count = min(len(p) for p in patches)
    return np.stack([p[:count] for p in patches])


def histogram(values: np.ndarray) -> np.ndarray:
    counts = np.bincount(values.reshape(-1), minlength=256).astype(np.float64)
    return counts / max(counts.sum(), 1.0)


def luminance_components(region: np.ndarray) -> dict[str, tuple[float, int]]:
    lum = luminance(region)
    share = histogram(lum)
    levels = np.arange(256) / 255.0
    mean = float(share @ levels)
    variance = float(share @ (levels - mean) ** 2)
    dark = float(share[DARK[0] : DARK[1] + 1].sum())
    bright = float(share[BRIGHT[0] : BRIGHT[1] + 1].sum())
    nonzero = share[share > 0]
    entropy = float(-(nonzero * np.log2(nonzero)).sum())
    return {
        "luminance_mean": (
            mean,
            ofiq.clip_round(100 * ofiq.sigmoid(mean, 0.2, 0.05) * (1 - ofiq.sigmoid(mean, 0.8, 0.05))),
        ),
        "luminance_variance": (
            variance,
            ofiq.clip_round(100 * math.sin(math.pi * 60 * variance / (60 * variance + 1))),
        ),
        "under_exposure": (dark, ofiq.UNDER_EXPOSURE(dark)),
        "over_exposure": (bright, ofiq.clip_round(1.0 / (bright + 0.01))),
        "dynamic_range": (entropy, ofiq.clip_round(12.5 * entropy)),
    }


def illumination_uniformity(patches: np.ndarray) -> tuple[float, int]:
    left, right = (histogram(luminance(p)) for p in patches)
    raw = float(np.minimum(left, right).sum())
    return raw, ofiq.clip_round(100.0 * raw**0.3)


def cie_ab(mean_rgb: np.ndarray) -> tuple[float, float]:
    """CIELAB (a, b) of a mean sRGB colour in [0, 1], with OFIQ's D50 constants (``ConvertBGRToCIELAB``)."""
    r, g, b = (float(v) for v in decode_srgb(mean_rgb))
    x = (0.43605 * r + 0.38508 * g + 0.14309 * b) / 0.964221
    y = 0.22249 * r + 0.71689 * g + 0.06062 * b
    z = (0.01393 * r + 0.09710 * g + 0.71419 * b) / 0.825211
    k, eps = 24389 / 27.0, 216 / 24389.0  # CIE 15:2004: kappa and epsilon, so the two branches meet at eps

    def f(t):
        return (k * t + 16) / 116 if t <= eps else t ** (1 / 3)

    return 500.0 * (f(x) - f(y)), 200.0 * (f(y) - f(z))


def natural_colour(patches: np.ndarray) -> tuple[float, int]:
    a, b = cie_ab(patches.reshape(-1, 3).mean(0) / 255.0)
    if a < 0 or b < 0:
        raw = 100.0
    else:
        raw = math.hypot(max(0.0, 5 - a, a - 25), max(0.0, 5 - b, b - 35))
    return raw, ofiq.NATURAL_COLOUR(raw)


def sharpness(aligned_crop: np.ndarray) -> tuple[float, int]:
    """Contrast-normalised Laplacian spread of the inner face of a 112×112 aligned crop (module docstring)."""
    grey = aligned_crop.astype(np.float64) @ np.array([0.299, 0.587, 0.114])
    region = grey[SHARPNESS_ROWS, SHARPNESS_COLUMNS]
    laplacian = region[1:-1, :-2] + region[1:-1, 2:] + region[:-2, 1:-1] + region[2:, 1:-1] - 4 * region[1:-1, 1:-1]
    contrast = float(region.std())
    raw = float(laplacian.std()) / contrast if contrast >= 1.0 else 0.0
    return raw, SHARPNESS_MAPPING(raw)
