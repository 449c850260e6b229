"""`crfiqa-tf prepare --align` over raw identity folders and crfiqa_tf.data.labelled_faces reading the faces back:
every photo ends in the shards or in a listed failure, the faces are the aligner's, and an interrupted alignment
resumes only with the same settings."""

import json

import numpy as np
import pytest

from crfiqa_tf.cli import main
from crfiqa_tf.data.aligned_folders import AlignSettings, PhotoAligner
from crfiqa_tf.data.labelled_faces import read_labelled_faces
from crfiqa_tf.data.prepare import prepare_from_folder
from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.data.writer import InterruptedConversion
from crfiqa_tf.image_io import png_bytes


@pytest.fixture(scope="module")
def raw_folder(tmp_path_factory):
    root = tmp_path_factory.mktemp("raw")
    for person, names in (("ann", ("grace_hopper", "astronaut")), ("bo", ("cameraman", "coffee", "group_of_six"))):
        (root / person).mkdir()
        for name in names:
            (root / person / f"{name}.png").write_bytes(png_bytes(photo(name)))
    (root / "bo" / "notes.txt").write_text("not a photo")
    return root


def test_prepare_align_writes_every_face_and_lists_every_failure(raw_folder, tmp_path, capsys):
    out = tmp_path / "shards"
    assert (
        main(
            [
                "prepare",
                "--from-folder",
                str(raw_folder),
                "--align",
                "--face",
                "centre",
                "--out",
                str(out),
                "--shards",
                "2",
            ]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "4 images of 2 identities in 2 shards" in printed and "2 inputs skipped" in printed
    info = json.loads((out / "dataset_info.json").read_text())
    assert {(s["source_id"], s["reason"]) for s in info["skipped"]} == {
        ("bo/coffee.png", "no_face"),
        ("bo/notes.txt", "not_an_image"),
    }
    assert info["aligned"] == {"policy": "centre", "detector": "blazeface", "min_face": 20.0}
    faces = read_labelled_faces(str(out))
    assert faces.source_ids == ["ann/astronaut.png", "ann/grace_hopper.png", "bo/cameraman.png", "bo/group_of_six.png"]
    assert faces.labels.tolist() == [0, 0, 1, 1] and faces.identities == ["ann", "bo"]
    aligner = PhotoAligner(AlignSettings("centre"))
    for face, source in zip(faces.faces, faces.source_ids):
        np.testing.assert_array_equal(face, aligner.face(photo(source.split("/")[1][:-4])))  # PNG: lossless
    assert faces.subset(faces.labels == 1).source_ids == ["bo/cameraman.png", "bo/group_of_six.png"]


class StopAfter:
    """Asks the conversion to stop once `loads` items have been read (a StopRequest stand-in)."""

    def __init__(self, aligner, loads):
        self.aligner, self.loads, self.seen = aligner, loads, 0

    @property
    def requested(self):
        return self.seen >= self.loads


def test_an_interrupted_alignment_resumes_only_with_its_settings(raw_folder, tmp_path, monkeypatch):
    out = str(tmp_path / "shards")
    stop = StopAfter(None, 3)
    original = PhotoAligner.__call__

    def counting(self, item):
        stop.seen += 1
        return original(self, item)

    monkeypatch.setattr(PhotoAligner, "__call__", counting)
    with pytest.raises(KeyboardInterrupt):
        prepare_from_folder(str(raw_folder), out, shards=3, stop=stop, align=AlignSettings("centre"))
    with pytest.raises(
        InterruptedConversion,
        match=r"--resume with other settings: aligned: .*'policy': 'centre'.* then, .*'policy': 'largest'.* now",
    ):
        prepare_from_folder(str(raw_folder), out, shards=3, resume=True, align=AlignSettings("largest"))
    with pytest.raises(InterruptedConversion, match="aligned: .* then, None now"):
        prepare_from_folder(str(raw_folder), out, shards=3, resume=True)
    info = prepare_from_folder(str(raw_folder), out, shards=3, resume=True, align=AlignSettings("centre"))
    assert info["num_images"] + len(info["skipped"]) == 6


def test_align_takes_photos_from_a_folder_only(tmp_path):
    with pytest.raises(SystemExit, match="--align takes raw photos from --from-folder"):
        main(["prepare", "--from-rec", str(tmp_path), "--align", "--out", str(tmp_path / "o")])
