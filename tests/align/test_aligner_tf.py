"""``score_photos``: the face pipeline in TensorFlow ops inside the SavedModel, tested equal to the LiteRT path on
the packaged real photos (faces, boxes, five points, embeddings, quality), loaded the way TF Serving's C++ server
loads it (the TF1 session loader, signatures run by tensor name), batched photos of different sizes, bad input, and
served to `crfiqa-tf client --photos` through the TF Serving test doubles (gRPC and REST)."""

import csv
import io
import struct
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from support.serving_doubles import start_grpc_test_double, start_rest_test_double

from crfiqa_tf import signatures as sig
from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.data.sample_photos import available, photo
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.image_io import png_bytes
from crfiqa_tf.inference.saved_model import IN_GRAPH, SavedModelScorer
from crfiqa_tf_apps.serving.client import CRFIQAClient

PHOTOS = [name for name in available()]  # group of six, portraits, photos without a face


def iou(a, b) -> float:
    x0, y0, x1, y1 = max(a[0], b[0]), max(a[1], b[1]), min(a[2], b[2]), min(a[3], b[3])
    inter = max(0.0, x1 - x0) * max(0.0, y1 - y0)
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


@pytest.fixture(scope="module")
def scorer(exported):
    return SavedModelScorer(exported["saved"])


def test_score_photos_finds_the_faces_the_litert_path_finds(exported, scorer):
    reference = scorer.predict(exported["images"])["quality"]
    tolerance = 0.01 * (np.percentile(reference, 95) - np.percentile(reference, 5))  # 1 % of the 5–95 % range
    aligner = FaceAligner(policy="all", size=scorer.image_size)
    for name in PHOTOS:
        image = photo(name)
        out = scorer.score_photos([png_bytes(image)])
        faces = aligner.align(image)
        count = int(out[sig.OUTPUT_NUM_FACES][0])
        assert count == len(faces) == int(out[sig.OUTPUT_FACES_FOUND][0]), name
        if not faces:
            assert not out[sig.OUTPUT_QUALITY].any() and not out[sig.OUTPUT_BOXES].any()
            continue
        python = scorer.predict(np.stack([f.crop for f in faces]))
        for k, face in enumerate(faces):
            landmarks = out[sig.OUTPUT_LANDMARKS][0, k]
            distance = np.linalg.norm(face.detection.landmarks[1] - face.detection.landmarks[0])
            assert iou(out[sig.OUTPUT_BOXES][0, k], face.detection.box) >= 0.9, (name, k)
            assert np.linalg.norm(landmarks - face.detection.landmarks, axis=1).max() <= 0.03 * distance, (name, k)
            ours, theirs = out[sig.OUTPUT_EMBEDDING][0, k], python["embedding"][k]
            assert ours @ theirs / np.linalg.norm(ours) / np.linalg.norm(theirs) >= 0.99, (name, k)
            assert abs(out[sig.OUTPUT_QUALITY][0, k] - python["quality"][k]) <= tolerance, (name, k)
        assert not out[sig.OUTPUT_QUALITY][0, count:].any()  # rows past num_faces are zero


def test_the_tf1_session_loader_runs_it_by_tensor_name_and_gives_the_same_rows(exported, scorer):
    photos = [png_bytes(photo("group_of_six")), png_bytes(photo("cat"))]
    expected = scorer.score_photos(photos)
    with tf.Graph().as_default(), tf.compat.v1.Session() as session:
        meta = tf.compat.v1.saved_model.loader.load(session, ["serve"], exported["saved"])
        signature = meta.signature_def[sig.SCORE_PHOTOS]
        feed = {signature.inputs[sig.INPUT_IMAGE_BYTES].name: photos}
        names = sorted(signature.outputs)
        values = session.run([signature.outputs[n].name for n in names], feed_dict=feed)
    for name, value in zip(names, values):
        np.testing.assert_allclose(value, expected[name], rtol=1e-5, atol=1e-5, err_msg=name)
    assert values[names.index(sig.OUTPUT_NUM_FACES)].tolist() == [6, 0]


