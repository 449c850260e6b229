"""`score --align --draw DIR`: each photo saved with its faces drawn where the rows put them (real photos, the real
alignment, the closed-form scorer double)."""

import os

import numpy as np
import pytest
from PIL import Image
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf.cli import main
from crfiqa_tf.data.sample_photos import photo_path
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.output_rows import score_row as record_row
from crfiqa_tf.report.drawing import BOX_COLOUR
from crfiqa_tf.report.drawn_photos import PhotoDrawer


def _near(pixels, colour, tolerance=60):  # JPEG shifts the drawn colours by up to ~50
    return np.all(np.abs(pixels.astype(int) - colour) <= tolerance, axis=-1)


def _changed(drawn, original):
    return np.abs(drawn.astype(int) - original.astype(int)).sum(-1) > 60


def test_each_face_is_drawn_at_its_box_and_points(tmp_path):
    sources = [photo_path("group_of_six"), photo_path("astronaut"), str(tmp_path / "gone.jpg")]
    records = MeanPixelScorer(112).score(sources, options=FaceOptions(align=True, faces="all"))
    rows = [record_row(r) for r in records]
    drawer = PhotoDrawer(str(tmp_path / "drawn"))
    drawer.add(rows)
    drawer.add([dict(rows[-2], path=photo_path("astronaut"))])  # the same name again: a second file, not a clash
    group_name = os.path.splitext(os.path.basename(photo_path("group_of_six")))[0] + ".jpg"
    assert drawer.written == 3 and sorted(p.name for p in (tmp_path / "drawn").iterdir()) == sorted(
        ["astronaut.jpg", "astronaut_2.jpg", group_name]
    )
    drawn = np.asarray(Image.open(tmp_path / "drawn" / group_name).convert("RGB"))
    original = np.asarray(Image.open(photo_path("group_of_six")).convert("RGB"))
    assert drawn.shape == original.shape
    group = [r for r in records if r.source == photo_path("group_of_six")]
    assert len(group) == 6
    for record in group:
        x0, y0, x1, y1 = (round(v) for v in record.box)
        changed, coloured = _changed(drawn, original), _near(drawn, BOX_COLOUR)
        # each side of the box, looked at in a 3-pixel band across the line (Pillow and rounding may move it by one)
        for band, axis in ((np.s_[y0 - 1 : y0 + 2, x0 + 2 : x1 - 2], 0), (np.s_[y0 + 2 : y1 - 2, x0 - 1 : x0 + 2], 1)):
            assert changed[band].any(axis=axis).mean() > 0.9, record.box  # the line is drawn all along
            assert coloured[band].any(axis=axis).mean() > 0.5  # in the box colour (JPEG blurs a thin line)
        for band, axis in ((np.s_[y1 - 2 : y1 + 1, x0 + 2 : x1 - 2], 0), (np.s_[y0 + 2 : y1 - 2, x1 - 2 : x1 + 1], 1)):
            assert changed[band].any(axis=axis).mean() > 0.9, record.box
        inside = np.s_[y0 + 8 : y1 - 8, x0 + 8 : x1 - 8]
        assert _changed(drawn, original)[inside].mean() < 0.2  # a box, not a filled rectangle
        for x, y in record.landmarks:
            spot = drawn[round(y) - 1 : round(y) + 2, round(x) - 1 : round(x) + 2].astype(int)
            assert (spot[..., 0] - spot[..., 1] > 80).any(), (x, y)  # a red point on each of the five


def test_draw_needs_align(tmp_path):
    with pytest.raises(SystemExit, match="--draw draws the faces found; add --align"):
        main(["score", photo_path("astronaut"), "--model", "m.tflite", "--draw", str(tmp_path)])


def test_labels_names_and_what_is_drawn_by_value(tmp_path, monkeypatch):
    from crfiqa_tf.report import drawn_photos

    image = np.full((60, 80, 3), 100, np.uint8)
    for name in ("a.png", "b.png"):
        Image.fromarray(image).save(tmp_path / name)
    drawn, encoded = [], []
    monkeypatch.setattr(
        drawn_photos, "draw_faces", lambda picture, faces: drawn.append(faces) or Image.fromarray(picture)
    )
    real_jpeg = drawn_photos.jpeg_bytes
    monkeypatch.setattr(
        drawn_photos, "jpeg_bytes", lambda p, longest, q: encoded.append((longest, q)) or real_jpeg(p, longest, q)
    )
    box = {"box_x0": "1", "box_y0": "2", "box_x1": "30", "box_y1": "40"}
    rows = [
        {"path": str(tmp_path / "a.png"), "face_index": "0", "quality": "0.5", "quality_score": "61.4", **box},
        {"path": str(tmp_path / "a.png"), "face_index": "1", "quality": "0.25", **box},
        {"path": str(tmp_path / "b.png"), "quality": "0.9"},  # no box: an aligned input, nothing to draw
        {"path": str(tmp_path / "b.png"), "error": "no_face: none", **box},  # a failure is not drawn
    ]
    drawer = PhotoDrawer(str(tmp_path / "out"))
    drawer.add(rows)
    assert drawer.written == 1 and [[face["label"] for face in faces] for faces in drawn] == [["0: 61", "1: 0.250"]]
    assert drawn[0][0]["box"] == (1.0, 2.0, 30.0, 40.0) and encoded == [(1600, 90)]
    names = [drawer._name(p) for p in ("C:\\photos\\face.png", "gs://b/face.jpg", "dir/", "face")]
    assert names == ["face.jpg", "face_2.jpg", "photo.jpg", "face_3.jpg"]
