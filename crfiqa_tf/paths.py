"""User-given paths, local or remote (gs://, s3://, ram://, ...): the one place the library opens, lists, writes
and moves them.

A path with a scheme goes through TensorFlow's `tf.io.gfile`, which reaches every filesystem TensorFlow has a
plugin for (gs:// natively; ``ram://`` is its in-memory filesystem, the offline stand-in in the tests); a plain
local path goes through the standard library, so that the TensorFlow-free edge path (`[edge]` extra) can read its
model's sidecar and calibration without importing TensorFlow. Beam-side code uses Beam's ``FileSystems`` instead
(beam_jobs/).
"""

from __future__ import annotations

import contextlib
import glob as _glob
import os
import posixpath
import shutil


def is_remote(path) -> bool:
    return "://" in str(path)


@contextlib.contextmanager
def _translated(path: str):
    """TensorFlow's filesystem errors (not OSErrors) as FileNotFoundError / OSError naming the path (an unknown
    scheme, a bucket that cannot be reached), so that callers handle local and remote failures alike."""
    try:
        yield
    except Exception as error:
        if not type(error).__module__.startswith("tensorflow"):
            raise
        message = getattr(error, "message", None) or str(error)
        if type(error).__name__ == "NotFoundError":
            raise FileNotFoundError(f"{path}: {message}") from None
        raise OSError(f"{path}: {message}") from None


class _Gfile:
    """`tf.io.gfile` with its errors translated (`_translated`)."""

    def __init__(self, path: str):
        try:
            import tensorflow as tf
        except ImportError:
            raise OSError(f"{path}: a non-local path needs TensorFlow (pip install 'crfiqa-tf[tf]')") from None
        self._gfile, self._path = tf.io.gfile, path

    def __getattr__(self, name):
        function = getattr(self._gfile, name)

        def call(*args, **kwargs):
            with _translated(self._path):
                return function(*args, **kwargs)

        return call


def _gfile(path: str) -> _Gfile:
    return _Gfile(path)


def join(path: str, *parts: str) -> str:
    return posixpath.join(str(path), *parts) if is_remote(path) else os.path.join(path, *parts)


def dirname(path: str) -> str:
    return posixpath.dirname(str(path).rstrip("/")) if is_remote(path) else os.path.dirname(path)


def basename(path: str) -> str:
    return posixpath.basename(str(path).rstrip("/")) if is_remote(path) else os.path.basename(os.path.normpath(path))


def exists(path: str) -> bool:
    return _gfile(path).exists(path) if is_remote(path) else os.path.exists(path)


def isdir(path: str) -> bool:
    return _gfile(path).isdir(path) if is_remote(path) else os.path.isdir(path)


def isfile(path: str) -> bool:
    return exists(path) and not isdir(path)


def listdir(path: str) -> list[str]:
    """Entry names (no trailing slashes), sorted."""
    names = _gfile(path).listdir(path) if is_remote(path) else os.listdir(path)
    return sorted(name.rstrip("/") for name in names)


def walk_files(path: str) -> list[str]:
    """Every file under the folder `path`, recursively, as full paths in sorted order."""
    if not is_remote(path):
        return sorted(os.path.join(folder, name) for folder, _, names in os.walk(path) for name in names)
    found = []
    walk = _gfile(path).walk(path)  # a generator: its errors surface while iterating, so translate there too
    with _translated(path):
        for folder, _, names in walk:
            found += [join(folder, name) for name in names]
    return sorted(found)


def glob(pattern: str) -> list[str]:
    return sorted(_gfile(pattern).glob(pattern) if is_remote(pattern) else _glob.glob(pattern))


def size(path: str) -> int:
    return _gfile(path).stat(path).length if is_remote(path) else os.path.getsize(path)


def makedirs(path: str) -> None:
    if is_remote(path):
        _gfile(path).makedirs(path)
    else:
        os.makedirs(path, exist_ok=True)


def remove(path: str) -> None:
    """Deletes one file; nothing if it does not exist."""
    if is_remote(path):
        if _gfile(path).exists(path):
            _gfile(path).remove(path)
    elif os.path.exists(path):
        os.remove(path)


def remove_tree(path: str) -> None:
    """Deletes a folder and everything under it; nothing if it does not exist."""
    if is_remote(path):
        if _gfile(path).exists(path):
            _gfile(path).rmtree(path)
    else:
        shutil.rmtree(path, ignore_errors=True)


def replace_tree(source: str, target: str) -> None:
    """Moves folder `source` to `target`, replacing what was there. Local: one rename. Remote filesystems rename
    files, not folders: each file is moved, then `source` is removed."""
    if not is_remote(target):
        if os.path.isdir(target):
            shutil.rmtree(target)
        os.replace(source, target)
        return
    gfile = _gfile(target)
    remove_tree(target)
    for folder, _, files in gfile.walk(source):
        relative = folder[len(source.rstrip("/")) :].lstrip("/")
        gfile.makedirs(join(target, relative) if relative else target)
        for name in files:
            gfile.rename(join(folder, name), join(target, relative, name) if relative else join(target, name))
    remove_tree(source)


def copy(source: str, target: str) -> None:
    """Copies one file, either side local or remote, replacing `target`."""
    if is_remote(source) or is_remote(target):
        _gfile(target if is_remote(target) else source).copy(source, target, overwrite=True)
    else:
        shutil.copyfile(source, target)


def open_file(path: str, mode: str = "rb"):
    """A file object (``with`` it) for reading or writing; ``"a"`` only on local paths (object stores cannot
    append). A remote file reports errors as it is read or written: `read_bytes` / `write_bytes` translate them."""
    if is_remote(path):
        if "r" in mode and not exists(path):
            raise FileNotFoundError(f"{path}: no such file")
        return _gfile(path).GFile(path, mode)
    return open(path, mode, **({} if "b" in mode else {"encoding": "utf-8", "newline": ""}))


def read_bytes(path: str) -> bytes:
    with _translated(path), open_file(path, "rb") as handle:
        return handle.read()


def read_text(path: str) -> str:
    return read_bytes(path).decode("utf-8")


def write_bytes(path: str, data: bytes) -> None:
    """Writes `data` as the whole content of `path`."""
    if is_remote(path) and exists(path):
        _gfile(path).remove(path)  # TensorFlow's ram:// appends when a file is opened for writing again
    with _translated(path), open_file(path, "wb") as handle:
        handle.write(data)


def write_text(path: str, text: str) -> None:
    write_bytes(path, text.encode("utf-8"))


def write_text_atomically(path: str, text: str) -> None:
    """`write_text`, where a reader (or a run resumed after a kill) sees the old content or the new, never half:
    locally a temporary file on disk renamed over `path`; remotely one object write, which object stores make
    whole."""
    if is_remote(path):
        write_text(path, text)
        return
    temporary = path + ".tmp"
    with open(temporary, "w", encoding="utf-8") as handle:
        handle.write(text)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
