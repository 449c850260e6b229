"""serving.export_saved_model: the SavedModel's layout and signatures equal the Keras model, TF Serving's warmup
records parse and run, and a corrupt image is INVALID_ARGUMENT without harming the next request."""

import io
import os

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from crfiqa_tf import signatures as sig

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
