"""crfiqa_tf.data.aligned_folders: the face a labelled photo stands for, and raw photos to aligned faces — on real
photos at the scales users meet (a small face in a large frame, a group, a face-free frame) and on LFW people from
../shared where present."""

import os

import numpy as np
import pytest
from PIL import Image
from support.paths import SHARED_DATA

from crfiqa_tf.align.detection import Detection
from crfiqa_tf.data.aligned_folders import AlignSettings, PhotoAligner, pick_face
from crfiqa_tf.data.composites import paste
from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.image_io import png_bytes, read_image

LFW = os.path.join(SHARED_DATA, "lfw-devtrain", "lfw")


def face(x0, y0, x1, y1):
    return Detection((x0, y0, x1, y1), 0.9, np.zeros((5, 2)))


def test_largest_and_centre_pick_different_faces():
    big_corner, small_centre = face(0, 0, 60, 60), face(40, 40, 60, 60)
    assert pick_face([small_centre, big_corner], 100, 100, "largest") is big_corner
    assert pick_face([big_corner, small_centre], 100, 100, "centre") is small_centre
    # the centre is the frame's (x = width / 2, y = height / 2), not a square's
    left, right = face(10, 40, 30, 60), face(150, 40, 170, 60)
    assert pick_face([left, right], 100, 320, "centre") is right
    assert pick_face([], 100, 100, "centre") is None
    with pytest.raises(ValueError, match="face policy must be one of largest, centre, got 'all'"):
        pick_face([left], 100, 100, "all")
    with pytest.raises(ValueError, match="--face must be one of largest, centre, got 'first'"):
        AlignSettings("first")


def item(tmp_path, name, array):
    path = tmp_path / name
    path.write_bytes(png_bytes(array))
    return (str(path), f"person/{name}", 3)


@pytest.fixture(scope="module")
def aligner():
    return PhotoAligner(AlignSettings("largest"))


def test_a_portrait_becomes_its_aligned_face_with_its_label(tmp_path, aligner):
    sample = aligner(item(tmp_path, "a.png", photo("grace_hopper")))
    assert sample.label == 3 and sample.source_id == "person/a.png"
    crop = read_image(sample.encoded)
    assert crop.shape == (112, 112, 3)
    # the package's own aligner, run on the photo by hand, gives the same crop
    np.testing.assert_array_equal(crop, aligner.face(photo("grace_hopper")))


def test_a_small_face_in_a_large_frame_is_found_and_a_face_free_frame_is_a_listed_failure(tmp_path, aligner):
    frame = paste((1280, 960), [("astronaut", 28.0, (0.7, 0.3))])  # 28 px between the eyes in 1280 x 960
    sample = aligner(item(tmp_path, "small.png", frame.image))
    assert not isinstance(sample, dict), sample
    empty = aligner(item(tmp_path, "coffee.png", photo("coffee")))
    assert empty == {"source_id": "person/coffee.png", "reason": "no_face", "detail": "no face found (blazeface)"}
    (tmp_path / "notes.txt").write_text("not a photo")
    unreadable = aligner((str(tmp_path / "notes.txt"), "person/notes.txt", 3))
    assert unreadable["source_id"] == "person/notes.txt" and unreadable["reason"] == "not_an_image"


def test_in_a_group_the_policies_keep_different_people(aligner):
    group = photo("group_of_six")
    centre = PhotoAligner(AlignSettings("centre"))
    faces = centre.aligner.detect_all(group)
    assert len(faces) == 6
    h, w = group.shape[:2]
    middle = min(faces, key=lambda f: np.hypot((f.box[0] + f.box[2]) / 2 - w / 2, (f.box[1] + f.box[3]) / 2 - h / 2))
    largest = max(faces, key=lambda f: f.area)
    assert middle is not largest
    from crfiqa_tf.align.similarity import warp_face

    np.testing.assert_array_equal(centre.face(group), warp_face(group, middle.landmarks, 112))
    np.testing.assert_array_equal(aligner.face(group), warp_face(group, largest.landmarks, 112))


@pytest.mark.skipif(not os.path.isdir(LFW), reason="LFW people are read from ../shared/data where present")
def test_lfw_photos_of_one_person_align_to_the_same_person():
    from crfiqa_tf.matchers.matcher import load_matcher

    matcher_path = os.path.join(LFW, "..", "..", "matchers", "mobileface")
    people = ["Aaron_Peirsol", "Abdoulaye_Wade"]  # View 1 training people (the test people are held out)
    centre = PhotoAligner(AlignSettings("centre"))
    faces, labels = [], []
    for label, name in enumerate(people):
        for file in sorted(os.listdir(os.path.join(LFW, name)))[:3]:
            faces.append(centre.face(np.asarray(Image.open(os.path.join(LFW, name, file)).convert("RGB"))))
            labels.append(label)
    assert all(f is not None for f in faces)
    embeddings = load_matcher(matcher_path).embeddings(np.stack(faces))
    scores, labels = embeddings @ embeddings.T, np.array(labels)
    same = (labels[:, None] == labels[None, :]) & ~np.eye(len(labels), dtype=bool)
    assert scores[same].min() > scores[labels[:, None] != labels[None, :]].max()