def test_a_request_of_photos_of_different_sizes_equals_each_photo_alone(scorer):
    photos = [png_bytes(photo(n)) for n in ("group_of_six", "grace_hopper", "cat", "astronaut")]
    together = scorer.score_photos(photos)
    for i, data in enumerate(photos):
        alone = scorer.score_photos([data])
        for name, value in alone.items():
            np.testing.assert_allclose(together[name][i], value[0], rtol=1e-4, atol=1e-4, err_msg=name)
    assert together[sig.OUTPUT_NUM_FACES].tolist() == [6, 1, 0, 1]
    assert together[sig.OUTPUT_QUALITY].shape == (4, sig.DEFAULT_MAX_FACES)


def test_bad_bytes_and_oversized_photos_are_invalid_argument_and_the_model_keeps_serving(scorer):
    with pytest.raises(tf.errors.InvalidArgumentError, match="image_bytes: an element is not a JPEG or PNG image"):
        scorer.score_photos([b"GIF89a not what we take"])
    # A PNG whose header says 8000 x 6000: refused from the header, before any decoding.
    header = struct.pack(">IIBBBBB", 8000, 6000, 8, 2, 0, 0, 0)
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    with pytest.raises(tf.errors.InvalidArgumentError, match="image_bytes: an image has more than 40000000 pixels"):
        scorer.score_photos([b"\x89PNG\r\n\x1a\n" + chunk])
    assert scorer.score_photos([png_bytes(photo("grace_hopper"))])[sig.OUTPUT_NUM_FACES].tolist() == [1]


def test_more_faces_than_max_faces_keeps_the_largest_and_counts_them_all():
    from crfiqa_tf.align import aligner_tf

    everything = tf.function(aligner_tf.FaceAligner(max_faces=16).faces)(tf.constant(photo("group_of_six")))
    two = tf.function(aligner_tf.FaceAligner(max_faces=2).faces)(tf.constant(photo("group_of_six")))
    assert (int(two["num_faces"]), int(two["faces_found"])) == (2, 6) and two["boxes"].shape == (2, 4)
    np.testing.assert_allclose(two["boxes"], everything["boxes"][:2], atol=1e-4)
    areas = [(b[2] - b[0]) * (b[3] - b[1]) for b in everything["boxes"].numpy()[:6]]
    assert areas == sorted(areas, reverse=True)  # largest first, as `score --align --faces all`


def test_the_scorer_uses_the_in_graph_path_for_align_and_the_python_path_for_components(scorer):
    paths = [str(photo_path) for photo_path in map(_photo_file, ("grace_hopper", "cat"))]
    records = scorer.score(paths, options=FaceOptions(align=True, faces="all"))
    assert scorer.align_path == IN_GRAPH
    assert [r.face_index for r in records] == [0, None] and records[1].error == "no_face: no face detected"
    assert records[0].quality_score is not None and records[0].landmarks.shape == (5, 2)
    python = scorer.score(paths[:1], options=FaceOptions(align=True, components=True))
    assert scorer.align_path.startswith("blazeface (LiteRT")
    assert python[0].components is not None
    assert iou(python[0].box, records[0].box) >= 0.9


def _photo_file(name):
    from crfiqa_tf.data.sample_photos import photo_path

    return photo_path(name)


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_client_photos_gives_a_row_per_face_through_the_serving_test_doubles(exported, tmp_path, capsys, transport):
    from crfiqa_tf.cli import main
    from crfiqa_tf.output_rows import SCORE_COLUMNS as COLUMNS

    folder = tmp_path / "photos"
    folder.mkdir()
    for name in ("group_of_six", "grace_hopper", "cat"):
        Image.fromarray(photo(name)).save(folder / f"{name}.jpg", quality=95)
    Image.fromarray(photo("astronaut")).save(folder / "astronaut.bmp")  # not JPEG/PNG: sent as PNG
    (folder / "notes.txt").write_text("not a photo")
    start = start_grpc_test_double if transport == "grpc" else start_rest_test_double
    server, target = start(exported["saved"], "crfiqa")
    try:
        argv = ["client", str(folder), "--photos", "--target", target, "--transport", transport]
        assert main(argv) == 0
        client = CRFIQAClient(target, transport=transport)
        with pytest.raises(ValueError, match="image_bytes: an element is not a JPEG or PNG image"):
            client.score_photos([b"GIF89a"])  # refused by the server ...
        assert [r.face_index for r in client.score_photos([png_bytes(photo("grace_hopper"))])] == [
            0
        ]  # ... which goes on
    finally:
        server.shutdown() if transport == "rest" else server.stop(0)
    captured = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(captured.out)))
    assert tuple(rows[0]) == COLUMNS
    by_file = {}
    for row in rows:
        by_file.setdefault(row["path"].rsplit("/", 1)[1], []).append(row)
    assert [r["face_index"] for r in by_file["group_of_six.jpg"]] == [str(i) for i in range(6)]
    grace = by_file["grace_hopper.jpg"][0]
    assert float(grace["quality_score"]) >= 0 and len(grace["landmarks"].split()) == 10 and grace["error"] == ""
    assert by_file["cat.jpg"][0]["error"] == "no_face: no face detected"
    assert by_file["astronaut.bmp"][0]["face_index"] == "0"
    assert by_file["notes.txt"][0]["error"].startswith("not_an_image")  # not sent: Pillow names the cause
    assert "5 files: 3 scored (8 faces), 2 with an error" in captured.err


