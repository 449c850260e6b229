"""crfiqa_tf.data.cross_quality: a seeded share of a labelled folder degraded, every photo's degradation recorded,
the rest copied byte for byte; on real photos."""

import csv
import io

import numpy as np
import pytest

from crfiqa_tf import paths
from crfiqa_tf.data.cross_quality import MANIFEST, make_cross_quality_copy
from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.data.synthetic import DEGRADATIONS
from crfiqa_tf.image_io import png_bytes, read_image


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "people"
    for person, names in (("ann", ("grace_hopper", "astronaut", "cameraman")), ("bo", ("astronaut", "grace_hopper"))):
        (root / person).mkdir(parents=True)
        for index, name in enumerate(names):
            (root / person / f"{index}.png").write_bytes(png_bytes(photo(name)[:200, :180]))
    (root / "bo" / "notes.txt").write_text("not a photo")
    return root


def manifest(target):
    return list(csv.DictReader(io.StringIO(paths.read_text(paths.join(str(target), MANIFEST)))))


def test_a_share_is_degraded_and_the_rest_copied_as_they_are(folder, tmp_path):
    target = tmp_path / "xq"
    counts = make_cross_quality_copy(str(folder), str(target), fraction=0.5, seed=1)
    rows = manifest(target)
    assert counts["files"] == len(rows) == 6  # every file: copied or degraded
    degraded = [row for row in rows if row["kind"] != "none"]
    assert counts["degraded"] == len(degraded) >= 2
    for row in rows:
        if row["kind"] == "none":
            assert (target / row["path"]).read_bytes() == (folder / row["path"]).read_bytes()
        else:
            written = read_image(str(target / row["path"]))
            assert row["path"].endswith(".jpg") and row["kind"] in DEGRADATIONS and 0.25 <= float(row["severity"]) <= 1
            original = read_image(str(folder / (row["path"][:-4] + ".png")))
            assert written.shape == original.shape  # the photo keeps its size
            assert np.abs(written.astype(int) - original).mean() > 1.0  # and is changed
    assert [e["source_id"] for e in counts["skipped"]] in ([], ["bo/notes.txt"])  # listed when it was drawn


def test_the_same_seed_gives_the_same_copy_and_another_seed_another(folder, tmp_path):
    make_cross_quality_copy(str(folder), str(tmp_path / "a"), fraction=0.5, seed=7)
    make_cross_quality_copy(str(folder), str(tmp_path / "b"), fraction=0.5, seed=7)
    make_cross_quality_copy(str(folder), str(tmp_path / "c"), fraction=0.5, seed=8)
    assert manifest(tmp_path / "a") == manifest(tmp_path / "b")
    for row in manifest(tmp_path / "a"):
        assert (tmp_path / "a" / row["path"]).read_bytes() == (tmp_path / "b" / row["path"]).read_bytes()
    assert manifest(tmp_path / "a") != manifest(tmp_path / "c")


def test_fraction_zero_copies_and_one_degrades_every_photo(folder, tmp_path):
    assert make_cross_quality_copy(str(folder), str(tmp_path / "none"), fraction=0.0)["degraded"] == 0
    every = make_cross_quality_copy(str(folder), str(tmp_path / "all"), fraction=1.0, kinds=("blur",))
    assert every["degraded"] == 5 and [e["source_id"] for e in every["skipped"]] == ["bo/notes.txt"]
    kinds = {row["path"]: row["kind"] for row in manifest(tmp_path / "all")}
    assert kinds.pop("bo/notes.txt") == "none" and set(kinds.values()) == {"blur"}


def test_a_remote_target_is_written_through_paths(folder):
    counts = make_cross_quality_copy(str(folder), "ram://xq_copy", fraction=0.4, seed=2)
    assert len(manifest("ram://xq_copy")) == counts["files"] == 6
    assert paths.exists("ram://xq_copy/ann/0.png") or paths.exists("ram://xq_copy/ann/0.jpg")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"fraction": 1.5}, r"fraction must be in \[0, 1\], got 1.5"),
        ({"severity": (0.8, 0.2)}, r"severity must be a range within \[0, 1\], got \(0.8, 0.2\)"),
        ({"kinds": ("blur", "fog")}, r"unknown degradation kinds \['fog'\]"),
    ],
)
def test_bad_settings_are_refused(folder, tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        make_cross_quality_copy(str(folder), str(tmp_path / "x"), **kwargs)
