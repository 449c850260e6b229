"""Export of a (briefly) trained tiny model to SavedModel, TFLite and ONNX, the scorers, and the serving clients
against in-process TF Serving test doubles on 127.0.0.1."""

import io
import json
import os
import socket
import subprocess
import sys

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from serving_doubles import start_grpc_test_double, start_rest_test_double

from crfiqa_tf import signatures as sig
from crfiqa_tf.environment import cpu_has_bfloat16
from crfiqa_tf.evaluation.rank_correlation import spearman
from crfiqa_tf.inference.litert import LiteRTScorer
from crfiqa_tf.inference.onnx import OnnxScorer
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf_apps.serving.client import CRFIQAClient

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SIZE = 32


def _encode(array, fmt="PNG"):
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format=fmt)
    return buffer.getvalue()


def test_layout_signatures_and_equality_with_keras(exported):
    saved = exported["saved"]
    base = os.path.dirname(os.path.dirname(saved))
    assert saved.endswith(os.path.join("saved_model", "crfiqa", "1"))
    assert "model_config_list" in open(os.path.join(base, "models.config")).read()
    assert "max_batch_size" in open(os.path.join(base, "batching_parameters.txt")).read()
    loaded = tf.saved_model.load(saved)
    assert set(loaded.signatures) == {sig.SERVING_DEFAULT, sig.PREDICT_IMAGES, sig.SCORE_PHOTOS}
    predict = loaded.signatures[sig.PREDICT_IMAGES]
    spec = predict.structured_input_signature[1][sig.INPUT_IMAGES]
    assert spec.dtype == tf.uint8 and spec.shape.as_list() == [None, SIZE, SIZE, 3]
    bytes_spec = loaded.signatures[sig.SERVING_DEFAULT].structured_input_signature[1][sig.INPUT_IMAGE_BYTES]
    assert bytes_spec.dtype == tf.string and bytes_spec.shape.as_list() == [None]
    images = exported["images"]
    expected = exported["model"].inference_model()(images)
    out = predict(images=tf.constant(images))
    assert set(out) == {sig.OUTPUT_QUALITY, sig.OUTPUT_EMBEDDING, sig.OUTPUT_QUALITY_SCORE}
    np.testing.assert_allclose(out["quality"], expected["quality"], atol=1e-5)
    np.testing.assert_allclose(out["embedding"], expected["embedding"], atol=1e-5)
    from_bytes = loaded.signatures[sig.SERVING_DEFAULT](image_bytes=tf.constant([_encode(i) for i in images]))
    np.testing.assert_allclose(from_bytes["quality"], expected["quality"], atol=1e-5)
    # the weights are constants of the graph (see export_saved_model's `freeze`), not variables to read
    graph = predict.graph.as_graph_def()
    ops = {node.op for f in graph.library.function for node in f.node_def} | {node.op for node in graph.node}
    assert "ReadVariableOp" not in ops and "Conv2D" in ops
    big = np.asarray(Image.fromarray(images[0]).resize((97, 131)))
    assert loaded.signatures[sig.SERVING_DEFAULT](image_bytes=tf.constant([_encode(big, "JPEG")]))["quality"].shape == (
        1,
    )


def test_warmup_records_parse_and_run(exported):
    from tensorflow_serving.apis import prediction_log_pb2

    path = os.path.join(exported["saved"], "assets.extra", "tf_serving_warmup_requests")
    loaded = tf.saved_model.load(exported["saved"])
    count, faces = 0, []
    for raw in tf.data.TFRecordDataset(path):
        log = prediction_log_pb2.PredictionLog.FromString(raw.numpy())
        request = log.predict_log.request
        inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
        out = loaded.signatures[request.model_spec.signature_name](**inputs)
        assert out["quality"].shape[0] == inputs[sig.INPUT_IMAGE_BYTES].shape[0]
        if request.model_spec.signature_name == sig.SCORE_PHOTOS:
            faces.append(out[sig.OUTPUT_NUM_FACES].numpy().tolist())
        count += 1
    # serving_default: one face, then four; score_photos: a photo with two faces, one without, then both
    assert count == 5 and faces == [[2], [0], [2, 0]]


