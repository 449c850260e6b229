"""Thumbnails of a face cut from its source image: the face in its photo (box and five points drawn) and the aligned
crop the model scored (the five-point warp of `crfiqa_tf.align.similarity`). Where the source cannot be read the
reason is returned instead, so the report can say why the picture is missing."""

from __future__ import annotations

import base64
import posixpath

from crfiqa_tf import paths
from crfiqa_tf.image_io import ImageReadError, read_image
from crfiqa_tf.report.drawing import face_in_photo, jpeg_bytes
from crfiqa_tf.report.results import ResultRow

THUMBNAIL_PX = 160


def data_uri(jpeg: bytes) -> str:
    return "data:image/jpeg;base64," + base64.b64encode(jpeg).decode("ascii")


def source_candidates(row: ResultRow, levels: int = 4) -> list[str]:
    """Where the row's image may be: its path as written (relative: to where the run was started), then relative
    to the results file's folder and to the folders above it (a run started in a parent of its --output)."""
    candidates = [row.path]
    if row.origin and not paths.is_remote(row.path) and not posixpath.isabs(row.path):
        folder = paths.dirname(row.origin)
        for _ in range(levels):
            candidates.append(paths.join(folder, row.path))
            parent = paths.dirname(folder)
            if parent == folder or not parent:
                break
            folder = parent
    return list(dict.fromkeys(candidates))  # a folder reached twice (the root, or no folder at all) once


def face_thumbnails(row: ResultRow, size: int = THUMBNAIL_PX) -> tuple[dict, str | None]:
    """``({"photo": data URI, "aligned": data URI}, None)`` (no ``aligned`` for a row without landmarks: an aligned
    input), or ``({}, why)`` when the source is not readable."""
    from crfiqa_tf.align.similarity import warp_face

    why = "no path"
    for candidate in source_candidates(row):
        try:
            image = read_image(candidate)
        except ImageReadError as error:
            why = f"{error.cause}: {error.detail}"
            continue
        photo = face_in_photo(image, row.box, row.landmarks)
        pictures = {"photo": data_uri(jpeg_bytes(photo, size))}
        if row.landmarks is not None:  # else an aligned input: the image is the crop, shown once
            from PIL import Image

            pictures["aligned"] = data_uri(jpeg_bytes(Image.fromarray(warp_face(image, row.landmarks, 112)), 112))
        return pictures, None
    return {}, why


def file_thumbnail(path: str, size: int = THUMBNAIL_PX) -> tuple[str | None, str | None]:
    """A data URI of an image file (a best-shots crop), or the reason it could not be read."""
    try:
        image = read_image(path)
    except ImageReadError as error:
        return None, f"{error.cause}: {error.detail}"
    from PIL import Image

    return data_uri(jpeg_bytes(Image.fromarray(image), size)), None
