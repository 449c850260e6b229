"""Every model a user can point at, opened from one place: `load_scorer` and the Keras loaders under it.

Kinds, told apart by the path alone (`crfiqa_tf.model_files`):

- ``saved_model``: a folder exported by ``crfiqa-tf export`` — a SavedModel version folder, or the TF Serving base
  folder holding numbered versions (the highest is used);
- ``tflite`` / ``onnx``: a ``.tflite`` or ``.onnx`` file (its JSON sidecar, when present, carries the calibration);
- ``keras``: a ``.keras`` file, a training run folder (``model.keras`` and ``inference.keras``) or the folder that
  ``crfiqa-tf convert-torch`` wrote (``inference.keras``).

Imports stay lazy: opening a ``.tflite`` file imports NumPy, Pillow and ai-edge-litert only.
"""

from __future__ import annotations

import os
import tempfile

from crfiqa_tf import paths
from crfiqa_tf.model_files import model_kind, resolve_keras_file


def load_keras_model(path: str, prefer: str = "training"):
    """A Keras model from a ``.keras`` file or a run / convert-torch folder (see `resolve_keras_file`), local or
    remote (a remote file is copied to a local temporary file first). A training model gives un-normalised
    embeddings (what the embedding-norm baseline needs), so evaluation prefers it."""
    import keras

    import crfiqa_tf.models  # noqa: F401 — registers the classes load_model needs

    source = resolve_keras_file(path, prefer)
    if not paths.is_remote(source):
        return _in_float32(keras.saving.load_model(source))
    with tempfile.TemporaryDirectory() as local:
        copy = os.path.join(local, paths.basename(source))
        paths.copy(source, copy)
        return _in_float32(keras.saving.load_model(copy))


def _in_float32(model):
    """Evaluation, scoring and export compute in float32. A layer saved under a mixed-precision policy keeps it in
    its config (the quality head of a model trained with ``mixed_bfloat16`` does), which would put bfloat16 ops into
    the exported graphs (TFLite then fails to convert): such layers are switched to float32, whose variables they
    already hold."""
    for layer in model._flatten_layers():
        if layer.dtype_policy.name != "float32":
            layer.dtype_policy = "float32"
    return model


def save_keras_model(model, path: str) -> None:
    """``model.save`` to a local or remote path (Keras writes a local temporary file, then it is copied)."""
    if not paths.is_remote(path):
        model.save(path)
        return
    with tempfile.TemporaryDirectory() as local:
        copy = os.path.join(local, paths.basename(path))
        model.save(copy)
        paths.copy(copy, path)


def load_inference_model(path: str):
    """The inference model (uint8 images → embedding, quality) from any Keras kind of path."""
    from crfiqa_tf.models import CRFIQAModel

    model = load_keras_model(path, prefer="inference")
    return model.inference_model() if isinstance(model, CRFIQAModel) else model


def load_scorer(
    path: str,
    *,
    precision: str = "float32",
    threads: int | None = None,
    providers: list[str] | None = None,
    calibration: dict | str | None = None,
):
    """A `crfiqa_tf.inference.base.Scorer` for any kind of model path.

    Args:
        path: see the module docstring for the kinds accepted.
        precision: ``"bfloat16"`` runs a SavedModel through oneDNN's bfloat16 rewrite; other kinds carry their own
            precision and accept only ``"float32"``.
        threads: CPU threads for LiteRT and ONNX Runtime (default: LiteRT 2, ONNX Runtime its own choice).
        providers: ONNX Runtime execution providers, e.g. ``["CUDAExecutionProvider", "CPUExecutionProvider"]``.
        calibration: a calibration (dict, or the path of its JSON from ``crfiqa-tf calibrate``) for the 0–100
            ``quality_score``; it replaces the one the model carries.
    """
    scorer = _open_scorer(path, precision, threads, providers)
    if calibration is not None:
        from crfiqa_tf.calibration import load_calibration, validate_calibration

        scorer.calibration = (
            validate_calibration(calibration, "calibration")
            if isinstance(calibration, dict)
            else load_calibration(calibration)
        )
    return scorer