def test_corrupt_image_is_invalid_argument_and_next_request_works(exported):
    serve = tf.saved_model.load(exported["saved"]).signatures[sig.SERVING_DEFAULT]
    with pytest.raises(tf.errors.InvalidArgumentError, match="not a JPEG or PNG"):
        serve(image_bytes=tf.constant([b"definitely not an image"]))
    truncated = _encode(exported["images"][0], "JPEG")[:60]
    with pytest.raises(tf.errors.InvalidArgumentError):
        serve(image_bytes=tf.constant([truncated]))
    assert serve(image_bytes=tf.constant([_encode(exported["images"][0])]))["quality"].shape == (1,)


def test_tflite_and_onnx_parity(exported):
    files = exported["files"]
    int8 = files["crfiqa_int8.tflite"]["parity"]
    # the fixture trains deterministically: this model's int8 file measures Spearman 0.989 on its 32 held-out images
    assert int8["spearman_quality"] >= 0.98 and int8["mean_cosine_embedding"] >= 0.99, int8
    assert int8["size_bytes"] <= 0.27 * files["crfiqa_fp32.tflite"]["parity"]["size_bytes"]
    assert files["crfiqa_fp32.tflite"]["parity"]["max_abs_diff_quality"] <= 1e-4
    assert files["crfiqa.onnx"]["parity"]["max_abs_diff_quality"] <= 1e-4
    assert files["crfiqa.onnx"]["parity"]["max_abs_diff_embedding"] <= 1e-4
    sidecar = json.loads(open(files["crfiqa_int8.tflite"]["path"] + ".json").read())
    assert sidecar["quantization"] == "int8" and sidecar["input"]["dtype"] == "uint8"
    assert sidecar["parity_vs_saved_model"]["images"] == 32
    # the fixture exported with --representative = its training shards: both sets named, drawn from them
    data = str(exported["tmp"] / "data")
    representative = {"source": data, "kind": "tfrecords", "count": 64, "skipped": 0, "skipped_files": []}
    assert sidecar["int8_representative"] == representative
    assert sidecar["parity_images"] == {
        "source": data,
        "kind": "tfrecords",
        "count": 32,
        "skipped": 0,
        "skipped_files": [],
    }
    from ai_edge_litert.interpreter import Interpreter

    ops = {op["op_name"] for op in Interpreter(files["crfiqa_int8.tflite"]["path"])._get_ops_details()}
    assert "MINIMUM" in ops and "PRELU" not in ops  # the folded graph: int8 PReLU would leave XNNPACK


def test_scorers_give_the_same_records(exported, tmp_path):
    images = exported["images"][:5]
    paths = []
    for i, image in enumerate(images):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    (tmp_path / "broken.jpg").write_bytes(b"\xff\xd8\xff broken")
    paths.insert(2, str(tmp_path / "broken.jpg"))
    files = exported["files"]
    scorers = [
        SavedModelScorer(exported["saved"]),
        LiteRTScorer(files["crfiqa_fp32.tflite"]["path"]),
        OnnxScorer(files["crfiqa.onnx"]["path"]),
    ]
    results = [s.score(paths, batch_size=4, with_embeddings=True) for s in scorers]
    for records in results:
        assert len(records) == len(paths)
        assert records[2].error.startswith("not_an_image") and records[2].quality is None
    for other in results[1:]:
        for a, b in zip(results[0], other):
            if a.error is None:
                assert abs(a.quality - b.quality) <= 1e-4
                assert abs(a.quality_score - b.quality_score) <= 1e-2
                np.testing.assert_allclose(a.embedding, b.embedding, atol=1e-4)


def test_bfloat16_scorer_is_close_to_float32_and_leaves_the_process_in_float32(exported):
    images = exported["images"]
    fp32 = SavedModelScorer(exported["saved"])
    before = fp32.predict(images)
    bf16 = SavedModelScorer(exported["saved"], precision="bfloat16").predict(images)
    assert spearman(bf16["quality"], before["quality"]) >= 0.99
    cosine = np.sum(bf16["embedding"] * before["embedding"], axis=1)
    assert cosine.mean() >= 0.995
    if cpu_has_bfloat16():  # the rewrite ran: bfloat16 arithmetic changes the low bits
        assert not np.array_equal(bf16["embedding"], before["embedding"])
    assert not tf.config.optimizer.get_experimental_options().get("auto_mixed_precision_onednn_bfloat16", False)
    after = fp32.predict(images)
    np.testing.assert_array_equal(after["quality"], before["quality"])
    with pytest.raises(ValueError, match="precision: 'float16'"):
        SavedModelScorer(exported["saved"], precision="float16")


