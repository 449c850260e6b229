"""What kind of model a path holds and which file of it to open — from the path alone, through `crfiqa_tf.paths`
(local or remote), importing nothing else: `crfiqa_tf.model_io` opens what this names, and the scorers resolve their
own paths with it.
"""

from __future__ import annotations

from crfiqa_tf import paths

KINDS = ("saved_model", "tflite", "onnx", "keras")
TRAINING_FILE, INFERENCE_FILE = "model.keras", "inference.keras"
SAVED_MODEL_FILE = "saved_model.pb"


def _describe_kinds() -> str:
    return (
        "a SavedModel folder (crfiqa-tf export), a .tflite or .onnx file, a .keras file, a training run folder or a "
        "convert-torch folder"
    )


def model_kind(path: str) -> str:
    """The kind of model at `path` (one of `KINDS`); raises FileNotFoundError / ValueError naming the path."""
    path = str(path)
    for suffix in (".tflite", ".onnx", ".keras"):
        if path.lower().endswith(suffix):
            if not paths.exists(path):
                raise FileNotFoundError(f"model not found: {path}")
            return suffix[1:]
    if not paths.isdir(path):
        if paths.exists(path):
            raise ValueError(f"model {path}: unknown kind; expected {_describe_kinds()}")
        raise FileNotFoundError(f"model not found: {path}")
    names = set(paths.listdir(path))
    if SAVED_MODEL_FILE in names or any(name.isdigit() for name in names):
        return "saved_model"
    if TRAINING_FILE in names or INFERENCE_FILE in names:
        return "keras"
    raise ValueError(f"model {path}: a folder with neither {SAVED_MODEL_FILE}, numbered versions nor a .keras model")


def resolve_saved_model_dir(path: str) -> str:
    """The SavedModel version folder for `path` (itself, or its highest numbered version)."""
    if paths.exists(paths.join(path, SAVED_MODEL_FILE)):
        return path
    versions = sorted((int(d) for d in paths.listdir(path) if d.isdigit()), reverse=True) if paths.isdir(path) else []
    for version in versions:
        candidate = paths.join(path, str(version))
        if paths.exists(paths.join(candidate, SAVED_MODEL_FILE)):
            return candidate
    raise FileNotFoundError(f"no SavedModel at {path} (expected {SAVED_MODEL_FILE} or numbered version folders)")


def resolve_keras_file(path: str, prefer: str = "inference") -> str:
    """The ``.keras`` file for a file or folder; in a folder holding both, `prefer` ("inference" or "training")
    decides between ``inference.keras`` and ``model.keras``."""
    if str(path).lower().endswith(".keras"):
        if not paths.exists(path):
            raise FileNotFoundError(f"model not found: {path}")
        return path
    order = (INFERENCE_FILE, TRAINING_FILE) if prefer == "inference" else (TRAINING_FILE, INFERENCE_FILE)
    for name in order:
        candidate = paths.join(path, name)
        if paths.exists(candidate):
            return candidate
    raise FileNotFoundError(
        f"model not found: {path} (give a .keras file, a training run folder with {TRAINING_FILE} or a convert-torch "
        f"folder with {INFERENCE_FILE})"
    )
