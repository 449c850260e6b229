"""Aligned labelled faces read back from shards (what `prepare --align` writes), as arrays: the input of matcher
embeddings, on-top training and all-vs-all evaluation."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.data import schema
from crfiqa_tf.image_io import read_image


@dataclass
class LabelledFaces:
    faces: np.ndarray  # [N, S, S, 3] uint8 RGB, aligned
    labels: np.ndarray  # [N] int, the shards' contiguous labels
    source_ids: list[str]  # ``identity/relative path`` as the shards record it
    identities: list[str]  # name of each label

    def subset(self, keep) -> LabelledFaces:
        keep = np.asarray(keep)
        index = np.flatnonzero(keep) if keep.dtype == bool else keep
        return LabelledFaces(
            self.faces[index], self.labels[index], [self.source_ids[i] for i in index], self.identities
        )


def read_labelled_faces(data_dir: str, size: int = 112) -> LabelledFaces:
    """Every record of the shards in `data_dir`, sorted by source id (the order does not depend on the shard
    count), each face decoded (and resized to `size` when it differs)."""
    import tensorflow as tf

    info = schema.read_dataset_info(data_dir)
    names = sorted(info["label_map"], key=info["label_map"].get)
    records = []
    for shard in info["shards"]:
        for raw in tf.data.TFRecordDataset(paths.join(data_dir, shard)).as_numpy_iterator():
            example = tf.train.Example.FromString(raw).features.feature
            source = example[schema.SOURCE_ID].bytes_list.value[0].decode("utf-8")
            label = int(example[schema.LABEL].int64_list.value[0])
            records.append((source, label, example[schema.IMAGE_ENCODED].bytes_list.value[0]))
    if not records:
        raise ValueError(f"{data_dir}: the shards hold no faces")
    records.sort(key=lambda record: record[0])
    faces = np.stack([read_image(data, source=source, size=size) for source, _, data in records])
    labels = np.array([label for _, label, _ in records], np.int64)
    return LabelledFaces(faces, labels, [source for source, _, _ in records], names)