def test_bfloat16_on_a_cpu_without_bfloat16_instructions_warns(exported, monkeypatch):
    monkeypatch.setattr("crfiqa_tf.environment.cpu_flags", lambda cpuinfo=None: {"avx2", "fma"})
    with pytest.warns(RuntimeWarning, match="neither avx512_bf16 nor amx_bf16"):
        SavedModelScorer(exported["saved"], precision="bfloat16")


def test_raw_photos_to_scores_with_tensorflow_blocked(exported):
    """The edge path: `load_scorer` on a .tflite file, BlazeFace + Face Mesh detection and the 5-point alignment of
    a real group photo, and `crfiqa-tf score --align`, in a process where importing TensorFlow, Keras or MTCNN
    raises."""
    from crfiqa_tf.data.sample_photos import photo_path

    path = exported["files"]["crfiqa_int8.tflite"]["path"]
    out = str(exported["tmp"] / "edge_scores.csv")
    code = (
        "import sys, importlib.abc\n"
        "class Block(importlib.abc.MetaPathFinder):\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name.split('.')[0] in ('tensorflow', 'keras', 'mtcnn', 'tf_keras'):\n"
        "            raise ImportError(f'{name} is blocked in this test')\n"
        "sys.meta_path.insert(0, Block())\n"
        "import crfiqa_tf\n"
        f"records = crfiqa_tf.load_scorer({path!r}).score([{photo_path('group_of_six')!r}], align=True, faces='all')\n"
        "assert len(records) == 6 and all(r.error is None and r.quality is not None for r in records), records\n"
        "assert all(r.box is not None and r.landmarks.shape == (5, 2) for r in records)\n"
        "from crfiqa_tf.cli import main\n"
        f"assert main(['score', {photo_path('astronaut')!r}, '--model', {path!r}, '--align', '--out', {out!r}]) == 0\n"
        "print(len(records), 'tensorflow' in sys.modules, 'keras' in sys.modules)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.strip().splitlines()[-1] == "6 False False"
    assert "astronaut.png" in open(out).read().splitlines()[1]  # and `crfiqa-tf score --align` too


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_clients_against_test_doubles(exported, transport):
    start = start_grpc_test_double if transport == "grpc" else start_rest_test_double
    server, target = start(exported["saved"], "crfiqa")
    try:
        client = CRFIQAClient(target, transport=transport, timeout=30)
        images = exported["images"][:3]
        direct = tf.saved_model.load(exported["saved"]).signatures[sig.PREDICT_IMAGES](images=tf.constant(images))
        by_bytes = client.predict_bytes([_encode(i) for i in images])
        by_array = client.predict_images(images)
        for out in (by_bytes, by_array):
            np.testing.assert_allclose(out["quality"], direct["quality"], atol=1e-5)
            np.testing.assert_allclose(out["embedding"], direct["embedding"], atol=1e-5)
        with pytest.raises(ValueError, match="not a JPEG or PNG"):
            client.predict_bytes([b"garbage"])
        assert client.predict_bytes([_encode(images[0])])["quality"].shape == (1,)  # still serving
    finally:
        server.stop(0) if transport == "grpc" else server.shutdown()


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_client_timeout_and_refused_connection(exported, transport):
    start = start_grpc_test_double if transport == "grpc" else start_rest_test_double
    server, target = start(exported["saved"], "crfiqa", delay=2.0)
    try:
        with pytest.raises(TimeoutError, match="no answer within 0.5 s"):
            CRFIQAClient(target, transport=transport, timeout=0.5, retries=0).predict_images(exported["images"][:1])
    finally:
        server.stop(0) if transport == "grpc" else server.shutdown()
    probe = socket.socket()
    probe.bind(("127.0.0.1", 0))
    port = probe.getsockname()[1]
    probe.close()
    with pytest.raises(ConnectionError, match=f"127.0.0.1:{port}"):
        CRFIQAClient(f"127.0.0.1:{port}", transport=transport, timeout=2, retries=1).predict_images(
            exported["images"][:1]
        )


def test_score_command_on_real_photos_with_each_backend(exported, tmp_path):
    import csv

    from crfiqa_tf.cli import main
    from crfiqa_tf.data.sample_photos import photo

    folder = tmp_path / "photos"
    folder.mkdir()
    Image.fromarray(photo("astronaut")).save(folder / "astronaut.png")
    Image.fromarray(photo("group_of_six")).save(folder / "group.jpg")
    Image.fromarray(np.full((160, 160, 3), 127, np.uint8)).save(folder / "blank.png")
    (folder / "corrupt.jpg").write_bytes(b"\xff\xd8\xff\xe0 truncated")
    files = exported["files"]
    qualities = []
    for model in (exported["saved"], files["crfiqa_fp32.tflite"]["path"], files["crfiqa.onnx"]["path"]):
        out, drawn = tmp_path / "scores.csv", tmp_path / f"drawn_{len(qualities)}"
        argv = ["score", str(folder), "--model", model, "--align", "--faces", "all", "--out", str(out)]
        assert main(argv + ["--draw", str(drawn)]) == 0
        # the photos with faces drawn, each the size of its source; none for the faceless and the corrupt ones
        assert sorted(p.name for p in drawn.iterdir()) == ["astronaut.jpg", "group.jpg"]
        assert Image.open(drawn / "group.jpg").size == Image.open(folder / "group.jpg").size
        rows = list(csv.DictReader(open(out)))
        by_file = {}
        for row in rows:
            by_file.setdefault(row["path"].rsplit("/", 1)[1], []).append(row)
        assert {name: len(found) for name, found in by_file.items()} == {
            "astronaut.png": 1,
            "group.jpg": 6,
            "blank.png": 1,
            "corrupt.jpg": 1,
        }
        assert by_file["blank.png"][0]["error"].startswith("no_face")
        assert by_file["corrupt.jpg"][0]["error"].startswith(("corrupt", "not_an_image"))
        for row in by_file["astronaut.png"] + by_file["group.jpg"]:
            assert row["error"] == "" and row["warning"] == "" and row["quality_score"] != ""
            box = [float(row[c]) for c in ("box_x0", "box_y0", "box_x1", "box_y1")]
            points = np.array(row["landmarks"].split(), float).reshape(5, 2)
            assert ((points >= box[:2]) & (points <= box[2:])).all()
        assert sorted(int(r["face_index"]) for r in by_file["group.jpg"]) == list(range(6))
        qualities.append([float(r["quality"]) for r in rows if r["quality"]])
    # TFLite and ONNX behind the Python alignment agree to 1e-4; the SavedModel aligns inside its graph
    # (score_photos), within 1 % of the quality range of held-out faces (tests/test_aligner_tf.py).
    assert np.max(np.abs(np.array(qualities[2]) - qualities[1])) <= 1e-4
    spread = np.subtract(
        *np.percentile(SavedModelScorer(exported["saved"]).predict(exported["images"])["quality"], [95, 5])
    )
    assert np.max(np.abs(np.array(qualities[0]) - qualities[1])) <= 0.01 * spread
    with pytest.raises(SystemExit, match="expected a SavedModel folder"):
        main(["score", str(folder), "--model", str(folder / "blank.png")])
    with pytest.raises(SystemExit, match="only a SavedModel can run in another precision"):
        main(["score", str(folder), "--model", files["crfiqa.onnx"]["path"], "--precision", "bfloat16"])
    out = tmp_path / "bf16.csv"
    assert main(["score", str(folder), "--model", exported["saved"], "--precision", "bfloat16", "--out", str(out)]) == 0
    rows = {r["path"].rsplit("/", 1)[1]: r for r in csv.DictReader(open(out))}
    assert set(rows) == {"astronaut.png", "group.jpg", "blank.png", "corrupt.jpg"} and rows["blank.png"]["error"] == ""
    # scored without --align, a photo that is not the model's size is stretched, and its row says so
    assert rows["astronaut.png"]["warning"].startswith(f"input is 512x512, not the model's {SIZE}x{SIZE}")


def test_int8_export_fitted_on_a_folder_of_faces_names_it(exported, tmp_path):
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf_apps.serving.export_lib import export

    faces = tmp_path / "faces"
    faces.mkdir()
    for i, image in enumerate(synthetic_images(96, SIZE, seed=41)):
        Image.fromarray(image).save(faces / f"{i:02d}.png")
    (faces / "broken.png").write_bytes(b"not an image")
    (faces / "notes.txt").write_text("a file by any name is an input")
    (faces / "no_extension").write_bytes(b"")
    result = export(
        str(exported["tmp"] / "model.keras"),
        str(tmp_path / "out"),
        formats=["tflite"],
        quantize=["int8"],
        representative=str(faces),
    )
    report = json.loads((tmp_path / "out" / "export_report.json").read_text())
    representative, held_out = report["images"]["int8_representative"], report["images"]["parity_held_out"]
    assert representative["source"] == held_out["source"] == str(faces) and representative["kind"] == "images"
    assert representative["count"] + held_out["count"] == 96 and representative["skipped"] == 3
    assert {(x["source_id"].rsplit("/", 1)[1], x["reason"]) for x in representative["skipped_files"]} == {
        ("broken.png", "not_an_image"),
        ("notes.txt", "not_an_image"),
        ("no_extension", "empty"),
    }
    assert (representative["count"], held_out["count"], result["files"][0]["parity"]["images"]) == (64, 32, 32)
    sidecar = json.loads(open(result["files"][0]["path"] + ".json").read())
    assert sidecar["int8_representative"] == representative and sidecar["parity_images"] == held_out
    parity = result["files"][0]["parity"]  # on 32 faces of the folder that the ranges were not fitted on
    assert parity["spearman_quality"] >= 0.98 and parity["mean_cosine_embedding"] >= 0.99, parity


def test_litert_dequantization_on_a_known_scale():
    from crfiqa_tf.inference.litert import _dequantize

    value = np.array([-128, -3, 1, 127], np.int8)
    np.testing.assert_allclose(_dequantize(value, {"quantization": (0.5, -3)}), [-62.5, 0.0, 2.0, 65.0])
    np.testing.assert_array_equal(_dequantize(np.array([1.5], np.float32), {"quantization": (0.0, 0)}), [1.5])


def test_every_format_absolute_bounds_and_quality_score_is_the_calibration_of_quality(exported):
    """Absolute bounds against the fp32 SavedModel on held-out images. int8: the fp32 quality clipped to the range
    the output tensor can represent (fitted on the representative images; a held-out image beyond it saturates),
    within 10 steps of the output's quantization — measured at most 7.6 on this fixture's model, most images under
    3.5: the error accumulates through the int8 layers, not only in the output's half-step rounding. Its
    quality_score output lies within one step of its own scale (100/255) of apply_calibration(its quality), plus
    one quality step carried through the calibration's local slope (the graph computes the score from the quality
    before that is rounded to its output step; near the logistic's centre one quality step moves the score by more
    than one score step). Every format's built-in quality_score equals apply_calibration(quality) of the same
    format."""
    from crfiqa_tf.calibration import apply_calibration

    images = exported["images"]
    saved = SavedModelScorer(exported["saved"])
    reference = saved.predict(images)
    calibration = saved.calibration
    assert calibration == {"type": "logistic", "centre": 0.2, "scale": 0.3}
    files = exported["files"]
    candidates = {
        "saved_model": (reference, 1e-4),
        "fp32": (LiteRTScorer(files["crfiqa_fp32.tflite"]["path"]).predict(images), 1e-4),
        "onnx": (OnnxScorer(files["crfiqa.onnx"]["path"]).predict(images), 1e-4),
    }
    int8_scorer = LiteRTScorer(files["crfiqa_int8.tflite"]["path"])
    quality_step = int8_scorer._outputs[sig.OUTPUT_QUALITY]["quantization"][0]
    score_step = int8_scorer._outputs[sig.OUTPUT_QUALITY_SCORE]["quantization"][0]
    assert score_step == pytest.approx(100 / 255, rel=1e-3) and 0 < quality_step < 0.1
    int8 = int8_scorer.predict(images)
    for name, (outputs, tolerance) in candidates.items():
        assert np.max(np.abs(outputs[sig.OUTPUT_QUALITY] - reference[sig.OUTPUT_QUALITY])) <= tolerance, name
        expected = apply_calibration(outputs[sig.OUTPUT_QUALITY], calibration)
        np.testing.assert_allclose(outputs[sig.OUTPUT_QUALITY_SCORE], expected, atol=1e-3, err_msg=name)
    zero_point = int8_scorer._outputs[sig.OUTPUT_QUALITY]["quantization"][1]
    low, high = (-128 - zero_point) * quality_step, (127 - zero_point) * quality_step
    clipped = np.clip(reference[sig.OUTPUT_QUALITY], low, high)
    assert np.max(np.abs(int8[sig.OUTPUT_QUALITY] - clipped)) <= 10 * quality_step
    expected = apply_calibration(int8[sig.OUTPUT_QUALITY], calibration)
    p = expected / 100
    slope = 100 * p * (1 - p) / calibration["scale"]  # d score / d quality of the logistic calibration
    error = np.abs(int8[sig.OUTPUT_QUALITY_SCORE] - expected)
    assert np.all(error <= score_step * 1.01 + slope * quality_step), (error, slope * quality_step)
