"""A folder of every file kind a user's folder holds, for the folder-walk and decode tests; NumPy and Pillow only
(the mutation run imports it without TensorFlow)."""

from __future__ import annotations

import os

import numpy as np

# name → error kind of every file in `write_mixed_folder` (None: an image, scored)
MIXED_FOLDER = {
    "a.jpg": None,
    "b.png": None,
    "c.ppm": None,
    "d.pgm": None,
    "e.gif": None,
    "f.webp": None,
    "g.tiff": None,
    "j.jp2": None,
    "H.JPG": None,
    "no_extension": None,
    "sub/i.png": None,
    "notes.txt": "not_an_image",
    "empty.png": "empty",
}
MIXED_FOLDER_HIDDEN = (".DS_Store", "._a.jpg", ".thumbnails/t.png")


def write_mixed_folder(folder, size: int = 8) -> dict[str, str | None]:
    """Writes every format Pillow reads (any name, upper case, no extension, a sub-folder), a text file, an empty
    file and hidden files; returns {full path: expected error kind or None} for the non-hidden files."""
    from PIL import Image

    folder = str(folder)
    rng = np.random.default_rng(0)
    formats = {".jpg": "JPEG", ".png": "PNG", ".ppm": "PPM", ".pgm": "PPM", ".gif": "GIF", ".webp": "WEBP"}
    formats.update({".tiff": "TIFF", ".jp2": "JPEG2000", ".JPG": "JPEG", "no_extension": "PNG"})
    for name in [*MIXED_FOLDER, *MIXED_FOLDER_HIDDEN]:
        path = os.path.join(folder, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if name == "notes.txt":
            open(path, "w").write("not an image")
        elif name == "empty.png":
            open(path, "wb").close()
        else:
            suffix = os.path.splitext(name)[1] or "no_extension"
            image = Image.fromarray(rng.integers(0, 256, (size, size, 3), dtype=np.uint8))
            image = image.convert("L") if suffix == ".pgm" else image
            image.save(path, format=formats.get(suffix, "PNG"))
    return {os.path.join(folder, name): error for name, error in MIXED_FOLDER.items()}
