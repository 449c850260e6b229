"""A local GCS emulator (gcp-storage-emulator, in-process on 127.0.0.1) that Beam's gs:// filesystem talks to: the
offline stand-in for a real bucket. TensorFlow's own gs:// client cannot be pointed at it."""

from __future__ import annotations

import contextlib
import os
import pathlib

from gcp_storage_emulator.server import create_server


def _connect_anonymously() -> None:
    """The emulator takes anonymous requests. Beam looks for Google credentials first, with retries and back-off
    (~20 s offline), then connects anonymously and caches that per process: settle it at once, where Beam's
    cache is where this Beam version keeps it (otherwise Beam just takes its 20 s)."""
    from apache_beam.internal.gcp import auth

    cache = getattr(auth, "_Credentials", None)
    if cache is not None and hasattr(cache, "_credentials_init") and not cache._credentials_init:
        cache._credentials, cache._credentials_init = None, True


@contextlib.contextmanager
def gcs_emulator(bucket: str):
    _connect_anonymously()
    server = create_server("127.0.0.1", 0, in_memory=True, default_bucket=bucket)  # port 0: the OS picks a free one
    server.start()
    before = os.environ.get("STORAGE_EMULATOR_HOST")
    os.environ["STORAGE_EMULATOR_HOST"] = f"http://127.0.0.1:{server._api._httpd.server_address[1]}"
    try:
        yield
    finally:
        if before is None:
            os.environ.pop("STORAGE_EMULATOR_HOST", None)
        else:
            os.environ["STORAGE_EMULATOR_HOST"] = before
        server.stop()


def upload(local: str | os.PathLike, remote: str) -> None:
    """Copies a file, or a folder recursively, to `remote` with Beam's FileSystems."""
    from apache_beam.io.filesystems import FileSystems

    local = pathlib.Path(local)
    pairs = (
        [(local, remote)]
        if local.is_file()
        else [(f, f"{remote}/{f.relative_to(local).as_posix()}") for f in sorted(local.rglob("*")) if f.is_file()]
    )
    for source, target in pairs:
        with FileSystems.create(target) as handle:
            handle.write(source.read_bytes())
