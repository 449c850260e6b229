"""crfiqa_tf.report.thumbnails: where a row's image is looked for, the face in its photo and the aligned crop as
JPEG data URIs of bounded size, and the reason given where the source cannot be read."""

import base64
import io
import os

import numpy as np
from PIL import Image

from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.report.results import ResultRow
from crfiqa_tf.report.thumbnails import face_thumbnails, file_thumbnail, source_candidates

GRACE_POINTS = np.array([[206.0, 232.0], [300.0, 232.0], [254.0, 290.0], [215.0, 340.0], [292.0, 340.0]])


def picture(uri: str) -> Image.Image:
    prefix = "data:image/jpeg;base64,"
    assert uri.startswith(prefix)
    return Image.open(io.BytesIO(base64.b64decode(uri[len(prefix) :])))


def test_a_relative_path_is_looked_for_beside_the_results_and_above():
    row = ResultRow("photos/a.jpg", origin=os.path.join("/runs", "day1", "out", "scores.csv"))
    assert source_candidates(row, levels=2) == [
        "photos/a.jpg",
        os.path.join("/runs", "day1", "out", "photos/a.jpg"),
        os.path.join("/runs", "day1", "photos/a.jpg"),
    ]
    assert source_candidates(ResultRow("/abs/a.jpg", origin="/runs/scores.csv")) == ["/abs/a.jpg"]
    assert source_candidates(ResultRow("gs://b/a.jpg", origin="/runs/scores.csv")) == ["gs://b/a.jpg"]


def test_the_face_in_its_photo_and_the_aligned_crop(tmp_path):
    Image.fromarray(photo("grace_hopper")).save(tmp_path / "grace.png")
    row = ResultRow(
        "grace.png", box=(170.0, 180.0, 340.0, 400.0), landmarks=GRACE_POINTS, origin=str(tmp_path / "s.csv")
    )
    pictures, why = face_thumbnails(row, size=120)
    assert why is None and set(pictures) == {"photo", "aligned"}
    assert max(picture(pictures["photo"]).size) == 120 and picture(pictures["aligned"]).size == (112, 112)
    aligned_input = ResultRow(str(tmp_path / "grace.png"))  # no landmarks: an aligned crop, shown once
    assert set(face_thumbnails(aligned_input)[0]) == {"photo"}


def test_an_unreadable_source_gives_the_reason_not_a_picture(tmp_path):
    (tmp_path / "broken.jpg").write_bytes(b"not a jpeg")
    assert face_thumbnails(ResultRow(str(tmp_path / "broken.jpg"))) == (
        {},
        "not_an_image: not a recognised image format",
    )
    assert face_thumbnails(ResultRow(str(tmp_path / "gone.png"))) == ({}, "unreadable: No such file or directory")
    assert face_thumbnails(ResultRow("")) == ({}, "unreadable: No such file or directory")
    assert file_thumbnail(str(tmp_path / "missing.png")) == (None, "unreadable: No such file or directory")
    assert file_thumbnail(str(tmp_path / "broken.jpg")) == (None, "not_an_image: not a recognised image format")
    Image.fromarray(photo("astronaut")).save(tmp_path / "shot.png")
    uri, reason = file_thumbnail(str(tmp_path / "shot.png"), size=64)
    assert reason is None and picture(uri).size == (64, 64)


def _decoded(uri):
    assert uri.startswith("data:image/jpeg;base64,")
    return np.asarray(Image.open(io.BytesIO(base64.b64decode(uri.split(",", 1)[1]))).convert("RGB"))


def test_a_face_s_thumbnails_by_value(tmp_path):
    from crfiqa_tf.report.drawing import POINT_COLOUR

    image = np.full((400, 600, 3), 120, np.uint8)
    Image.fromarray(image).save(tmp_path / "p.png")
    points = np.array([[230, 180], [270, 180], [250, 200], [235, 220], [265, 220]], float)
    row = ResultRow(str(tmp_path / "p.png"), 0.5, box=(220, 160, 280, 240), landmarks=points)
    pictures, why = face_thumbnails(row)
    assert why is None and set(pictures) == {"photo", "aligned"}
    photo_thumb = _decoded(pictures["photo"])
    assert photo_thumb.shape[:2] == (160, 142)  # the box grown by 0.6 of its longer side (176 × 156), to 160 px
    red = (np.abs(photo_thumb.astype(int) - POINT_COLOUR) < 60).all(axis=2)
    assert red.any()  # the five points are drawn on it
    assert _decoded(pictures["aligned"]).shape[:2] == (112, 112)
    assert face_thumbnails(ResultRow(str(tmp_path / "nothing.png"), 0.5)) == (
        {},
        "unreadable: No such file or directory",
    )
    aligned_input = face_thumbnails(ResultRow(str(tmp_path / "p.png"), 0.5))[0]
    assert set(aligned_input) == {"photo"} and _decoded(aligned_input["photo"]).shape[:2] == (107, 160)  # whole photo


def test_a_relative_path_is_looked_for_up_to_four_folders_above_the_results(tmp_path):
    deep = tmp_path / "a" / "b" / "c" / "d" / "e"
    row = ResultRow("photos/x.png", 0.5, origin=str(deep / "scores.csv"))
    candidates = source_candidates(row)
    assert candidates == ["photos/x.png"] + [str(folder / "photos/x.png") for folder in (deep, deep.parent,
        deep.parent.parent, deep.parent.parent.parent)]  # fmt: skip
    assert source_candidates(ResultRow("/abs/x.png", 0.5, origin=str(deep / "s.csv"))) == ["/abs/x.png"]
    assert source_candidates(ResultRow("gs://b/x.png", 0.5, origin=str(deep / "s.csv"))) == ["gs://b/x.png"]


def test_the_search_stops_at_the_top_of_the_tree():
    # a results file at the root: one folder to look in, however many levels are allowed
    assert source_candidates(ResultRow("a.jpg", origin="/scores.csv"), levels=4) == ["a.jpg", "/a.jpg"]
    assert source_candidates(ResultRow("a.jpg", origin="scores.csv"), levels=4) == ["a.jpg"]  # each place once


def test_the_aligned_thumbnail_is_the_112_pixel_aligned_crop(tmp_path):
    from crfiqa_tf.align.similarity import warp_face
    from crfiqa_tf.report.drawing import jpeg_bytes
    from crfiqa_tf.report.thumbnails import data_uri

    Image.fromarray(photo("grace_hopper")).save(tmp_path / "grace.png")
    row = ResultRow(str(tmp_path / "grace.png"), box=(180, 200, 330, 380), landmarks=GRACE_POINTS)
    pictures, _ = face_thumbnails(row)
    crop = warp_face(photo("grace_hopper"), GRACE_POINTS, 112)
    assert pictures["aligned"] == data_uri(jpeg_bytes(Image.fromarray(crop), 112))
