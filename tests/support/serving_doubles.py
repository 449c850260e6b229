"""Test doubles of TF Serving (its server binary cannot be installed here): a gRPC PredictionService servicer
and a REST endpoint, both in-process on 127.0.0.1 and backed by the exported SavedModel. They implement only
``Predict`` / ``:predict`` with the official protos and the REST JSON format, and say so in their names. Like the
real server (``--enable_model_warmup``, on by default) they replay ``assets.extra/tf_serving_warmup_requests`` when
the model loads, before the first request is served."""

from __future__ import annotations

import base64
import http.server
import json
import threading
import time
from concurrent import futures

import grpc
import numpy as np
import tensorflow as tf
from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc


def load_with_warmup(saved_model_dir: str):
    """`tf.saved_model.load`, then every warmup request of the SavedModel run once, as TF Serving does on load."""
    import os

    from tensorflow_serving.apis import prediction_log_pb2

    model = tf.saved_model.load(saved_model_dir)
    warmup = os.path.join(saved_model_dir, "assets.extra", "tf_serving_warmup_requests")
    if os.path.exists(warmup):
        for raw in tf.data.TFRecordDataset(warmup):
            request = prediction_log_pb2.PredictionLog.FromString(raw.numpy()).predict_log.request
            inputs = {k: tf.constant(tf.make_ndarray(v)) for k, v in request.inputs.items()}
            model.signatures[request.model_spec.signature_name](**inputs)
    return model


class PredictionServiceTestDouble(prediction_service_pb2_grpc.PredictionServiceServicer):
    def __init__(self, saved_model_dir: str, model_name: str, delay: float = 0.0):
        self.model = load_with_warmup(saved_model_dir)
        self.model_name, self.delay = model_name, delay

    def Predict(self, request, context):  # noqa: N802 — the proto's method name
        time.sleep(self.delay)
        if request.model_spec.name != self.model_name:
            context.abort(grpc.StatusCode.NOT_FOUND, f"Servable not found for request: {request.model_spec.name}")
        signature = self.model.signatures[request.model_spec.signature_name or "serving_default"]
        inputs = {name: tf.constant(tf.make_ndarray(proto)) for name, proto in request.inputs.items()}
        try:
            outputs = signature(**inputs)
        except tf.errors.InvalidArgumentError as error:
            context.abort(grpc.StatusCode.INVALID_ARGUMENT, error.message)
        response = predict_pb2.PredictResponse()
        response.model_spec.CopyFrom(request.model_spec)
        for name, value in outputs.items():
            response.outputs[name].CopyFrom(tf.make_tensor_proto(value.numpy()))
        return response


def start_grpc_test_double(saved_model_dir: str, model_name: str, delay: float = 0.0):
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=2))
    prediction_service_pb2_grpc.add_PredictionServiceServicer_to_server(
        PredictionServiceTestDouble(saved_model_dir, model_name, delay), server
    )
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    return server, f"127.0.0.1:{port}"


def start_rest_test_double(saved_model_dir: str, model_name: str, delay: float = 0.0):
    model = load_with_warmup(saved_model_dir)

    class Handler(http.server.BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _reply(self, status, payload):
            body = json.dumps(payload).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def do_POST(self):  # noqa: N802 — http.server's method name
            time.sleep(delay)
            if self.path != f"/v1/models/{model_name}:predict":
                return self._reply(404, {"error": f"Servable not found for request: {self.path}"})
            request = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            signature = model.signatures[request.get("signature_name", "serving_default")]
            inputs = {}
            for name, value in request["inputs"].items():
                if value and isinstance(value[0], dict) and "b64" in value[0]:
                    inputs[name] = tf.constant([base64.b64decode(v["b64"]) for v in value])
                else:
                    inputs[name] = tf.constant(np.asarray(value, np.uint8))
            try:
                outputs = signature(**inputs)
            except tf.errors.InvalidArgumentError as error:
                return self._reply(400, {"error": error.message})
            return self._reply(200, {"outputs": {k: v.numpy().tolist() for k, v in outputs.items()}})

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"127.0.0.1:{server.server_address[1]}"
