"""Sample face images for int8 calibration, parity checks, quality calibration and benchmarks: fresh synthetic
identities, or a sample of the user's own faces — a folder of aligned images, TFRecord shards (crfiqa-tf schema)
or an insightface ``.bin`` set — on any filesystem.

A sample is drawn across the whole source (every shard, every part of a folder), not from its head, and says what
it was drawn from (`ImageSample.describe`), so that an export's sidecar can name the images its ranges were fitted
on.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.image_io import ImageReadError, folder_files, read_image, skipped_entry

SOURCE_KINDS = ("images", "tfrecords", "bin", "synthetic")


@dataclass
class ImageSample:
    images: np.ndarray  # [n, size, size, 3] uint8 RGB
    source: str
    kind: str  # one of SOURCE_KINDS
    skipped_files: list[dict] = field(default_factory=list)  # unreadable entries passed over (`skipped_entry`)

    @property
    def skipped(self) -> int:
        return len(self.skipped_files)

    def describe(self) -> dict:
        return {
            "source": self.source,
            "kind": self.kind,
            "count": int(len(self.images)),
            "skipped": self.skipped,
            "skipped_files": self.skipped_files,
        }

    def split(self, first: int) -> tuple[ImageSample, ImageSample]:
        """The first `first` images and the rest, as two samples of the same source (disjoint)."""
        head, tail = self.images[:first], self.images[first:]
        return (
            ImageSample(head, self.source, self.kind, self.skipped_files),
            ImageSample(tail, self.source, self.kind),
        )


def synthetic_images(count: int, size: int, seed: int) -> np.ndarray:
    """``count`` face-like uint8 images ``[count, size, size, 3]`` of fresh synthetic identities (not those of any
    training set made with another seed), with the synthetic set's degradations."""
    rng = np.random.default_rng(seed)
    faces = identity_faces(max(count // 4, 1), seed=seed + 1000)
    images = [read_image(make_sample(faces[i % len(faces)], rng)[0], size=size) for i in range(count)]
    return np.stack(images)


def images_from_shards(data: str, count: int, size: int) -> np.ndarray:
    """Up to ``count`` images from TFRecord shards (a data folder or a glob), taken in turn from every shard."""
    return sample_images(data, count, size, kind="tfrecords").images


def source_kind(source: str) -> str:
    """``bin`` for a ``.bin`` file, ``tfrecords`` for a shard glob or a folder holding shards, else ``images``."""
    from crfiqa_tf.data import schema

    if str(source).lower().endswith(".bin"):
        return "bin"
    if any(c in str(source) for c in "*?[") or ".tfrecord" in str(source):
        return "tfrecords"
    if paths.isdir(source) and paths.glob(paths.join(source, schema.SHARD_PATTERN)):
        return "tfrecords"
    return "images"


def _decoded(encoded, source: str, count: int, size: int, kind: str) -> ImageSample:
    """Decodes ``(name, bytes or path)`` items until `count` images are had; unreadable ones are counted and
    listed."""
    images, skipped = [], []
    for name, item in encoded:
        if len(images) == count:
            break
        try:
            images.append(read_image(item, source=name, size=size))
        except ImageReadError as error:
            skipped.append(skipped_entry(error))
    if not images:
        causes = ", ".join(f"{s['source_id']} ({s['reason']})" for s in skipped[:5])
        raise ValueError(f"{source}: no readable face image ({len(skipped)} unreadable: {causes})")
    return ImageSample(np.stack(images), source, kind, skipped)


def shard_records(source: str):
    """``(name, encoded image)`` of every record of a shard folder or glob, one shard after another in turn."""
    import tensorflow as tf

    from crfiqa_tf.data import schema
    from crfiqa_tf.data.pipeline import shard_files

    files = paths.glob(source) if any(c in source for c in "*?[") else shard_files(source)
    if not files:
        raise FileNotFoundError(f"{source}: no TFRecord shards match")
    # One record from each shard in turn: the sample spans every shard, not the first one's head.
    records = tf.data.Dataset.from_tensor_slices(files).interleave(
        tf.data.TFRecordDataset, cycle_length=len(files), block_length=1
    )
    for index, raw in enumerate(records):
        record = tf.io.parse_single_example(raw, schema.feature_spec())
        yield f"{source}[{index}]", record[schema.IMAGE_ENCODED].numpy()


def sample_images(source: str, count: int, size: int, seed: int = 0, kind: str | None = None) -> ImageSample:
    """Up to `count` aligned face images from `source` (kind: see `source_kind`), resized to ``size``.

    Folders and ``.bin`` sets are sampled in a seeded random order over the whole source; shards are read in turn.
    Raises FileNotFoundError / ValueError naming the source when nothing usable is there."""
    kind = kind or source_kind(source)
    if kind not in SOURCE_KINDS[:3]:
        raise ValueError(f"unknown image source kind {kind!r}; choose from {', '.join(SOURCE_KINDS[:3])}")
    rng = np.random.default_rng(seed)
    if kind == "tfrecords":
        return _decoded(shard_records(source), source, count, size, kind)
    if kind == "bin":
        from crfiqa_tf.data.bin_sets import load_bin_raw

        if not paths.exists(source):
            raise FileNotFoundError(f"{source}: no such .bin file")
        bins, _ = load_bin_raw(source)
        order = rng.permutation(len(bins))
        return _decoded(((f"{source}[{i}]", bins[i]) for i in order), source, count, size, kind)
    if not paths.isdir(source):
        raise FileNotFoundError(f"{source}: not a folder of face images")
    files = folder_files(source)
    if not files:
        raise ValueError(f"{source}: no files in this folder (hidden files are not read)")
    order = rng.permutation(len(files))
    return _decoded(((files[i], files[i]) for i in order), source, count, size, kind)