# -- tiles (crfiqa_tf.align.tiling) ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def graph_faces():
    from crfiqa_tf.align import aligner_tf

    pipeline = aligner_tf.FaceAligner(max_faces=8)
    return tf.function(pipeline.faces, input_signature=[tf.TensorSpec([None, None, 3], tf.uint8)])


def test_tiled_faces_in_graph_equal_the_litert_path_on_composites(graph_faces):
    from crfiqa_tf.data.composites import paste, score_detections

    aligner = FaceAligner(policy="all")
    cases = [
        ((1280, 960), [("group_of_six", 30, (0.45, 0.55))]),  # one level, 12 tiles, six small faces
        ((640, 480), [("group_of_six", 20, (0.619, 0.603))]),  # a face only a second look finds
        ((2000, 1500), [("astronaut", 24, (0.2, 0.3)), ("grace_hopper", 45, (0.7, 0.65))]),  # two levels
        ((1920, 1080), []),  # face-free
    ]
    for size, placements in cases:
        composite = paste(size, placements)
        out = graph_faces(tf.constant(composite.image))
        faces = aligner.detect_all(composite.image)
        count = int(out["num_faces"])
        assert count == len(faces) >= len(composite.faces), size  # and faces the frame cuts, where found
        found, false = score_detections(composite, faces)
        assert all(found) and false == 0, size
        for k, face in enumerate(faces):
            distance = np.linalg.norm(face.landmarks[1] - face.landmarks[0])
            assert iou(out["boxes"][k].numpy(), face.box) >= 0.9, (size, k)
            assert np.linalg.norm(out["landmarks"][k].numpy() - face.landmarks, axis=1).max() <= 0.03 * distance
            np.testing.assert_allclose(out["detection_score"][k], face.score, atol=0.01)


def test_in_graph_without_tiles_misses_the_small_faces_the_tiles_find(graph_faces):
    from crfiqa_tf.align import aligner_tf
    from crfiqa_tf.data.composites import paste

    composite = paste((1280, 960), [("group_of_six", 30, (0.45, 0.55))])  # five faces inside, 28–42 px eyes
    whole = tf.function(aligner_tf.FaceAligner(max_faces=8, min_face=None).faces)(tf.constant(composite.image))
    tiled = graph_faces(tf.constant(composite.image))
    assert int(whole["num_faces"]) < int(tiled["num_faces"]) == len(composite.faces) == 5


def test_export_records_min_face_and_the_scorer_takes_the_graph_only_for_it(exported, scorer):
    import json
    import os

    settings = json.load(open(os.path.join(exported["saved"], "assets.extra", sig.SCORE_PHOTOS_FILE)))
    assert settings["min_face"] == 20.0 and settings["max_faces"] == sig.DEFAULT_MAX_FACES
    path = str(_photo_file("grace_hopper"))
    scorer.score([path], options=FaceOptions(align=True))
    assert scorer.align_path == IN_GRAPH
    scorer.score([path], options=FaceOptions(align=True, min_face=None))  # not what the graph was exported with
    assert scorer.align_path.startswith("blazeface (LiteRT")
