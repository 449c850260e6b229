"""Conversions from the data users have (insightface RecordIO, image folders) to the TFRecord contract.

Both read their source by index and write one shard at a time (`crfiqa_tf.data.writer.write_indexed_shards`): a
conversion stopped at any point keeps its complete shards, and ``resume=True`` (``prepare --resume``) continues at
the first incomplete one."""

from __future__ import annotations

import os

from crfiqa_tf import paths
from crfiqa_tf.data.aligned_folders import AlignSettings, PhotoAligner
from crfiqa_tf.data.folders import folder_items, list_identities, load_folder_item
from crfiqa_tf.data.recordio import RecordIOError, RecordIOReader, read_property
from crfiqa_tf.data.schema import image_format
from crfiqa_tf.data.writer import Sample, write_indexed_shards


def prepare_from_rec(
    rec_dir: str, out_dir: str, shards: int = 16, name: str = "train", resume: bool = False, stop=None
) -> dict:
    """Converts ``rec_dir/{name}.rec``, ``{name}.idx`` (and ``property`` when present) into shards in `out_dir`.

    Labels are made contiguous (0..C−1, in increasing order of the source labels); the map is kept in
    ``dataset_info.json``. Records that cannot be read or whose payload is not a JPEG/PNG are skipped and listed.
    """
    rec, idx = paths.join(rec_dir, f"{name}.rec"), paths.join(rec_dir, f"{name}.idx")
    skipped: list[dict] = []
    with RecordIOReader(idx, rec) as reader:
        keys = reader.image_keys()
        labels: dict[int, int] = {}
        for key in keys:
            try:
                header, _ = reader.read(key)
            except RecordIOError as error:
                skipped.append({"source_id": str(key), "reason": "bad_record", "detail": str(error)})
                continue
            labels[key] = int(header.label[0])
        label_map = {source: index for index, source in enumerate(sorted(set(labels.values())))}

        keys = list(labels)

        def load(index: int):
            key = keys[index]
            _, image = reader.read(key)
            if not image_format(image):
                return {"source_id": str(key), "reason": "not_jpeg_or_png", "detail": image[:8].hex()}
            return Sample(image, label_map[labels[key]], str(key))

        info = {
            "num_classes": len(label_map),
            "source": rec if paths.is_remote(rec) else os.path.abspath(rec),
            "label_map": {str(k): v for k, v in label_map.items()},
            "skipped": skipped,
        }
        prop = paths.join(rec_dir, "property")
        if paths.exists(prop):
            declared, height, width = read_property(prop)
            info.update({"declared_num_classes": declared, "image_size": [height, width]})
        settings = {"source": info["source"], "shards": shards, "kind": "rec", "images": len(keys)}
        return write_indexed_shards(
            load, len(keys), out_dir, shards, info, settings, resume, f"converting {name}.rec", stop
        )


def prepare_from_folder(
    root: str, out_dir: str, shards: int = 16, resume: bool = False, stop=None, align: AlignSettings | None = None
) -> dict:
    """Converts ``root/<identity>/<images>`` into shards; unreadable or non-image files are skipped and listed.

    With `align` (`crfiqa_tf.data.aligned_folders.AlignSettings`) the photos are raw: each is stored as the aligned
    112×112 face its policy picks, and a photo without a face is skipped and listed (``no_face``); a resume must use
    the same settings."""
    names = list_identities(root)
    skipped: list[dict] = []
    items = folder_items(root, skipped)
    info = {
        "num_classes": len(names),
        "source": root if paths.is_remote(root) else os.path.abspath(root),
        "label_map": {name: index for index, name in enumerate(names)},
        "skipped": skipped,
    }
    settings = {"source": info["source"], "shards": shards, "kind": "folder", "images": len(items)}
    load = load_folder_item
    if align is not None:
        info["aligned"] = settings["aligned"] = align.as_dict()
        load = PhotoAligner(align)
    return write_indexed_shards(
        lambda i: load(items[i]), len(items), out_dir, shards, info, settings, resume,
        "aligning photos" if align else "converting folder", stop,
    )  # fmt: skip
