"""Conversions from the data users have (insightface RecordIO, image folders) to the TFRecord contract."""

from __future__ import annotations

import os
from collections.abc import Iterator

from crfiqa_tf import paths
from crfiqa_tf.data.folders import iter_folder_samples, list_identities
from crfiqa_tf.data.recordio import RecordIOError, RecordIOReader, read_property
from crfiqa_tf.data.schema import image_format
from crfiqa_tf.data.writer import Sample, write_shards


def prepare_from_rec(rec_dir: str, out_dir: str, shards: int = 16, name: str = "train") -> dict:
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

        def samples() -> Iterator[Sample]:
            for key, source_label in labels.items():
                _, image = reader.read(key)
                if not image_format(image):
                    skipped.append({"source_id": str(key), "reason": "not_jpeg_or_png", "detail": image[:8].hex()})
                    continue
                yield Sample(image, label_map[source_label], str(key))

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
        return write_shards(samples(), out_dir, shards, info, total=len(labels), description=f"converting {name}.rec")


def prepare_from_folder(root: str, out_dir: str, shards: int = 16) -> dict:
    """Converts ``root/<identity>/<images>`` into shards; unreadable or non-image files are skipped and listed."""
    names = list_identities(root)
    skipped: list[dict] = []
    info = {
        "num_classes": len(names),
        "source": root if paths.is_remote(root) else os.path.abspath(root),
        "label_map": {name: index for index, name in enumerate(names)},
        "skipped": skipped,
    }
    return write_shards(iter_folder_samples(root, skipped), out_dir, shards, info, description="converting folder")
