"""Real photographs that ship inside installed packages (nothing is downloaded), with the number of faces a
person counts in each: the stand-in for users' photos in the tests, the detector benchmark and the demo.

Sources: scikit-image (``skimage/data``), matplotlib (``mpl-data/sample_data``) and the insightface wheel's
``data/images`` (the Makefile installs it with ``--no-deps`` for these files only; its code is never imported).
Packages are located without importing them.
"""

from __future__ import annotations

import importlib.util
import os

import numpy as np
from PIL import Image

# name → (package, path inside it, faces a person counts in it)
PHOTOS = {
    "astronaut": ("skimage", "data/astronaut.png", 1),
    "cameraman": ("skimage", "data/camera.png", 1),  # archive-style grey photo
    "grace_hopper": ("matplotlib", "mpl-data/sample_data/grace_hopper.jpg", 1),
    "group_of_six": ("insightface", "data/images/t1.jpg", 6),
    "aligned_portrait": ("insightface", "data/images/Tom_Hanks_54745.png", 1),  # insightface's own 112×112 crop
    "cat": ("skimage", "data/chelsea.png", 0),
    "coffee": ("skimage", "data/coffee.png", 0),
    "mask_blue": ("insightface", "data/images/mask_blue.jpg", 0),
    "mask_white": ("insightface", "data/images/mask_white.jpg", 0),
}


def available() -> list[str]:
    """The names whose package is installed."""
    return [name for name, (package, _, _) in PHOTOS.items() if importlib.util.find_spec(package) is not None]


def photo_path(name: str) -> str:
    package, inside, _ = PHOTOS[name]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError(f"photo {name!r} needs the {package} package installed (make setup)")
    path = os.path.join(list(spec.submodule_search_locations)[0], inside)
    if not os.path.exists(path):
        raise FileNotFoundError(f"photo {name!r}: {path} is missing")
    return path


def photo(name: str) -> np.ndarray:
    """The photo as RGB uint8 ``[H, W, 3]`` (grey photos converted)."""
    with Image.open(photo_path(name)) as image:
        return np.asarray(image.convert("RGB"), np.uint8)


def face_count(name: str) -> int:
    return PHOTOS[name][2]
