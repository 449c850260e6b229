"""Class-per-folder datasets: ``ROOT/<identity>/<image>``, labels assigned by sorted folder name."""

from __future__ import annotations

import io
from collections.abc import Iterator

from crfiqa_tf import paths
from crfiqa_tf.data.schema import image_format
from crfiqa_tf.data.writer import Sample
from crfiqa_tf.image_io import ImageReadError, open_image, read_bytes


def list_identities(root: str) -> list[str]:
    if not paths.isdir(root):
        raise FileNotFoundError(f"image folder not found: {root}")
    names = [d for d in paths.listdir(root) if not d.startswith(".") and paths.isdir(paths.join(root, d))]
    if not names:
        raise ValueError(f"{root}: no identity sub-folders found (expected ROOT/<identity>/<image files>)")
    return names


def iter_folder_samples(root: str, skipped: list[dict]) -> Iterator[Sample]:
    """Samples of every readable image; unreadable or non-image files are appended to `skipped` with the reason.

    JPEG and PNG bytes are kept as they are; other image formats Pillow reads (BMP, WebP, TIFF...) are re-encoded
    as PNG, losslessly, so the training decoder sees only JPEG and PNG.
    """
    for label, name in enumerate(list_identities(root)):
        folder = paths.join(root, name)
        for filename in paths.listdir(folder):
            path = paths.join(folder, filename)
            if paths.isdir(path):
                continue
            relative = f"{name}/{filename}"
            try:
                data = read_bytes(path)
                image = open_image(data, relative)
            except ImageReadError as error:
                skipped.append({"source_id": relative, "reason": error.cause, "detail": error.detail})
                continue
            if not image_format(data):
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                data = buffer.getvalue()
            yield Sample(data, label, relative)
