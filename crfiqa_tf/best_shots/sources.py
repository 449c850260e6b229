"""Frames from a video file, a folder of frames or a camera, as ``Frame(index, timestamp_ms, image)``.

Video files and cameras are decoded by OpenCV (``opencv-python-headless``, the ``[video]`` extra): its wheels ship
their own FFmpeg for files and talk to cameras through the platform's own API (V4L2, AVFoundation, Media
Foundation), so one dependency covers both and needs no system library. A folder of frames needs only Pillow:
its files, sorted by name (`crfiqa_tf.image_io.folder_files`: hidden ones excepted), at ``fps`` frames a second.

An input that cannot be opened at all raises `SourceError` naming it; a frame that does not decode in the middle of
a stream is yielded with ``image=None`` (skipped and counted by the caller), never fatal.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS, ImageReadError, folder_files, read_image

DEFAULT_FOLDER_FPS = 25.0
MAX_FAILED_READS = 25  # consecutive unreadable frames after which a video is taken to have ended


class SourceError(ValueError):
    """An input that cannot be read as frames at all."""


@dataclass
class Frame:
    index: int
    timestamp_ms: float
    image: np.ndarray | None  # RGB uint8, None when the frame did not decode
    error: str | None = None


def _cv2(what: str):
    try:
        import cv2
    except ImportError:
        raise SourceError(f"{what}: video files and cameras need OpenCV: pip install 'crfiqa-tf[video]'") from None
    return cv2


def is_camera(source: str) -> bool:
    """A bare number that is not an existing path is a camera index."""
    return str(source).isdigit() and not os.path.exists(str(source))


@dataclass
class FrameSource:
    """Frames of one input; `total` is the frame count when known (files and folders), for a progress bar."""

    name: str
    frames: Iterator[Frame]
    total: int | None
    kind: str  # "video", "folder" or "camera"


def open_source(source: str, fps: float = DEFAULT_FOLDER_FPS, max_frames: int | None = None) -> FrameSource:
    """The frames of `source`: a camera index, a folder of frames or a video file (a remote one is copied to a
    temporary local file first, as OpenCV reads local files)."""
    source = str(source)
    if is_camera(source):
        return _camera(int(source), max_frames)
    if paths.isdir(source):
        files = folder_files(source)
        if not files:
            raise SourceError(f"{source}: the folder has no files")
        files = files[:max_frames] if max_frames else files
        return FrameSource(source, _folder_frames(files, fps), len(files), "folder")
    if not paths.exists(source):
        raise SourceError(f"{source}: no such file, folder or camera")
    return _video(source, max_frames)


def _folder_frames(files: list[str], fps: float) -> Iterator[Frame]:
    for index, path in enumerate(files):
        try:
            image = read_image(path, max_pixels=DEFAULT_MAX_PIXELS)
        except ImageReadError as error:
            yield Frame(index, 1000.0 * index / fps, None, f"{path}: {error.cause}: {error.detail}")
            continue
        yield Frame(index, 1000.0 * index / fps, image)


def _video(source: str, max_frames: int | None) -> FrameSource:
    cv2 = _cv2(source)
    local, cleanup = source, None
    if paths.is_remote(source):
        handle, local = tempfile.mkstemp(suffix=os.path.splitext(source)[1])
        os.close(handle)
        paths.copy(source, local)
        cleanup = local
    capture = cv2.VideoCapture(local)
    if not capture.isOpened():
        capture.release()
        if cleanup:
            os.remove(cleanup)
        raise SourceError(f"{source}: not a video OpenCV can decode (or an unreadable file)")
    count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT)) or None
    fps = capture.get(cv2.CAP_PROP_FPS) or DEFAULT_FOLDER_FPS
    total = min(count, max_frames) if count and max_frames else (count or max_frames)

    def frames() -> Iterator[Frame]:
        index, failed = 0, 0
        try:
            while max_frames is None or index < max_frames:
                ok, bgr = capture.read()
                if ok and bgr is not None:
                    failed = 0
                    yield Frame(index, 1000.0 * index / fps, np.ascontiguousarray(bgr[:, :, ::-1]))
                else:
                    # The end, or a frame that does not decode: go on while the container says frames remain.
                    failed += 1
                    if count is None or index >= count - 1 or failed > MAX_FAILED_READS:
                        return
                    yield Frame(index, 1000.0 * index / fps, None, f"{source}: frame {index} does not decode")
                index += 1
        finally:
            capture.release()
            if cleanup and os.path.exists(cleanup):
                os.remove(cleanup)

    return FrameSource(source, frames(), total, "video")


def _camera(index: int, max_frames: int | None) -> FrameSource:
    cv2 = _cv2(f"camera {index}")
    capture = cv2.VideoCapture(index)
    if not capture.isOpened():
        capture.release()
        raise SourceError(f"camera {index}: cannot be opened (no such camera, or it is in use)")

    def frames() -> Iterator[Frame]:
        start, count = time.monotonic(), 0
        try:
            while max_frames is None or count < max_frames:
                ok, bgr = capture.read()
                stamp = 1000.0 * (time.monotonic() - start)
                if not ok or bgr is None:  # unplugged or taken by another program: the stream ends here
                    yield Frame(count, stamp, None, f"camera {index}: stopped delivering frames")
                    return
                yield Frame(count, stamp, np.ascontiguousarray(bgr[:, :, ::-1]))
                count += 1
        finally:
            capture.release()

    return FrameSource(f"camera {index}", frames(), max_frames, "camera")
