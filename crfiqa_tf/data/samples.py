"""Small batches of sample face images for int8 calibration, parity checks, calibration fitting and benchmarks:
fresh synthetic identities, or the first records of a set of TFRecord shards."""

from __future__ import annotations

import numpy as np

from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.image_io import read_image


def synthetic_images(count: int, size: int, seed: int) -> np.ndarray:
    """``count`` face-like uint8 images ``[count, size, size, 3]`` of fresh synthetic identities (not those of any
    training set made with another seed), with the synthetic set's degradations."""
    rng = np.random.default_rng(seed)
    faces = identity_faces(max(count // 4, 1), seed=seed + 1000)
    images = [read_image(make_sample(faces[i % len(faces)], rng)[0], size=size) for i in range(count)]
    return np.stack(images)


def images_from_shards(data_dir: str, count: int, size: int) -> np.ndarray:
    """The first ``count`` images of the shards in `data_dir` (the crfiqa-tf schema), decoded and resized."""
    import tensorflow as tf

    from crfiqa_tf.data import schema
    from crfiqa_tf.data.pipeline import shard_files

    images = []
    for raw in tf.data.TFRecordDataset(shard_files(data_dir)).take(count):
        record = tf.io.parse_single_example(raw, schema.feature_spec())
        images.append(read_image(record[schema.IMAGE_ENCODED].numpy(), size=size))
    if not images:
        raise ValueError(f"{data_dir}: no records in its shards")
    return np.stack(images)
