"""crfiqa_tf.data.sample_photos: the packaged real photos are found inside their installed packages, read as RGB
uint8 (grey ones converted), with their face counts; a photo whose package is missing is named."""

import importlib.util

import numpy as np
import pytest

from crfiqa_tf.data import sample_photos
from crfiqa_tf.data.sample_photos import PHOTOS, available, face_count, photo, photo_path


def test_every_photo_of_an_installed_package_reads_as_rgb():
    assert set(available()) == set(PHOTOS)  # make setup installs all three packages
    for name in available():
        image = photo(name)
        assert image.dtype == np.uint8 and image.ndim == 3 and image.shape[2] == 3, name
    grey = photo("cameraman")
    assert np.array_equal(grey[..., 0], grey[..., 1]) and np.array_equal(grey[..., 1], grey[..., 2])
    assert photo("aligned_portrait").shape == (112, 112, 3)
    assert face_count("group_of_six") == 6 and face_count("coffee") == 0


def test_a_photo_whose_package_is_missing_is_named(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None if name == "skimage" else real(name))
    assert "astronaut" not in available() and "grace_hopper" in available()
    with pytest.raises(FileNotFoundError, match="photo 'astronaut' needs the skimage package installed"):
        photo_path("astronaut")


def test_a_file_missing_from_its_package_is_named(monkeypatch):
    monkeypatch.setitem(sample_photos.PHOTOS, "gone", ("skimage", "data/no_such_photo.png", 0))
    with pytest.raises(FileNotFoundError, match="photo 'gone': .*no_such_photo.png is missing"):
        photo_path("gone")
