"""Client of a CR-FIQA model served by TF Serving: gRPC (official PredictionService protos) or REST.

    client = CRFIQAClient("localhost:8500")                       # gRPC
    client = CRFIQAClient("localhost:8501", transport="rest")     # REST
    outputs = client.predict_bytes([open("face.jpg", "rb").read()])   # {"quality": [...], "embedding": [...]}
    records = client.score_photos([open("group.jpg", "rb").read()], ["group.jpg"])  # raw photos: a row per face

Errors are explicit: a refused connection raises `ConnectionError`, a deadline `TimeoutError`, a request the
server rejects (an undecodable image) `ValueError` with the server's message. Unavailable servers are retried.
"""

from __future__ import annotations

import base64
import json
import socket
import time
import urllib.error
import urllib.request

import numpy as np

from crfiqa_tf import signatures as sig


class CRFIQAClient:
    def __init__(
        self,
        target: str,
        model_name: str = sig.DEFAULT_MODEL_NAME,
        signature: str = sig.SERVING_DEFAULT,
        transport: str = "grpc",
        timeout: float = 10.0,
        retries: int = 2,
    ):
        if transport not in ("grpc", "rest"):
            raise ValueError(f"transport must be 'grpc' or 'rest', got {transport!r}")
        self.target, self.model_name, self.signature = target, model_name, signature
        self.transport, self.timeout, self.retries = transport, timeout, retries
        self._stub = None

    def predict_bytes(self, encoded_images: list[bytes]) -> dict[str, np.ndarray]:
        """Scores JPEG/PNG bytes through ``serving_default``."""
        return self._predict(sig.SERVING_DEFAULT, sig.INPUT_IMAGE_BYTES, list(encoded_images))

    def score_photos(self, encoded_photos: list[bytes], sources: list[str] | None = None, with_embeddings=False):
        """Raw photos (JPEG/PNG bytes, any sizes) through ``score_photos``: every face detected, aligned and scored
        by the server. Returns `ScoreRecord`s, one per face (largest first) or per photo without a face."""
        from crfiqa_tf.inference.photo_outputs import records_from_photo_outputs

        photos = list(encoded_photos)
        sources = sources or [f"photo[{i}]" for i in range(len(photos))]
        outputs = self._predict(sig.SCORE_PHOTOS, sig.INPUT_IMAGE_BYTES, photos)
        return records_from_photo_outputs(outputs, sources, with_embeddings=with_embeddings)

    def predict_images(self, images: np.ndarray) -> dict[str, np.ndarray]:
        """Scores aligned uint8 RGB images ``[n, S, S, 3]`` through ``predict_images``."""
        return self._predict(sig.PREDICT_IMAGES, sig.INPUT_IMAGES, np.asarray(images, np.uint8))

    def _predict(self, signature: str, input_name: str, value) -> dict[str, np.ndarray]:
        call = self._grpc if self.transport == "grpc" else self._rest
        for attempt in range(self.retries + 1):
            try:
                return call(signature, input_name, value)
            except ConnectionError:
                if attempt == self.retries:
                    raise
                time.sleep(0.2 * 2**attempt)
        raise AssertionError("unreachable")

    def _grpc(self, signature, input_name, value):
        import grpc
        import tensorflow as tf
        from tensorflow_serving.apis import predict_pb2, prediction_service_pb2_grpc

        if self._stub is None:
            channel = grpc.insecure_channel(self.target)
            self._stub = prediction_service_pb2_grpc.PredictionServiceStub(channel)
        request = predict_pb2.PredictRequest()
        request.model_spec.name = self.model_name
        request.model_spec.signature_name = signature
        dtype = tf.string if input_name == sig.INPUT_IMAGE_BYTES else tf.uint8
        request.inputs[input_name].CopyFrom(tf.make_tensor_proto(value, dtype=dtype))
        try:
            response = self._stub.Predict(request, timeout=self.timeout)
        except grpc.RpcError as error:
            code, details = error.code(), error.details()
            if code == grpc.StatusCode.UNAVAILABLE:
                raise ConnectionError(f"{self.target}: TF Serving unavailable ({details})") from None
            if code == grpc.StatusCode.DEADLINE_EXCEEDED:
                raise TimeoutError(f"{self.target}: no answer within {self.timeout} s") from None
            if code == grpc.StatusCode.INVALID_ARGUMENT:
                raise ValueError(f"{self.target} rejected the request: {details}") from None
            raise RuntimeError(f"{self.target}: {code.name}: {details}") from None
        return {name: tf.make_ndarray(proto) for name, proto in response.outputs.items()}

    def _rest(self, signature, input_name, value):
        if input_name == sig.INPUT_IMAGE_BYTES:
            inputs = {input_name: [{"b64": base64.b64encode(item).decode("ascii")} for item in value]}
        else:
            inputs = {input_name: value.tolist()}
        body = json.dumps({"signature_name": signature, "inputs": inputs}).encode()
        url = f"http://{self.target}/v1/models/{self.model_name}:predict"
        request = urllib.request.Request(url, data=body, headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                payload = json.loads(response.read())
        except urllib.error.HTTPError as error:
            message = error.read().decode("utf-8", "replace")
            try:
                message = json.loads(message).get("error", message)
            except ValueError:
                pass
            if error.code == 400:
                raise ValueError(f"{self.target} rejected the request: {message}") from None
            raise RuntimeError(f"{self.target}: HTTP {error.code}: {message}") from None
        except TimeoutError:
            raise TimeoutError(f"{self.target}: no answer within {self.timeout} s") from None
        except urllib.error.URLError as error:
            if isinstance(error.reason, (TimeoutError, socket.timeout)):
                raise TimeoutError(f"{self.target}: no answer within {self.timeout} s") from None
            raise ConnectionError(f"{self.target}: cannot connect ({error.reason})") from None
        outputs = payload["outputs"]
        if not isinstance(outputs, dict):  # a single-output signature answers with a bare list
            outputs = {sig.OUTPUT_QUALITY: outputs}
        return {name: np.asarray(v, np.float32) for name, v in outputs.items()}  # counts come back as floats
