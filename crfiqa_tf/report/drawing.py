"""Faces drawn on their photo — box, five points and score — for the review report's thumbnails and
`crfiqa-tf score --draw`. Pillow only."""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageDraw

BOX_COLOUR = (0, 200, 255)
POINT_COLOUR = (255, 60, 60)


def draw_faces(image: np.ndarray, faces: list[dict]) -> Image.Image:
    """A copy of the RGB uint8 `image` with each face's ``box`` (x0, y0, x1, y1), ``landmarks`` ([5, 2], optional)
    and ``label`` (optional text above the box) drawn, line widths scaled to the photo."""
    picture = Image.fromarray(np.asarray(image, np.uint8)).convert("RGB")
    pen = ImageDraw.Draw(picture)
    width = max(1, round(max(picture.size) / 400))
    for face in faces:
        x0, y0, x1, y1 = (float(v) for v in face["box"])
        pen.rectangle([x0, y0, x1, y1], outline=BOX_COLOUR, width=width)
        landmarks = face.get("landmarks")
        if landmarks is not None:
            radius = max(1.5, (x1 - x0) / 40)
            for x, y in np.asarray(landmarks, np.float64).reshape(-1, 2):
                pen.ellipse([x - radius, y - radius, x + radius, y + radius], fill=POINT_COLOUR)
        if face.get("label"):
            text_y = max(0.0, y0 - 12 * width)
            pen.rectangle([x0, text_y, x0 + 7 * width * len(face["label"]), text_y + 11 * width], fill=(0, 0, 0))
            pen.text((x0 + 1, text_y), face["label"], fill=(255, 255, 255), font_size=10 * width)
    return picture


def face_in_photo(image: np.ndarray, box, landmarks=None, margin: float = 0.6) -> Image.Image:
    """The region around one face (its box grown by `margin` of its size on each side) with the box and points drawn;
    the whole photo when `box` is None (an aligned input)."""
    if box is None:
        return Image.fromarray(np.asarray(image, np.uint8))
    drawn = draw_faces(image, [{"box": box, "landmarks": landmarks}])
    x0, y0, x1, y1 = (float(v) for v in box)
    grow = margin * max(x1 - x0, y1 - y0)
    region = (max(0, x0 - grow), max(0, y0 - grow), min(drawn.width, x1 + grow), min(drawn.height, y1 + grow))
    return drawn.crop(tuple(round(v) for v in region))


def jpeg_bytes(picture: Image.Image, longest: int, quality: int = 85) -> bytes:
    """`picture` shrunk to at most `longest` pixels on its longer side, as JPEG bytes."""
    picture = picture.convert("RGB")
    picture.thumbnail((longest, longest), Image.BILINEAR)
    buffer = io.BytesIO()
    picture.save(buffer, format="JPEG", quality=quality)
    return buffer.getvalue()
