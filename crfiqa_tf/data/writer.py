"""Sharded TFRecord writer: round-robin shards, progress bar, and an all-or-nothing replacement of the output."""

from __future__ import annotations

from collections.abc import Iterable
from typing import NamedTuple

from tqdm import tqdm

from crfiqa_tf import paths
from crfiqa_tf.data import schema


class Sample(NamedTuple):
    encoded: bytes
    label: int
    source_id: str
    degradation: float | None = None


def write_shards(
    samples: Iterable[Sample],
    out_dir: str,
    num_shards: int,
    info: dict,
    total: int | None = None,
    description: str = "writing",
) -> dict:
    """Writes `samples` into `num_shards` TFRecord files plus ``dataset_info.json`` in `out_dir`.

    Samples go round-robin over the shards so every shard mixes all identities (interleaved reading then shuffles
    well). The output is first written to a sibling temporary folder and swapped in at the end: re-running
    replaces a previous output, and an interrupted run leaves the previous one intact.
    """
    import tensorflow as tf

    if num_shards < 1:
        raise ValueError(f"num_shards must be >= 1, got {num_shards}")
    # a hidden sibling, not a name that extends out_dir: object stores (and ram://) match names by prefix
    staging = paths.join(paths.dirname(out_dir.rstrip("/")), f".{paths.basename(out_dir)}.partial")
    paths.remove_tree(staging)
    try:
        paths.makedirs(staging)
    except OSError as error:
        raise OSError(f"{out_dir}: cannot write there ({type(error).__name__}: {error})") from None
    names = [schema.shard_name(i, num_shards) for i in range(num_shards)]
    writers = [tf.io.TFRecordWriter(paths.join(staging, name)) for name in names]
    count = 0
    try:
        for sample in tqdm(samples, total=total, desc=description, unit="img", mininterval=1.0):
            writers[count % num_shards].write(
                schema.make_example(sample.encoded, sample.label, sample.source_id, sample.degradation)
            )
            count += 1
    finally:
        for writer in writers:
            writer.close()
    info = {**info, "num_images": count, "shards": names}
    schema.write_dataset_info(staging, info)
    paths.replace_tree(staging, out_dir)
    return info
