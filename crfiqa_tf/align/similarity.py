"""Least-squares similarity transform (Umeyama) onto the insightface 112×112 five-point template, and the warp."""

from __future__ import annotations

import numpy as np
from PIL import Image

# insightface's ArcFace template for 112×112 crops: image-left eye, image-right eye, nose tip, mouth corners.
ARCFACE_TEMPLATE = np.array(
    [[38.2946, 51.6963], [73.5318, 51.5014], [56.0252, 71.7366], [41.5493, 92.3655], [70.7299, 92.2041]],
    np.float64,
)


def umeyama(source: np.ndarray, target: np.ndarray) -> np.ndarray:
    """The 2×3 similarity (rotation, uniform scale, translation) mapping `source` points onto `target` in the
    least-squares sense (Umeyama 1991, no reflection)."""
    source, target = np.asarray(source, np.float64), np.asarray(target, np.float64)
    mu_s, mu_t = source.mean(0), target.mean(0)
    s, t = source - mu_s, target - mu_t
    covariance = t.T @ s / len(source)
    u, d, vt = np.linalg.svd(covariance)
    sign = np.eye(2)
    if np.linalg.det(u) * np.linalg.det(vt) < 0:
        sign[1, 1] = -1
    rotation = u @ sign @ vt
    scale = np.trace(np.diag(d) @ sign) / s.var(0).sum()
    translation = mu_t - scale * rotation @ mu_s
    return np.hstack([scale * rotation, translation[:, None]])


def warp_face(image: np.ndarray, landmarks, size: int = 112) -> np.ndarray:
    """The aligned ``size × size`` RGB crop whose landmarks land on the (scaled) template."""
    template = ARCFACE_TEMPLATE * (size / 112.0)
    matrix = umeyama(np.asarray(landmarks, np.float64), template)
    inverse = np.linalg.inv(np.vstack([matrix, [0, 0, 1]]))[:2]  # PIL maps output pixels back to input pixels
    warped = Image.fromarray(image).transform((size, size), Image.AFFINE, inverse.reshape(-1), resample=Image.BILINEAR)
    return np.asarray(warped, np.uint8)
