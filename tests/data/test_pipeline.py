import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.data import schema
from crfiqa_tf.data.pipeline import CorruptRecordCounter, make_dataset, make_distributed_dataset
from crfiqa_tf.data.synthetic import make_synthetic_dataset


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "train"
    make_synthetic_dataset(str(out), identities=6, per_identity=6, seed=0, shards=3, val_pairs=4)
    return str(out)


def test_shapes_dtypes_range(shards):
    images, labels = next(iter(make_dataset(shards, 8, training=True, seed=1)))
    assert images.shape == (8, 112, 112, 3) and images.dtype == tf.float32
    assert labels.shape == (8,) and labels.dtype == tf.int32
    assert -1.0 <= float(tf.reduce_min(images)) and float(tf.reduce_max(images)) <= 1.0


def test_evaluation_keeps_every_image_with_metadata(shards):
    batches = list(make_dataset(shards, 5, training=False, with_metadata=True))
    assert sum(int(b[1].shape[0]) for b in batches) == 36
    degradations = np.concatenate([b[2]["degradation"].numpy() for b in batches])
    assert np.all((degradations >= 0) & (degradations <= 1))


def test_flip_only_in_training_and_deterministic_mode(shards):
    def first(training, flip, seed=3):
        ds = make_dataset(
            shards,
            36,
            training=training,
            random_flip=flip,
            deterministic=True,
            seed=seed,
            shuffle_buffer=0,
            repeat=False,
            with_metadata=True,
        )
        images, _, meta = next(iter(ds))
        return dict(zip(meta["source_id"].numpy().tolist(), images.numpy()))

    plain, flipped, noflip = first(False, True), first(True, True), first(True, False)
    assert sorted(plain) == sorted(flipped) == sorted(noflip)
    assert all(np.array_equal(noflip[k], plain[k]) for k in plain)  # evaluation never flips
    mirrored = np.array([np.array_equal(flipped[k], plain[k][:, ::-1]) for k in plain])
    same = np.array([np.array_equal(flipped[k], plain[k]) for k in plain])
    assert mirrored.any() and same.any() and np.all(mirrored | same)
    again = first(True, True)
    assert all(np.array_equal(again[k], flipped[k]) for k in plain)  # deterministic: same seed, same flips


def test_deterministic_shuffled_training_order(shards):
    def labels(seed):
        ds = make_dataset(shards, 12, training=True, deterministic=True, seed=seed, shuffle_buffer=100)
        return [b[1].numpy().tolist() for b in ds.take(3)]

    assert labels(5) == labels(5)
    assert labels(5) != labels(6)


def test_distributed_dataset_on_two_logical_cpus(shards, two_cpu_strategy):
    dist = make_distributed_dataset(two_cpu_strategy, shards, per_replica_batch=4, training=True, seed=0)
    images, labels = next(iter(dist))
    parts = two_cpu_strategy.experimental_local_results(images)
    assert len(parts) == 2 and all(p.shape == (4, 112, 112, 3) for p in parts)


def test_corrupt_record_is_skipped_and_counted(shards, tmp_path):
    bad = tmp_path / "train-00000-of-00001.tfrecord"
    with tf.io.TFRecordWriter(str(bad)) as writer:
        writer.write(schema.make_example(b"\xff\xd8\xff not really a jpeg", 0, "id0/broken.jpg"))
    files = [str(bad)] + sorted(tf.io.gfile.glob(f"{shards}/train-*.tfrecord"))
    counter = CorruptRecordCounter()
    total = sum(int(b[1].shape[0]) for b in make_dataset(files, 7, training=False, counter=counter))
    assert total == 36 and counter.count == 1
