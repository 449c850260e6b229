"""SavedModel export in the TF Serving layout, with warmup requests, models.config and batching parameters.

``OUT/saved_model/<model_name>/<version>/`` holds a SavedModel with three signatures (names in
`crfiqa_tf.signatures`): ``serving_default`` takes ``image_bytes`` of aligned faces (JPEG/PNG, resized to the
model's input inside the graph), ``predict_images`` takes aligned uint8 RGB ``images``; both return ``quality``,
``embedding`` and, when a calibration is given, ``quality_score``. ``score_photos`` takes ``image_bytes`` of raw
photos (any size, any mix of sizes) and returns every face, detected, aligned and scored in the graph
(`crfiqa_tf.align.aligner_tf`), padded to ``max_faces`` with ``num_faces`` and ``faces_found``; the faces of
all photos of a request go through the network as one batch. A request whose bytes are not a JPEG or PNG, or whose
image has more pixels than the CLI accepts, fails with INVALID_ARGUMENT naming the input. The three are the methods
of `serving_module.ServingModule`; this module writes them and TF Serving's files, every one through
`crfiqa_tf.paths` (``--out`` may be remote).
"""

from __future__ import annotations

import io
import json
import sys

import keras
import numpy as np
import tensorflow as tf

from crfiqa_tf import paths
from crfiqa_tf import signatures as sig
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf_apps.serving.serving_module import ServingModule

BATCHING_PARAMETERS = """# One set for every signature: requests are batched along dimension 0 (aligned faces for
# serving_default and predict_images; photos for score_photos, whose faces then go through the network as one batch).
max_batch_size { value: 64 }
batch_timeout_micros { value: 2000 }
max_enqueued_batches { value: 256 }
num_batch_threads { value: 4 }
pad_variable_length_inputs: false
"""


def build_archive(
    inference_model: keras.Model,
    calibration: dict | None = None,
    freeze: bool = True,
    max_faces: int = sig.DEFAULT_MAX_FACES,
    min_face: float | None = DEFAULT_MIN_FACE,
) -> keras.export.ExportArchive:
    """The `ServingModule`'s three methods as the archive's endpoints; with `freeze` the weights are constants in
    the graph, else the model's variables are tracked and saved."""
    module = ServingModule(inference_model, calibration, freeze, max_faces, min_face)
    archive = keras.export.ExportArchive()
    if not freeze:
        archive.track(inference_model)
    for name, method in module.signatures().items():
        archive.add_endpoint(name, method)
    return archive


def warmup_photos() -> list[bytes]:
    """Two raw photos for ``score_photos``'s warmup: one with two faces (matplotlib's Grace Hopper portrait side by
    side with its mirror image; matplotlib comes with the ``tf`` extra) and one without any."""
    from crfiqa_tf.data.sample_photos import photo

    try:
        portrait = photo("grace_hopper")
        with_faces = np.concatenate([portrait, portrait[:, ::-1]], axis=1)
    except FileNotFoundError:  # no matplotlib: the warmup still runs the whole graph, on a photo without faces
        with_faces = np.random.default_rng(1).integers(0, 256, (480, 640, 3), dtype=np.uint8)
    without = np.full((360, 480, 3), 128, np.uint8)
    return [_jpeg(with_faces), _jpeg(without)]


