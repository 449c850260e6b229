"""Class-per-folder datasets: ``ROOT/<identity>/<image>``, labels assigned by sorted folder name.

An identity's images are the files of its folder (`crfiqa_tf.image_io.folder_files`: recursive, hidden ones
excepted). Files lying in ROOT itself belong to no identity: they are listed as skipped, not read."""

from __future__ import annotations

import io
from collections.abc import Iterator

from crfiqa_tf import paths
from crfiqa_tf.data.schema import image_format
from crfiqa_tf.data.writer import Sample
from crfiqa_tf.image_io import (
    ImageReadError,
    folder_files,
    is_hidden,
    open_image,
    read_bytes,
    relative_path,
    skipped_entry,
)


def list_identities(root: str) -> list[str]:
    if not paths.isdir(root):
        raise FileNotFoundError(f"image folder not found: {root}")
    names = [d for d in paths.listdir(root) if not is_hidden(d) and paths.isdir(paths.join(root, d))]
    if not names:
        raise ValueError(f"{root}: no identity sub-folders found (expected ROOT/<identity>/<image files>)")
    return names


def iter_folder_samples(root: str, skipped: list[dict]) -> Iterator[Sample]:
    """Samples of every readable image; unreadable or non-image files are appended to `skipped` with the reason.

    JPEG and PNG bytes are kept as they are; other image formats Pillow reads (BMP, WebP, TIFF...) are re-encoded
    as PNG, losslessly, so the training decoder sees only JPEG and PNG.
    """
    identities = list_identities(root)
    for name in paths.listdir(root):
        if not is_hidden(name) and name not in identities and not paths.isdir(paths.join(root, name)):
            skipped.append({"source_id": name, "reason": "not_in_identity_folder", "detail": "a file in ROOT itself"})
    for label, name in enumerate(identities):
        folder = paths.join(root, name)
        for path in folder_files(folder):
            relative = f"{name}/{relative_path(folder, path)}"
            try:
                data = read_bytes(path)
                image = open_image(data, relative)
            except ImageReadError as error:
                skipped.append({**skipped_entry(error), "source_id": relative})
                continue
            if not image_format(data):
                buffer = io.BytesIO()
                image.save(buffer, format="PNG")
                data = buffer.getvalue()
            yield Sample(data, label, relative)
