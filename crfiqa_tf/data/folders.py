"""Class-per-folder datasets: ``ROOT/<identity>/<image>``, labels assigned by sorted folder name.

An identity's images are the files of its folder (`crfiqa_tf.image_io.folder_files`: recursive, hidden ones
excepted). Files lying in ROOT itself belong to no identity: they are listed as skipped, not read."""

from __future__ import annotations

import io

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


def folder_items(root: str, skipped: list[dict]) -> list[tuple[str, str, int]]:
    """(path, ``identity/relative`` source id, label) of every file of every identity folder, in order; files in
    ROOT itself are appended to `skipped`."""
    identities = list_identities(root)
    for name in paths.listdir(root):
        if not is_hidden(name) and name not in identities and not paths.isdir(paths.join(root, name)):
            skipped.append({"source_id": name, "reason": "not_in_identity_folder", "detail": "a file in ROOT itself"})
    items = []
    for label, name in enumerate(identities):
        folder = paths.join(root, name)
        items += [(path, f"{name}/{relative_path(folder, path)}", label) for path in folder_files(folder)]
    return items


def load_folder_item(item: tuple[str, str, int]) -> Sample | dict:
    """The sample of one `folder_items` entry, or its skipped entry when it cannot be read as an image.

    JPEG and PNG bytes are kept as they are; other image formats Pillow reads (BMP, WebP, TIFF...) are re-encoded
    as PNG, losslessly, so the training decoder sees only JPEG and PNG.
    """
    path, relative, label = item
    try:
        data = read_bytes(path)
        image = open_image(data, relative)
    except ImageReadError as error:
        return {**skipped_entry(error), "source_id": relative}
    if not image_format(data):
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        data = buffer.getvalue()
    return Sample(data, label, relative)