def _open_scorer(path: str, precision: str, threads: int | None, providers: list[str] | None):
    kind = model_kind(path)
    if precision != "float32" and kind != "saved_model":
        raise ValueError(f"precision {precision!r}: only a SavedModel can run in another precision, {path} is {kind}")
    if providers and kind != "onnx":
        raise ValueError(f"providers apply to an .onnx model only, {path} is {kind}")
    if kind == "saved_model":
        from crfiqa_tf.inference.saved_model import SavedModelScorer

        return SavedModelScorer(path, precision=precision)
    if kind == "tflite":
        from crfiqa_tf.inference.litert import LiteRTScorer

        return LiteRTScorer(path, num_threads=threads or 2)
    if kind == "onnx":
        from crfiqa_tf.inference.onnx import OnnxScorer

        return OnnxScorer(path, threads=threads or 0, providers=providers)
    from crfiqa_tf.inference.keras_model import KerasScorer

    return KerasScorer(load_inference_model(path), source=path)


def input_size(path: str) -> int:
    """The side of the aligned faces the model at `path` takes, read from its file without loading the network (a
    SavedModel's ``predict_images`` signature in ``saved_model.pb``, a ``.tflite`` or ``.onnx`` file's input), so that
    a path that aligns faces before the model sees them crops them at the model's own size, as `load_scorer`'s
    ``image_size`` does. `path` as for `load_scorer` (a remote ``.tflite`` or ``.onnx`` file is read into memory). A
    file its runtime cannot parse raises ValueError naming it."""
    kind = model_kind(path)
    try:
        return _input_size(path, kind)
    except FileNotFoundError:  # a SavedModel folder without a version: resolve_saved_model_dir names it
        raise
    except Exception as error:  # noqa: BLE001 - each runtime has its own errors for a damaged file
        raise ValueError(f"{path}: cannot be read as a {kind} model ({type(error).__name__}: {error})") from None


def _input_size(path: str, kind: str) -> int:
    from crfiqa_tf import signatures as sig
    from crfiqa_tf.model_files import SAVED_MODEL_FILE, resolve_saved_model_dir

    if kind == "tflite":
        from ai_edge_litert.interpreter import Interpreter

        local = not paths.is_remote(path)  # LiteRT and ONNX Runtime read local files only: a remote one as bytes
        interpreter = Interpreter(model_path=path) if local else Interpreter(model_content=paths.read_bytes(path))
        runner = interpreter.get_signature_runner(sig.PREDICT_IMAGES)
        details = runner.get_input_details()[sig.INPUT_IMAGES]
        side = details["shape_signature"][1] if details["shape_signature"][1] > 0 else details["shape"][1]
        return int(side)
    if kind == "onnx":
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        model = path if not paths.is_remote(path) else paths.read_bytes(path)
        session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
        inputs = {i.name: i for i in session.get_inputs()}
        if sig.INPUT_IMAGES not in inputs:
            raise ValueError(f"{path}: expected an input named {sig.INPUT_IMAGES!r}, found {sorted(inputs)}")
        return int(inputs[sig.INPUT_IMAGES].shape[1])
    if kind == "saved_model":
        from tensorflow.core.protobuf import saved_model_pb2

        version = resolve_saved_model_dir(path)
        graph = saved_model_pb2.SavedModel.FromString(paths.read_bytes(paths.join(version, SAVED_MODEL_FILE)))
        signatures = graph.meta_graphs[0].signature_def
        if sig.PREDICT_IMAGES not in signatures:
            raise ValueError(f"{version}: no '{sig.PREDICT_IMAGES}' signature; was it exported by crfiqa-tf export?")
        return int(signatures[sig.PREDICT_IMAGES].inputs[sig.INPUT_IMAGES].tensor_shape.dim[1].size)
    from crfiqa_tf.inference.keras_model import model_image_size

    return model_image_size(load_inference_model(path))


def training_data_info(path: str) -> dict | None:
    """The ``dataset_info.json`` of the data a model was trained on, found through its training run's resolved
    ``config.yaml`` (`path` is a run folder or a ``.keras`` file in one); None when that cannot be known — a
    converted or bare model, or data no longer where the run found it."""
    import yaml

    from crfiqa_tf.data.schema import read_dataset_info

    run_dir = paths.dirname(path) if str(path).lower().endswith(".keras") else path
    config_path = paths.join(run_dir, "config.yaml")
    if not paths.exists(config_path):
        return None
    train_dir = ((yaml.safe_load(paths.read_text(config_path)) or {}).get("data") or {}).get("train_dir")
    try:
        return read_dataset_info(train_dir) if train_dir else None
    except (OSError, ValueError):
        return None
