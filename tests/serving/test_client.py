"""serving.client: the gRPC and REST clients against in-process TF Serving test doubles on 127.0.0.1, a timeout and a
refused connection named."""

import csv
import socket

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from support.serving_doubles import start_grpc_test_double, start_rest_test_double

from crfiqa_tf import signatures as sig
from crfiqa_tf.cli import main
from crfiqa_tf.image_io import png_bytes
from crfiqa_tf_apps.serving.client import CRFIQAClient


@pytest.mark.parametrize("transport", ["grpc", "rest"])
def test_clients_against_test_doubles(exported, transport):
    start = start_grpc_test_double if transport == "grpc" else start_rest_test_double
    server, target = start(exported["saved"], "crfiqa")
    try:
        client = CRFIQAClient(target, transport=transport, timeout=30)
        images = exported["images"][:3]
        direct = tf.saved_model.load(exported["saved"]).signatures[sig.PREDICT_IMAGES](images=tf.constant(images))
        by_bytes = client.predict_bytes([png_bytes(i) for i in images])
        by_array = client.predict_images(images)
        for out in (by_bytes, by_array):
            np.testing.assert_allclose(out["quality"], direct["quality"], atol=1e-5)
            np.testing.assert_allclose(out["embedding"], direct["embedding"], atol=1e-5)
        with pytest.raises(ValueError, match="not a JPEG or PNG"):
            client.predict_bytes([b"garbage"])
        assert client.predict_bytes([png_bytes(images[0])])["quality"].shape == (1,)  # still serving
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


def test_client_command_against_the_grpc_test_double(exported, tmp_path, capsys):
    from support.serving_doubles import start_grpc_test_double

    paths = []
    for i, image in enumerate(exported["images"][:2]):
        Image.fromarray(image).save(tmp_path / f"{i}.png")
        paths.append(str(tmp_path / f"{i}.png"))
    (tmp_path / "bad.png").write_bytes(b"nope")
    server, target = start_grpc_test_double(exported["saved"], "crfiqa")
    try:
        assert main(["client", *paths, str(tmp_path / "bad.png"), "--target", target, "--timeout", "30"]) == 0
    finally:
        server.stop(0)
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert len(rows) == 3 and all(r["quality"] and not r["error"] for r in rows[:2])
    assert rows[2]["quality"] == "" and "not a JPEG or PNG" in rows[2]["error"]  # one row, however long the cause
