"""tf.data input for training and evaluation from the TFRecord shards, distribution-aware.

files → interleaved TFRecord reading → parse → decode (JPEG/PNG; a corrupt image is logged with its source_id,
counted and skipped) → resize if needed → random horizontal flip (training) → `preprocess_images` → shuffle →
batch (drop_remainder when training) → prefetch. With ``deterministic=True`` the order and the flips are fixed by
the seed, for tests and exact resume.

Under a strategy use `make_distributed_dataset` (``strategy.distribute_datasets_from_function``): each input
pipeline reads its own subset of the shards when there are several (multi-worker), and batches the per-replica
batch.
"""

from __future__ import annotations

import sys

import tensorflow as tf

from crfiqa_tf import paths
from crfiqa_tf.data import schema
from crfiqa_tf.preprocess import preprocess_images

AUTOTUNE = tf.data.AUTOTUNE


class CorruptRecordCounter:
    """Counts records skipped because their image would not decode (read with `.count`)."""

    def __init__(self):
        self._variable = tf.Variable(0, dtype=tf.int64, trainable=False, name="corrupt_records")

    @property
    def count(self) -> int:
        return int(self._variable.numpy())

    def increment(self):
        return self._variable.assign_add(1)


def shard_files(data_dir: str) -> list[str]:
    if not paths.isdir(data_dir):
        raise FileNotFoundError(f"data directory not found: {data_dir}")
    files = paths.glob(paths.join(data_dir, schema.SHARD_PATTERN))
    if not files:
        raise FileNotFoundError(f"no TFRecord shards ({schema.SHARD_PATTERN}) in {data_dir}")
    return files


def _decode(record, image_size: int):
    image = tf.io.decode_image(record[schema.IMAGE_ENCODED], channels=3, expand_animations=False)
    image = tf.ensure_shape(image, [None, None, 3])
    if image.dtype != tf.uint8:
        image = tf.image.convert_image_dtype(image, tf.uint8)
    shape = tf.shape(image)
    image = tf.cond(
        tf.logical_and(tf.equal(shape[0], image_size), tf.equal(shape[1], image_size)),
        lambda: image,
        lambda: tf.cast(tf.round(tf.image.resize(image, [image_size, image_size])), tf.uint8),
    )
    return tf.ensure_shape(image, [image_size, image_size, 3])


def _decode_or_skip(record, image_size: int, counter: CorruptRecordCounter | None):
    """A one-element dataset with the decoded record, or an empty one (logged, counted) if it will not decode."""
    decoded = tf.data.Dataset.from_tensors(record).map(lambda r: {**r, "image": _decode(r, image_size)})
    decoded = decoded.ignore_errors()
    placeholder = {**record, "image": tf.zeros([image_size, image_size, 3], tf.uint8)}
    marker = tf.data.Dataset.from_tensors((placeholder, False))
    first = decoded.map(lambda r: (r, True)).concatenate(marker).take(1)

    def _report(r, ok):
        def skip():
            effects = [tf.print("crfiqa_tf: skipping corrupt record", r[schema.SOURCE_ID], output_stream=sys.stderr)]
            if counter is not None:
                effects.append(counter.increment())
            with tf.control_dependencies(effects):
                return tf.constant(False)

        return tf.cond(ok, lambda: tf.constant(True), skip)

    return first.filter(_report).map(lambda r, ok: r)


def make_dataset(
    files: list[str] | str,
    batch_size: int,
    training: bool,
    image_size: int = 112,
    shuffle_buffer: int = 10_000,
    random_flip: bool = True,
    deterministic: bool = False,
    seed: int = 0,
    repeat: bool | None = None,
    with_metadata: bool = False,
    counter: CorruptRecordCounter | None = None,
    input_context: tf.distribute.InputContext | None = None,
    skip_records: int = 0,
) -> tf.data.Dataset:
    """Batches of ``(images [B, S, S, 3] float32 in [−1, 1], labels [B] int32)``.

    With ``with_metadata=True`` a third element carries ``{"source_id", "degradation"}`` (evaluation).
    `files` is a shard folder or a list of shard paths. ``repeat`` defaults to `training`. ``skip_records`` resumes
    a deterministic stream where a previous run stopped: records are skipped before decoding (cheap), so the
    position is exact unless corrupt records were skipped before it.
    """
    if isinstance(files, str):
        files = shard_files(files)
    if batch_size < 1:
        raise ValueError(f"batch_size must be >= 1, got {batch_size}")
    repeat = training if repeat is None else repeat
    options = tf.data.Options()
    options.deterministic = deterministic or not training
    dataset = tf.data.Dataset.from_tensor_slices(list(files))
    if input_context is not None and input_context.num_input_pipelines > 1:
        if len(files) < input_context.num_input_pipelines:
            raise ValueError(
                f"{len(files)} shards cannot be split over {input_context.num_input_pipelines} input pipelines"
            )
        dataset = dataset.shard(input_context.num_input_pipelines, input_context.input_pipeline_id)
    if training:
        dataset = dataset.shuffle(len(files), seed=seed, reshuffle_each_iteration=True)
    if repeat:
        dataset = dataset.repeat()
    dataset = dataset.interleave(
        tf.data.TFRecordDataset,
        cycle_length=min(len(files), 8),
        num_parallel_calls=1 if deterministic else AUTOTUNE,
        deterministic=deterministic or not training,
    )
    if training and shuffle_buffer > 1:
        dataset = dataset.shuffle(shuffle_buffer, seed=seed, reshuffle_each_iteration=True)
    if skip_records:
        dataset = dataset.skip(skip_records)
    dataset = dataset.map(lambda s: tf.io.parse_single_example(s, schema.feature_spec()), num_parallel_calls=AUTOTUNE)
    dataset = dataset.interleave(
        lambda r: _decode_or_skip(r, image_size, counter),
        cycle_length=16,
        block_length=1,
        num_parallel_calls=AUTOTUNE,
        deterministic=options.deterministic,
    )
    flip = training and random_flip

    def _finish(index, record):
        image = record["image"]
        if flip:
            # Stateless per-element draw: same flips for the same seed and order, whatever the parallelism.
            coin = tf.random.stateless_uniform([], seed=tf.stack([tf.cast(seed, tf.int64), index]))
            image = tf.cond(coin < 0.5, lambda: tf.image.flip_left_right(image), lambda: image)
        outputs = (preprocess_images(image), tf.cast(record[schema.LABEL], tf.int32))
        if with_metadata:
            outputs += ({"source_id": record[schema.SOURCE_ID], "degradation": record[schema.DEGRADATION]},)
        return outputs

    dataset = dataset.enumerate(start=skip_records).map(
        _finish, num_parallel_calls=AUTOTUNE, deterministic=options.deterministic
    )
    dataset = dataset.batch(batch_size, drop_remainder=training)
    return dataset.prefetch(AUTOTUNE).with_options(options)


def make_distributed_dataset(
    strategy: tf.distribute.Strategy, files, per_replica_batch: int, skip_steps: int = 0, **kwargs
):
    """`make_dataset` for each input pipeline of `strategy`, batching `per_replica_batch` per replica.

    ``skip_steps`` resumes after that many global steps (each pipeline skips the records it fed them).
    """

    def dataset_fn(input_context):
        per_pipeline = per_replica_batch * input_context.num_replicas_in_sync // input_context.num_input_pipelines
        return make_dataset(
            files, per_replica_batch, input_context=input_context, skip_records=skip_steps * per_pipeline, **kwargs
        )

    return strategy.distribute_datasets_from_function(dataset_fn)
