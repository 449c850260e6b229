"""Sharded TFRecord writer: round-robin shards, progress bar, and an all-or-nothing replacement of the output; for
sources that can be read by index (`write_indexed_shards`, what `crfiqa-tf prepare` converts), one shard at a time,
each recorded when complete, so that an interrupted conversion continues at its first incomplete shard."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
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
    staging = staging_dir(out_dir)
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


PROGRESS_FILE = "progress.json"


class InterruptedConversion(ValueError):
    """A new conversion over an interrupted one, or a resume that cannot continue it."""


def staging_dir(out_dir: str) -> str:
    """Where shards are written before they replace `out_dir`: a hidden sibling, not a name that extends `out_dir`
    (object stores and ram:// match names by prefix)."""
    return paths.join(paths.dirname(out_dir.rstrip("/")), f".{paths.basename(out_dir)}.partial")


def write_indexed_shards(
    load: Callable[[int], Sample | dict],
    count: int,
    out_dir: str,
    num_shards: int,
    info: dict,
    settings: dict,
    resume: bool = False,
    description: str = "writing",
    stop=None,
) -> dict:
    """Writes items ``0 .. count−1`` into `num_shards` TFRecord files plus ``dataset_info.json`` in `out_dir`.

    `load(i)` gives item i's `Sample`, or a dict (``source_id``, ``reason``, ``detail``) for an item that is
    skipped. Shard j holds items j, j + n, j + 2n, ... (every shard mixes all identities, as `write_shards`), and
    shards are written one after another into the staging folder; each complete shard is recorded in its
    ``progress.json`` with its count and skipped items. With `resume` an interrupted conversion (the same
    `settings`: source, shards, ...) continues at its first incomplete shard; without it, one is refused. When
    `stop` (a `crfiqa_tf.interrupts.StopRequest`) is set, the shard in hand is abandoned and `KeyboardInterrupt`
    is raised, the complete shards kept. At the end ``dataset_info.json`` counts every image once and the staging
    folder replaces `out_dir`.
    """
    import tensorflow as tf

    if num_shards < 1:
        raise ValueError(f"num_shards must be >= 1, got {num_shards}")
    staging = staging_dir(out_dir)
    progress_path = paths.join(staging, PROGRESS_FILE)
    done: dict[str, dict] = {}
    if paths.exists(progress_path):
        if not resume:
            raise InterruptedConversion(
                f"{out_dir}: an interrupted conversion is in {staging}; add --resume to continue it, or remove it"
            )
        recorded = json.loads(paths.read_text(progress_path))
        if recorded["settings"] != settings:
            keys = sorted(set(recorded["settings"]) | set(settings))
            differences = [
                f"{k}: {recorded['settings'].get(k)!r} then, {settings.get(k)!r} now"
                for k in keys
                if recorded["settings"].get(k) != settings.get(k)
            ]
            raise InterruptedConversion(f"{out_dir}: --resume with other settings: " + "; ".join(differences))
        done = recorded["shards"]
    else:
        paths.remove_tree(staging)
        try:
            paths.makedirs(staging)
        except OSError as error:
            raise OSError(f"{out_dir}: cannot write there ({type(error).__name__}: {error})") from None
        paths.write_text_atomically(progress_path, json.dumps({"settings": settings, "shards": {}}))
    names = [schema.shard_name(i, num_shards) for i in range(num_shards)]
    items_done = sum(len(range(j, count, num_shards)) for j, name in enumerate(names) if name in done)
    bar = tqdm(total=count, initial=items_done, desc=description, unit="img", mininterval=1.0)
    try:
        for j, name in enumerate(names):
            if name in done:
                continue
            written, skipped = 0, []
            paths.remove(paths.join(staging, name))  # a shard cut by the interruption (ram:// would append to it)
            with tf.io.TFRecordWriter(paths.join(staging, name)) as writer:
                for index in range(j, count, num_shards):
                    if stop is not None and stop.requested:
                        raise KeyboardInterrupt
                    item = load(index)
                    bar.update(1)
                    if isinstance(item, dict):
                        skipped.append(item)
                        continue
                    writer.write(schema.make_example(item.encoded, item.label, item.source_id, item.degradation))
                    written += 1
            done[name] = {"count": written, "skipped": skipped}
            paths.write_text_atomically(progress_path, json.dumps({"settings": settings, "shards": done}))
    finally:
        bar.close()
    skipped = [entry for name in names for entry in done[name]["skipped"]]
    info = {**info, "num_images": sum(done[name]["count"] for name in names), "shards": names}
    info["skipped"] = info.get("skipped", []) + skipped
    paths.remove(progress_path)
    schema.write_dataset_info(staging, info)
    paths.replace_tree(staging, out_dir)
    return info


def shards_done(out_dir: str) -> int:
    """How many shards an interrupted conversion into `out_dir` has complete (0 when there is none)."""
    progress_path = paths.join(staging_dir(out_dir), PROGRESS_FILE)
    if not paths.exists(progress_path):
        return 0
    return len(json.loads(paths.read_text(progress_path))["shards"])