def write_warmup(version_dir: str, model_name: str, encoded_images: list[bytes], photos: list[bytes]) -> str:
    """``assets.extra/tf_serving_warmup_requests``: PredictionLog records TF Serving replays on load — aligned faces
    for ``serving_default`` (one, then all) and raw photos for ``score_photos`` (each alone, then together)."""
    from tensorflow_serving.apis import model_pb2, predict_pb2, prediction_log_pb2

    folder = paths.join(version_dir, "assets.extra")
    paths.makedirs(folder)
    path = paths.join(folder, "tf_serving_warmup_requests")
    requests = [(sig.SERVING_DEFAULT, encoded_images[:1]), (sig.SERVING_DEFAULT, encoded_images)]
    requests += [(sig.SCORE_PHOTOS, [p]) for p in photos] + [(sig.SCORE_PHOTOS, photos)]
    with tf.io.TFRecordWriter(path) as writer:
        for signature, batch in requests:
            spec = model_pb2.ModelSpec(name=model_name, signature_name=signature)
            request = predict_pb2.PredictRequest(model_spec=spec)
            request.inputs[sig.INPUT_IMAGE_BYTES].CopyFrom(tf.make_tensor_proto(batch, dtype=tf.string))
            log = prediction_log_pb2.PredictionLog(predict_log=prediction_log_pb2.PredictLog(request=request))
            writer.write(log.SerializeToString())
    return path


def _jpeg(array: np.ndarray) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG", quality=95)
    return buffer.getvalue()


def export_saved_model(
    inference_model: keras.Model,
    out_dir: str,
    model_name: str = sig.DEFAULT_MODEL_NAME,
    version: int = 1,
    calibration: dict | None = None,
    warmup_images: np.ndarray | None = None,
    fold: bool = True,
    freeze: bool = True,
    max_faces: int = sig.DEFAULT_MAX_FACES,
    min_face: float | None = DEFAULT_MIN_FACE,
) -> str:
    """Writes the SavedModel (replacing that version if present) and the TF Serving files; returns its path.

    With `fold` (default) the graph is the model's inference form (`crfiqa_tf.models.folding`): BatchNorms folded
    into convolutions, PReLU as x + (alpha − 1)·min(x, 0); the TFLite and ONNX files converted from it inherit
    that. A model not in the standard inference layout is exported as it is, with a message. With `freeze`
    (default) the weights are constants of the serving graph (faster on CPU, see
    `serving_module.frozen_outputs`); without it they are SavedModel variables. `max_faces` pads
    ``score_photos``'s outputs and `min_face` is the smallest face it looks for (pixels between the eyes; None: the
    whole frame only), both recorded in ``assets.extra/score_photos.json``.
    """
    if fold:
        from crfiqa_tf.models.folding import fold_inference_model

        try:
            inference_model = fold_inference_model(inference_model)
        except ValueError as error:
            print(f"export: exporting the unfolded graph ({error})", file=sys.stderr)
    base = paths.join(out_dir, "saved_model")
    version_dir = paths.join(base, model_name, str(version))
    paths.remove_tree(version_dir)
    if max_faces < 1:
        raise ValueError(f"max_faces must be at least 1, got {max_faces}")
    build_archive(inference_model, calibration, freeze, max_faces, min_face).write_out(version_dir, verbose=False)
    size = int(inference_model.input_shape[1])
    if warmup_images is None:
        warmup_images = np.random.default_rng(0).integers(0, 256, (4, size, size, 3), dtype=np.uint8)
    write_warmup(version_dir, model_name, [_jpeg(image) for image in warmup_images], warmup_photos())
    # Every TF Serving file goes through crfiqa_tf.paths: --out may be gs://, s3:// (tested on ram://).
    settings = {"max_faces": max_faces, "min_face": min_face, "image_size": size, "detector": "blazeface (in-graph)"}
    paths.write_text(paths.join(version_dir, "assets.extra", sig.SCORE_PHOTOS_FILE), json.dumps(settings, indent=2))
    if calibration is not None:
        paths.write_text(
            paths.join(version_dir, "assets.extra", sig.CALIBRATION_FILE), json.dumps(calibration, indent=2)
        )
    paths.write_text(
        paths.join(base, "models.config"),
        "model_config_list {\n  config {\n"
        f'    name: "{model_name}"\n    base_path: "/models/{model_name}"\n    model_platform: "tensorflow"\n'
        "  }\n}\n",
    )
    paths.write_text(paths.join(base, "batching_parameters.txt"), BATCHING_PARAMETERS)
    return version_dir
