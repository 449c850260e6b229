"""`crfiqa-tf train-on-top` and its export: a matcher (a SavedModel with variables, standing in for the user's)
and the trained head become one quality model whose SavedModel and TFLite files give the Python path's quality and
the matcher's embedding; the in-graph preprocessing equals `MatcherInput.tensor` for every declaration."""

import itertools
import json

import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.cli import main
from crfiqa_tf.data.prepare import prepare_from_folder
from crfiqa_tf.data.synthetic import identity_faces, make_sample
from crfiqa_tf.matchers.matcher import load_matcher
from crfiqa_tf.matchers.matcher_input import MatcherInput
from crfiqa_tf.on_top.head_inputs import head_inputs
from crfiqa_tf.on_top.matcher_quality_model import MatcherQualityModel
from crfiqa_tf.on_top.on_top_model import OnTopQuality
from crfiqa_tf.on_top.on_top_run import load_run


def conv_matcher(path, size=112, layout="NHWC"):
    """A small recognition network with variables (a conv, pooling, a projection) saved as a SavedModel."""
    module = tf.Module()
    module.kernel = tf.Variable(tf.random.stateless_normal([5, 5, 3, 8], [1, 2]) * 0.05)
    module.projection = tf.Variable(tf.random.stateless_normal([8 * 16, 12], [3, 4]) * 0.1)
    shape = [None, size, size, 3] if layout == "NHWC" else [None, 3, size, size]

    @tf.function(input_signature=[tf.TensorSpec(shape, tf.float32, name="data")])
    def serve(data):
        x = data if layout == "NHWC" else tf.transpose(data, [0, 2, 3, 1])
        x = tf.nn.relu(tf.nn.conv2d(x, module.kernel, 4, "SAME"))
        x = tf.nn.avg_pool2d(x, size // 16, size // 16, "VALID")  # [N, 4, 4, 8]
        return {"embedding": tf.matmul(tf.reshape(x, [-1, 8 * 16]), module.projection)}

    module.serve = serve
    tf.saved_model.save(module, str(path), signatures={"serving_default": serve})
    return str(path)


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    root = tmp_path_factory.mktemp("people")
    rng = np.random.default_rng(0)
    for index, face in enumerate(identity_faces(4, seed=5)):
        (root / f"id{index}").mkdir()
        for n in range(4):
            data, _, _ = make_sample(face, rng)
            (root / f"id{index}" / f"{n}.jpg").write_bytes(data)
    out = tmp_path_factory.mktemp("shards") / "faces"
    prepare_from_folder(str(root), str(out), shards=2)
    return str(out)


@pytest.fixture(scope="module")
def exported(shards, tmp_path_factory):
    base = tmp_path_factory.mktemp("on_top")
    matcher = conv_matcher(base / "matcher")
    run = base / "run"
    argv = [
        "train-on-top",
        "--data",
        shards,
        "--augment",
        shards,
        "--matcher",
        matcher,
        "--out",
        str(run),
        "--epochs",
        "3",
    ]
    # a mirror-averaged head of two members on leave-one-out centres: every exported form must run the matcher on
    # each face's mirror too
    extra = ["--hidden", "8", "--members", "2", "--mirror", "--centres", "leave-one-out"]
    assert main([*argv, *extra, "--export", "--tflite", "--onnx"]) == 0
    return run, matcher


def test_the_run_records_its_matcher_and_training(exported, shards):
    run, matcher = exported
    head, path, spec, names = load_run(str(run))
    assert (
        path == matcher
        and spec == MatcherInput()
        and names == {"signature": None, "input_name": None, "output_name": None}
    )
    training = json.loads((run / "training.json").read_text())
    assert training["faces"] == 32 and training["identities"] == 4 and training["settings"]["hidden"] == 8
    assert training["unchanged_copies"] == 16  # the fixture augments with the photos themselves: no new face
    assert head.hidden == 8 and head.num_classes == 4 and head.members == 2 and head.mirror
    assert training["settings"]["members"] == 2 and training["settings"]["mirror"] is True
    assert training["settings"]["centres"] == head.centres == "leave-one-out"


def test_the_exported_saved_model_and_tflite_give_the_python_paths_quality(exported, shards):
    from crfiqa_tf.data.labelled_faces import read_labelled_faces
    from crfiqa_tf.inference.litert import LiteRTScorer
    from crfiqa_tf.inference.saved_model import SavedModelScorer

    run, matcher_path = exported
    faces = read_labelled_faces(shards).faces[:6]
    head, *_ = load_run(str(run))
    matcher = load_matcher(matcher_path)
    expected_quality = head.predict(head_inputs(matcher, faces, mirror=True), verbose=0)
    # mirror-averaged: a mirrored face has the face's quality
    mirrored = head.predict(head_inputs(matcher, faces[:, :, ::-1], True), verbose=0)
    np.testing.assert_allclose(mirrored, expected_quality, rtol=1e-5, atol=1e-5)
    saved = SavedModelScorer(str(run / "export" / "saved_model" / "crfiqa" / "1")).predict(faces)
    np.testing.assert_allclose(saved["quality"], expected_quality, rtol=1e-4, atol=1e-4)
    np.testing.assert_allclose(saved["embedding"], matcher.embeddings(faces), atol=1e-5)
    lite = LiteRTScorer(str(run / "export" / "tflite" / "crfiqa_fp32.tflite")).predict(faces)
    np.testing.assert_allclose(lite["quality"], expected_quality, rtol=1e-3, atol=1e-3)
    assert np.std(expected_quality) > 0  # the head tells the faces apart


def test_the_graphs_preprocessing_is_matcher_input_for_every_declaration(tmp_path):
    head = type("Head", (), {"__call__": lambda self, raw, training=False: tf.reduce_sum(raw, axis=1)})()
    faces = np.random.default_rng(2).integers(0, 256, (3, 112, 112, 3), dtype=np.uint8)
    for value_range, channels in itertools.product(("0..255", "0..1", "-1..1"), ("RGB", "BGR")):
        for layout in ("NHWC", "NCHW"):
            spec = MatcherInput(value_range=value_range, channels=channels, layout=layout)
            model = MatcherQualityModel(conv_matcher(tmp_path / f"m_{layout}", layout=layout), spec, head)
            np.testing.assert_allclose(model.matcher_input(faces).numpy(), spec.tensor(faces), atol=1e-6)
    resized = MatcherInput(size=96)  # 96 / 4 / 6 = 4 cells a side
    model = MatcherQualityModel(conv_matcher(tmp_path / "m96", size=96), resized, head)
    # TF's antialiased resize against Pillow's: within a level
    assert np.abs(model.matcher_input(faces).numpy() - resized.tensor(faces)).max() <= 1.0


def test_the_graph_gives_the_head_what_head_inputs_gives_it_with_and_without_the_mirror(tmp_path):
    """The TF twin of `head_inputs` (inside `MatcherQualityModel`) on real photos: the same raw embeddings, the
    mirror image flipped along the width (a flip along the height or a swapped pair would differ)."""
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.data.sample_photos import photo

    aligner = FaceAligner()
    faces = np.stack([aligner.align(photo(name))[0].crop for name in ("astronaut", "grace_hopper", "cameraman")])
    matcher_path = conv_matcher(tmp_path / "m")
    matcher = load_matcher(matcher_path)
    for mirror in (False, True):
        head = OnTopQuality(12, 4, hidden=4, members=2, mirror=mirror, agreement=mirror)
        head.build()
        head.standardise.adapt(np.random.default_rng(0).normal(size=(16, 12 + mirror)).astype(np.float32))
        model = MatcherQualityModel(matcher_path, MatcherInput(), head)
        inputs = head_inputs(matcher, faces, mirror)
        assert inputs.shape == ((3, 2, 12) if mirror else (3, 12))
        got = model(tf.constant(faces))
        np.testing.assert_allclose(got["quality"].numpy(), head.predict(inputs, verbose=0), rtol=1e-5, atol=1e-5)
        np.testing.assert_allclose(got["embedding"].numpy(), matcher.embeddings(faces), atol=1e-5)
    upside_down = head_inputs(matcher, faces[:, ::-1], True)[:, 0]
    np.testing.assert_allclose(inputs[:, 1], matcher.raw_embeddings(np.ascontiguousarray(faces[:, :, ::-1])), atol=1e-5)
    assert not np.allclose(inputs[:, 1], upside_down, atol=1e-3)


def test_an_onnx_matcher_cannot_run_inside_the_exported_graph(tmp_path):
    (tmp_path / "m.onnx").write_bytes(b"onnx")
    with pytest.raises(ValueError, match="must be a SavedModel or a .keras file"):
        MatcherQualityModel(str(tmp_path / "m.onnx"), MatcherInput(), head=None)


def test_bad_data_is_refused_naming_it(tmp_path, exported):
    _, matcher = exported
    with pytest.raises(SystemExit, match="crfiqa-tf train-on-top: .*dataset_info.json not found"):
        main(["train-on-top", "--data", str(tmp_path), "--matcher", matcher, "--out", str(tmp_path / "r")])
    with pytest.raises(SystemExit, match="crfiqa-tf train-on-top: matcher .*: no output named 'x'"):
        main(["train-on-top", "--data", str(tmp_path), "--matcher", matcher, "--matcher-output", "x", "--out", "r"])


@pytest.fixture(scope="module")
def lfw_style(tmp_path_factory):
    """An LFW-style folder of raw packaged photos and its pairs.txt (one photo has no face)."""
    from crfiqa_tf.data.sample_photos import photo
    from crfiqa_tf.image_io import png_bytes

    root = tmp_path_factory.mktemp("lfw")
    people = {"Ann": ("grace_hopper", "grace_hopper", "coffee"), "Bo": ("astronaut", "astronaut"), "Cy": ("cameraman",)}
    for person, names in people.items():
        (root / person).mkdir()
        for number, name in enumerate(names, start=1):
            image = photo(name)
            image = image[:, ::-1] if number == 2 else image  # a mirrored second photo of the same person
            (root / person / f"{person}_{number:04d}.jpg").write_bytes(png_bytes(np.ascontiguousarray(image)))
    (root / "pairs.txt").write_text("4\nAnn\t1\t2\nBo\t1\t2\nAnn\t1\tBo\t1\nBo\t2\tCy\t1\nAnn\t3\tCy\t1\n")
    return root


def test_evaluate_on_lfw_pairs_with_the_users_matcher(exported, lfw_style, tmp_path, capsys):
    run, matcher = exported
    model = str(run / "export" / "saved_model" / "crfiqa" / "1")
    argv = ["evaluate", "--model", model, "--lfw-pairs", str(lfw_style / "pairs.txt"), "--images", str(lfw_style)]
    assert main([*argv, "--matcher", matcher, "--fmr", "0.5", "--out", str(tmp_path / "ev")]) == 0
    printed = capsys.readouterr().out
    assert "5 faces, 2 mated and 2 non-mated comparisons; 1 photos without a face" in printed
    result = json.loads((tmp_path / "ev" / "evaluation.json").read_text())
    assert result["photos_without_a_face"] == {"Ann/Ann_0003.jpg": "no_face"} and result["pairs_in_file"] == 5
    methods = [row["method"] for row in result["table"]]
    assert methods == [
        "quality model (crfiqa/1)",
        "random",
        "sharpness (Laplacian variance)",
        "embedding norm (the matcher's)",
        "oracle (own comparison score)",
    ]
    assert (tmp_path / "ev" / "edc_fmr0.5.png").exists() and "| oracle (own comparison score) | 0.5 |" in printed


def test_evaluate_all_vs_all_on_shards(exported, shards, tmp_path):
    from crfiqa_tf.evaluation.matcher_evaluation import evaluate_for_matcher

    run, matcher = exported
    model = str(run / "export" / "saved_model" / "crfiqa" / "1")
    result = evaluate_for_matcher(model, load_matcher(matcher), str(tmp_path), all_vs_all_data=shards, fmrs=(0.1,))
    assert (result["faces"], result["mated"], result["nonmated"]) == (16, 4 * 6, 120 - 24)
    capped = evaluate_for_matcher(model, None, str(tmp_path), all_vs_all_data=shards, max_per_identity=2, fmrs=(0.1,))
    assert (capped["faces"], capped["mated"], capped["nonmated"]) == (8, 4, 24)
    sampled = evaluate_for_matcher(model, None, str(tmp_path), all_vs_all_data=shards, nonmated=30, fmrs=(0.1,))
    assert sampled["nonmated"] == 30 and sampled["matcher"].startswith("the quality model's own embedding")
    with pytest.raises(ValueError, match="give exactly one of an LFW pairs file"):
        evaluate_for_matcher(model, None, str(tmp_path))
    with pytest.raises(SystemExit, match="--matcher takes --lfw-pairs, --all-vs-all or --bin"):
        main(["evaluate", "--model", model, "--pairs", "x.csv", "--matcher", matcher, "--out", str(tmp_path)])


def test_evaluate_a_bin_pair_set_with_the_users_matcher(exported, shards, tmp_path, capsys):
    from crfiqa_tf.data.bin_sets import write_bin
    from crfiqa_tf.data.labelled_faces import read_labelled_faces
    from crfiqa_tf.image_io import png_bytes

    run, matcher = exported
    faces = read_labelled_faces(shards)
    by_label = {label: np.flatnonzero(faces.labels == label) for label in range(4)}
    pairs = [(by_label[k][0], by_label[k][1], True) for k in range(4)] + [
        (by_label[k][0], by_label[(k + 1) % 4][0], False) for k in range(4)
    ]
    write_bin(
        str(tmp_path / "set.bin"),
        [png_bytes(faces.faces[i]) for a, b, _ in pairs for i in (a, b)],
        [m for *_, m in pairs],
    )
    model = str(run / "export" / "saved_model" / "crfiqa" / "1")
    argv = ["evaluate", "--model", model, "--bin", str(tmp_path / "set.bin"), "--matcher", matcher, "--fmr", "0.25"]
    assert main([*argv, "--out", str(tmp_path / "ev")]) == 0
    assert "16 faces, 4 mated and 4 non-mated comparisons" in capsys.readouterr().out


def test_every_path_scores_the_on_top_export_as_the_python_path_does(exported, shards, tmp_path):
    """The on-top export is a quality model like the package's own: `score` takes its SavedModel, TFLite and ONNX
    files, `calibrate` fits it and `score --calibration` rescoring follows, the Beam job (DirectRunner) scores a
    gallery with it, and TF Serving's gRPC and REST (the in-process test doubles of tests/support/serving_doubles.py)
    serve it — each giving the quality that the head gives on the matcher's embeddings."""
    import csv

    from PIL import Image
    from support.serving_doubles import start_grpc_test_double, start_rest_test_double

    from crfiqa_tf.data.labelled_faces import read_labelled_faces
    from crfiqa_tf_apps.beam_jobs.score_gallery import run as run_gallery
    from crfiqa_tf_apps.serving.client import CRFIQAClient

    run, matcher_path = exported
    faces = read_labelled_faces(shards).faces[:8]
    head, *_ = load_run(str(run))
    expected = head.predict(head_inputs(load_matcher(matcher_path), faces, mirror=True), verbose=0).reshape(-1)
    folder = tmp_path / "faces"
    folder.mkdir()
    for index, face in enumerate(faces):
        Image.fromarray(face).save(folder / f"{index}.png")
    export = run / "export"
    models = {
        "saved_model": export / "saved_model" / "crfiqa" / "1",
        "tflite": export / "tflite" / "crfiqa_fp32.tflite",
        "onnx": export / "onnx" / "crfiqa.onnx",
    }
    for kind, model in models.items():
        sidecar = json.loads((model.parent / (model.name + ".json")).read_text()) if kind != "saved_model" else None
        if sidecar is not None:  # converted files carry their parity and the matcher's declared input
            assert sidecar["matcher"] == matcher_path and sidecar["matcher_input"]["value_range"] == "0..255"
            parity = sidecar["parity_vs_saved_model"]
            assert parity["max_abs_diff_quality"] < 1e-3 and parity["mean_cosine_embedding"] > 0.9999
        out = tmp_path / f"{kind}.csv"
        assert main(["score", str(folder), "--model", str(model), "--out", str(out)]) == 0
        rows = {r["path"].rsplit("/", 1)[-1]: float(r["quality"]) for r in csv.DictReader(open(out))}
        got = [rows[f"{index}.png"] for index in range(len(faces))]
        np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-3, err_msg=kind)

    calibration = tmp_path / "calibration.json"
    assert (
        main(["calibrate", "--model", str(models["saved_model"]), "--tfrecords", shards, "--out", str(calibration)])
        == 0
    )
    out = tmp_path / "calibrated.csv"
    assert (
        main(
            ["score", str(folder), "--model", str(models["onnx"]), "--calibration", str(calibration), "--out", str(out)]
        )
        == 0
    )
    scores = [float(r["quality_score"]) for r in csv.DictReader(open(out))]
    assert len(scores) == len(faces) and min(scores) < 50 < max(scores)

    prefix = tmp_path / "beam" / "scores"
    run_gallery(
        [
            "--input-glob",
            f"{folder}/*.png",
            "--model",
            str(models["saved_model"]),
            "--output",
            str(prefix),
            "--format",
            "csv",
        ]
    )
    beam_rows = [r for shard in sorted(prefix.parent.glob("scores-*.csv")) for r in csv.DictReader(open(shard))]
    assert len(beam_rows) == len(faces)
    by_name = {r["path"].rsplit("/", 1)[-1]: float(r["quality"]) for r in beam_rows if r.get("quality")}
    np.testing.assert_allclose([by_name[f"{i}.png"] for i in range(len(faces))], expected, rtol=1e-4, atol=1e-4)

    for start, transport in ((start_grpc_test_double, "grpc"), (start_rest_test_double, "rest")):
        server, target = start(str(models["saved_model"]), "crfiqa")
        try:
            served = CRFIQAClient(target, transport=transport, timeout=30).predict_images(np.stack(faces))
        finally:
            server.stop(0) if transport == "grpc" else server.shutdown()
        np.testing.assert_allclose(served["quality"], expected, rtol=1e-4, atol=1e-4, err_msg=transport)
        np.testing.assert_allclose(served["embedding"], load_matcher(matcher_path).embeddings(faces), atol=1e-4)


def test_tflite_or_onnx_without_export_is_refused(shards, tmp_path):
    with pytest.raises(SystemExit, match="--tflite and --onnx convert the export; add --export"):
        main(["train-on-top", "--data", shards, "--matcher", str(tmp_path / "m"), "--out", str(tmp_path / "r"),
              "--tflite", "--onnx"])  # fmt: skip


def test_best_shots_pick_faces_with_the_on_top_tflite_model(exported, tmp_path):
    import csv

    from support.stream_frames import crossing_frames, write_video

    run, _ = exported
    frames, _ = crossing_frames(8)
    video = write_video(tmp_path / "clip.avi", frames)
    model = run / "export" / "tflite" / "crfiqa_fp32.tflite"
    argv = ["best-shots", video, "--model", str(model), "--out", str(tmp_path / "shots"), "--per-track", "2"]
    assert main([*argv, "--threads", "1"]) == 0
    with open(tmp_path / "shots" / "best_shots.csv", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert {r["track_id"] for r in rows} == {"1", "2"} and all(np.isfinite(float(r["quality"])) for r in rows)
