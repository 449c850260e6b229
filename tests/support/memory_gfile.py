"""A test double of an object store behind `crfiqa_tf.paths` (``mem://`` paths), in plain Python: the part of
`tf.io.gfile` the library's remote paths use (exists, glob, makedirs, remove, rmtree, stat, walk, GFile), with an object
store's rules — whole objects, no append, folders that exist once made or once something lies under them.

It lets the remote-output logic be tested where TensorFlow cannot be imported (mutation runs fork their test
runner, which TensorFlow does not survive); the same tests also run against TensorFlow's own ``ram://`` filesystem,
the stand-in for gs:// everywhere else in the suite."""

from __future__ import annotations

import fnmatch
import io
from types import SimpleNamespace

SCHEME = "mem://"


class _Writer(io.BytesIO):
    def __init__(self, store: MemoryGfile, path: str):
        super().__init__()
        self._store, self._path = store, path

    def close(self):
        if not self.closed:
            self._store.files[self._path] = self.getvalue()  # an object appears whole when it is closed
        super().close()


class MemoryGfile:
    def __init__(self):
        self.files: dict[str, bytes] = {}
        self.folders: set[str] = set()

    def _under(self, path: str) -> bool:
        prefix = path.rstrip("/") + "/"
        return any(name.startswith(prefix) for name in [*self.files, *self.folders])

    def exists(self, path: str) -> bool:
        path = path.rstrip("/")
        return path in self.files or path in self.folders or self._under(path)

    def isdir(self, path: str) -> bool:
        path = path.rstrip("/")
        return path in self.folders or self._under(path)

    def makedirs(self, path: str) -> None:
        self.folders.add(path.rstrip("/"))

    def glob(self, pattern: str) -> list[str]:
        return sorted(name for name in [*self.files, *self.folders] if fnmatch.fnmatchcase(name, pattern))

    def stat(self, path: str):
        return SimpleNamespace(length=len(self.files[path]))

    def remove(self, path: str) -> None:
        del self.files[path]

    def rmtree(self, path: str) -> None:
        prefix = path.rstrip("/") + "/"
        self.files = {k: v for k, v in self.files.items() if not k.startswith(prefix)}
        self.folders = {f for f in self.folders if f != path.rstrip("/") and not f.startswith(prefix)}

    def walk(self, top: str):
        """``(folder, subfolders, files)`` from `top` down, names sorted, as `tf.io.gfile.walk` yields them."""
        prefix = top.rstrip("/") + "/"
        below = [name[len(prefix) :] for name in [*self.files, *self.folders] if name.startswith(prefix)]
        subfolders = sorted({name.split("/", 1)[0] for name in below if "/" in name or prefix + name in self.folders})
        files = sorted(name for name in below if "/" not in name and prefix + name in self.files)
        yield top.rstrip("/"), subfolders, files
        for folder in subfolders:
            yield from self.walk(prefix + folder)

    def GFile(self, path: str, mode: str = "rb"):  # noqa: N802 (tf.io.gfile's name)
        if "r" in mode:
            if path not in self.files:
                raise FileNotFoundError(path)
            data = self.files[path]
            return io.BytesIO(data) if "b" in mode else io.StringIO(data.decode("utf-8"))
        if "a" in mode:
            raise OSError(f"{path}: an object store cannot append")
        return _Writer(self, path)


def use_memory_store(monkeypatch) -> MemoryGfile:
    """Routes `crfiqa_tf.paths`' remote calls for this test to a fresh `MemoryGfile`."""
    from crfiqa_tf import paths

    store = MemoryGfile()
    monkeypatch.setattr(paths, "_gfile", lambda path: store)
    return store
