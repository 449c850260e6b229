"""A model on any Beam filesystem (gs://, s3://, local), copied once per worker process into a local cache and
loaded from there, so that neither TensorFlow's nor ONNX Runtime's own remote-file support is needed on a worker.

The cache key is the source path with the size and modification time of every file under it: a model replaced at
the same path gets a new folder, an unchanged one is copied once however many bundles (or processes sharing the
machine's cache) ask for it. The copy goes to a temporary folder first and is renamed into place, so a process
never sees a half-copied model. The content hash of the copied files (SHA-256 over their relative paths and
bytes) identifies the model in every output row.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import os
import posixpath
import shutil
import tempfile

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from crfiqa_tf.model_files import SAVED_MODEL_FILE
from crfiqa_tf.signatures import SIDECAR_SUFFIX

KINDS = {".tflite": "tflite", ".onnx": "onnx"}
_INFO_FILE = ".crfiqa_model.json"


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """Where a model lives and which files make it up (``files``: path → (size, mtime))."""

    path: str  # the file, or the SavedModel version folder
    kind: str  # saved_model | tflite | onnx
    files: dict

    @property
    def name(self) -> str:
        return posixpath.basename(self.path.rstrip("/"))


def _match(pattern: str) -> list:
    return FileSystems.match([pattern])[0].metadata_list


def _exists(path: str) -> bool:
    return FileSystems.exists(path)


def describe_model(path: str) -> ModelSource:
    """The model at `path`: a ``.tflite`` / ``.onnx`` file (and its JSON sidecar), or an exported SavedModel (a
    version folder, or a base folder whose highest numbered version is taken). Raises FileNotFoundError or
    ValueError naming the path and the cause (missing, unreadable, empty, not the kind its name says); meant to run
    on the launcher before the pipeline starts."""
    path = path.rstrip("/")
    suffix = os.path.splitext(path)[1].lower()
    if suffix in KINDS:
        found = _match(path)
        if not found:
            raise FileNotFoundError(f"--model {path}: no such file")
        files = {path: (found[0].size_in_bytes, found[0].last_updated_in_seconds)}
        _check_readable(path, KINDS[suffix])
        sidecar = _match(path + SIDECAR_SUFFIX)
        if sidecar:
            files[path + SIDECAR_SUFFIX] = (sidecar[0].size_in_bytes, sidecar[0].last_updated_in_seconds)
        return ModelSource(path, KINDS[suffix], files)
    if suffix:
        raise ValueError(
            f"--model {path}: unknown model kind {suffix!r}; accepted: an exported SavedModel folder, a .tflite file "
            "or an .onnx file"
        )
    version_dir = path
    if not _exists(posixpath.join(path, SAVED_MODEL_FILE)):
        versions = []
        for metadata in _match(posixpath.join(path, "*", SAVED_MODEL_FILE)):
            parent = posixpath.basename(posixpath.dirname(metadata.path))
            if parent.isdigit():
                versions.append((int(parent), posixpath.dirname(metadata.path)))
        if not versions:
            raise FileNotFoundError(
                f"--model {path}: no SavedModel there (expected {SAVED_MODEL_FILE} or numbered version folders), "
                "and not a .tflite or .onnx file"
            )
        version_dir = max(versions)[1]
    _check_readable(posixpath.join(version_dir, SAVED_MODEL_FILE), "saved_model")
    files = {m.path: (m.size_in_bytes, m.last_updated_in_seconds) for m in _match(posixpath.join(version_dir, "**"))}
    return ModelSource(version_dir, "saved_model", files)


def _check_readable(path: str, kind: str) -> None:
    """Reads the head of the model's main file, so that a model that cannot be read, or is not what its name says,
    fails on the launcher rather than on every worker."""
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            head = handle.read(16)
    except Exception as error:  # each filesystem raises its own errors
        raise ValueError(f"--model {path}: cannot be read ({type(error).__name__}: {error})") from None
    if not head:
        raise ValueError(f"--model {path}: the file is empty")
    if kind == "tflite" and head[4:8] != b"TFL3":
        raise ValueError(f"--model {path}: not a TFLite model (no TFL3 identifier)")
    if kind == "onnx" and head[0] != 0x08:  # an ONNX ModelProto opens with field 1, ir_version (a varint)
        raise ValueError(f"--model {path}: not an ONNX model")


def _cache_key(source: ModelSource) -> str:
    digest = hashlib.sha256(source.path.encode())
    for name, (size, mtime) in sorted(source.files.items()):
        digest.update(f"\n{name}\t{size}\t{mtime}".encode())
    return digest.hexdigest()[:24]


def default_cache_dir() -> str:
    return os.path.join(tempfile.gettempdir(), "crfiqa_tf_models")


def localize(source: ModelSource, cache_dir: str | None = None) -> tuple[str, dict]:
    """Copies `source` into the local cache (once) and returns ``(local path, info)``; ``info`` has the model's
    ``name``, ``kind``, ``source`` and ``sha256``."""
    root = os.path.join(cache_dir or default_cache_dir(), _cache_key(source))
    info_path = os.path.join(root, _INFO_FILE)
    if not os.path.exists(info_path):
        os.makedirs(os.path.dirname(root), exist_ok=True)
        staging = tempfile.mkdtemp(prefix=".partial-", dir=os.path.dirname(root))
        try:
            _copy(source, staging)
            os.rename(staging, root)
        except BaseException as error:  # a failed copy (any filesystem's error) or a lost race: no partial folder left
            shutil.rmtree(staging, ignore_errors=True)
            if not (isinstance(error, OSError) and os.path.exists(info_path)):  # not another process finishing first
                raise
    with open(info_path, encoding="utf-8") as handle:
        info = json.load(handle)
    return os.path.join(root, info["local_name"]), info


def _copy(source: ModelSource, staging: str) -> dict:
    digest = hashlib.sha256()
    base = source.path if source.kind == "saved_model" else posixpath.dirname(source.path)
    local_name = source.name
    for remote in sorted(source.files):
        relative = posixpath.relpath(remote, base)
        target = os.path.join(staging, local_name if source.kind == "saved_model" else "", *relative.split("/"))
        os.makedirs(os.path.dirname(target), exist_ok=True)
        digest.update(relative.encode() + b"\0")
        with (
            FileSystems.open(remote, compression_type=CompressionTypes.UNCOMPRESSED) as reader,
            open(target, "wb") as writer,
        ):
            while chunk := reader.read(1 << 22):
                digest.update(chunk)
                writer.write(chunk)
    info = {"name": source.name, "kind": source.kind, "source": source.path, "sha256": digest.hexdigest()}
    with open(os.path.join(staging, _INFO_FILE), "w", encoding="utf-8") as handle:
        json.dump({**info, "local_name": local_name}, handle)
    return info


def model_label(info: dict) -> str:
    """The ``model`` column: file name, kind and the first 12 hex digits of the content hash."""
    return f"{info['name']} ({info['kind']}, sha256:{info['sha256'][:12]})"
