"""crfiqa_tf.data.samples: the kind of a source from its path, a sample drawn over a whole folder in a seeded order
with the unreadable files listed, samples from shards and from a .bin set, and each refusal naming the source."""

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf.data.samples import ImageSample, sample_images, source_kind, synthetic_images
from crfiqa_tf.data.synthetic import make_synthetic_dataset


@pytest.fixture(scope="module")
def data(tmp_path_factory):
    folder = tmp_path_factory.mktemp("samples")
    make_synthetic_dataset(str(folder / "data"), identities=3, per_identity=4, seed=0, shards=2, val_pairs=4)
    faces = folder / "faces"
    faces.mkdir()
    for i, image in enumerate(synthetic_images(6, 40, seed=1)):
        Image.fromarray(image).save(faces / f"{i}.png")
    (faces / "broken.jpg").write_bytes(b"not an image")
    return folder


def test_the_kind_from_the_path(data):
    assert source_kind(str(data / "data" / "verification.bin")) == "bin"
    assert source_kind(str(data / "data" / "train-*.tfrecord")) == "tfrecords"
    assert source_kind(str(data / "data")) == "tfrecords"  # a folder holding shards
    assert source_kind(str(data / "faces")) == "images"


def test_a_folder_sample_is_seeded_and_lists_what_it_could_not_read(data):
    every = sample_images(str(data / "faces"), 10, 32, seed=0)
    assert every.images.shape == (6, 32, 32, 3) and every.kind == "images"
    assert every.skipped == 1 and every.skipped_files[0]["source_id"].endswith("broken.jpg")
    assert every.describe()["count"] == 6 and every.describe()["skipped"] == 1
    again, other = (sample_images(str(data / "faces"), 3, 32, seed=s) for s in (0, 1))
    assert np.array_equal(again.images, sample_images(str(data / "faces"), 3, 32, seed=0).images)
    assert not np.array_equal(again.images, other.images)  # another seed, another draw
    head, tail = every.split(4)
    assert len(head.images) == 4 and len(tail.images) == 2 and head.skipped == 1 and tail.skipped == 0


def test_samples_from_shards_and_from_a_bin_set(data):
    shards = sample_images(str(data / "data"), 5, 32)
    assert shards.kind == "tfrecords" and shards.images.shape == (5, 32, 32, 3)
    pairs = sample_images(str(data / "data" / "verification.bin"), 100, 32)
    assert pairs.kind == "bin" and len(pairs.images) == 8  # four pairs, two images each


def test_refusals_name_the_source(data, tmp_path):
    with pytest.raises(FileNotFoundError, match="nowhere: not a folder of face images"):
        sample_images(str(tmp_path / "nowhere"), 4, 32, kind="images")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ValueError, match="empty: no files in this folder"):
        sample_images(str(tmp_path / "empty"), 4, 32)
    (tmp_path / "junk").mkdir()
    (tmp_path / "junk" / "a.png").write_bytes(b"junk")
    with pytest.raises(ValueError, match=r"junk: no readable face image \(1 unreadable: .*a.png"):
        sample_images(str(tmp_path / "junk"), 4, 32)
    with pytest.raises(FileNotFoundError, match="missing.bin: no such .bin file"):
        sample_images(str(tmp_path / "missing.bin"), 4, 32)
    with pytest.raises(ValueError, match="unknown image source kind 'video'"):
        sample_images(str(data / "faces"), 4, 32, kind="video")
    assert isinstance(sample_images(str(data / "faces"), 1, 32), ImageSample)
