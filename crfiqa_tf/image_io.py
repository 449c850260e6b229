"""Safe image reading shared by dataset preparation, the CLI, the scorers and the Beam job (NumPy + Pillow only).

Guards against what real galleries contain: decompression bombs (a pixel-count limit checked before decoding),
truncated files, non-images, and modes that are not 8-bit RGB (grayscale, CMYK, palette, alpha, 16-bit), which are
converted. Every failure is an `ImageReadError` whose message names the input and the cause.
"""

from __future__ import annotations

import io
import os
import warnings

import numpy as np
from PIL import Image

DEFAULT_MAX_PIXELS = 40_000_000
JPEG_MAGIC, PNG_MAGIC = b"\xff\xd8\xff", b"\x89PNG\r\n\x1a\n"  # the formats TF decodes in a SavedModel


class ImageReadError(ValueError):
    """An input that could not be read as an image; ``.cause`` is a short machine-readable reason."""

    def __init__(self, source: str, cause: str, detail: str):
        super().__init__(f"{source}: {cause}: {detail}")
        self.source, self.cause, self.detail = source, cause, detail


def _to_rgb(image: Image.Image) -> Image.Image:
    if image.mode in ("I;16", "I;16B", "I;16L", "I"):
        # 16/32-bit grey: scale the full range to 8 bits instead of clipping at 255.
        array = np.asarray(image, dtype=np.float64)
        peak = 65535.0 if image.mode.startswith("I;16") or array.max() > 255 else 255.0
        image = Image.fromarray(np.clip(array / peak * 255.0 + 0.5, 0, 255).astype(np.uint8), "L")
    if image.mode in ("RGBA", "LA", "PA") or (image.mode == "P" and "transparency" in image.info):
        image = image.convert("RGBA")
        background = Image.new("RGBA", image.size, (255, 255, 255, 255))
        image = Image.alpha_composite(background, image)
    return image.convert("RGB")


def open_image(data: bytes, source: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> Image.Image:
    """Decodes `data` into an RGB Pillow image after checking its size; raises `ImageReadError`."""
    if not data:
        raise ImageReadError(source, "empty", "the file has no bytes")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
            width, height = image.size
            if width * height > max_pixels:
                raise ImageReadError(source, "too_large", f"{width}x{height} exceeds the {max_pixels} pixel limit")
            image.load()
    except ImageReadError:
        raise
    except Image.UnidentifiedImageError:
        raise ImageReadError(source, "not_an_image", "not a recognised image format") from None
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise ImageReadError(source, "too_large", str(error)) from None
    except (OSError, SyntaxError, ValueError) as error:
        raise ImageReadError(source, "corrupt", str(error) or type(error).__name__) from None
    return _to_rgb(image)


def read_bytes(path: str) -> bytes:
    """The bytes of a local or remote (gs://, ...) file; `ImageReadError` ("unreadable") when they cannot be had."""
    from crfiqa_tf import paths

    try:
        return paths.read_bytes(path)
    except OSError as error:
        raise ImageReadError(path, "unreadable", getattr(error, "strerror", None) or str(error)) from None


def graph_photo_bytes(data: bytes, source: str, max_pixels: int = DEFAULT_MAX_PIXELS) -> bytes:
    """The bytes to send a SavedModel's ``score_photos`` for a file's `data`: JPEGs and plain 8-bit grey or RGB
    PNGs as they are (the graph decodes them as Pillow does); anything else Pillow reads (other formats, alpha,
    16-bit, palettes) decoded as `read_image` decodes it and re-encoded as PNG. Raises `ImageReadError` as
    `read_image` does, the size checked from the header."""
    plain_png = data.startswith(PNG_MAGIC) and len(data) > 26 and data[24] == 8 and data[25] in (0, 2)
    if data.startswith(JPEG_MAGIC) or plain_png:
        try:
            width, height = Image.open(io.BytesIO(data)).size
        except Exception:  # noqa: BLE001 - not decodable: the full decode below names the cause
            width = height = 0
        if width * height > max_pixels:
            raise ImageReadError(source, "too_large", f"{width}x{height} exceeds the {max_pixels} pixel limit")
        if width:
            return data
    return png_bytes(np.asarray(open_image(data, source, max_pixels), np.uint8))


def png_bytes(image: np.ndarray) -> bytes:
    """An RGB uint8 array as PNG (fast compression: these bytes are sent, not stored)."""
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG", compress_level=1)
    return buffer.getvalue()


def read_image(
    path_or_bytes, source: str | None = None, max_pixels: int = DEFAULT_MAX_PIXELS, size: int | None = None
) -> np.ndarray:
    """An image as an RGB uint8 array ``[H, W, 3]``, resized (bilinear) to ``size × size`` when given."""
    if isinstance(path_or_bytes, (str, os.PathLike)):
        source = source or os.fspath(path_or_bytes)
        data = read_bytes(os.fspath(path_or_bytes))
    else:
        data = bytes(path_or_bytes)
        source = source or "<bytes>"
    image = np.asarray(open_image(data, source, max_pixels), dtype=np.uint8)
    return image if size is None else resize_rgb(image, size)


def resize_rgb(image: np.ndarray, size: int) -> np.ndarray:
    """A uint8 ``[H, W, 3]`` image resized (bilinear) to ``size × size``; returned as is when it already is."""
    if image.shape[:2] == (size, size):
        return image
    return np.asarray(Image.fromarray(image).resize((size, size), Image.BILINEAR), dtype=np.uint8)


def is_hidden(relative: str) -> bool:
    """Whether a path inside a folder is hidden: a name starting with "." on the way (``.DS_Store``,
    ``._photo.jpg``, ``.git/...``, ``.ipynb_checkpoints/...``)."""
    return any(part.startswith(".") for part in relative.replace("\\", "/").split("/"))


def relative_path(folder: str, path: str) -> str:
    """`path` (found under `folder`, local or remote) relative to it, with "/" separators."""
    return path[len(str(folder).rstrip("/\\")) :].replace("\\", "/").lstrip("/")


def folder_files(folder: str) -> list[str]:
    """The files of a folder, as every command takes them: every regular file under `folder` (local or remote),
    recursively, in sorted order, hidden files and folders (`is_hidden`) excepted. Whether a file is an image is
    decided by decoding it, not by its name: a file that does not decode becomes an error row or a skipped entry of
    the command, never a silent omission."""
    from crfiqa_tf import paths

    return [path for path in paths.walk_files(folder) if not is_hidden(relative_path(folder, path))]


def list_inputs(inputs) -> list[str]:
    """Files as given (a file named on its own is an input even when hidden), folders as `folder_files`."""
    from crfiqa_tf import paths

    found = []
    for item in inputs:
        item = os.fspath(item)
        found += folder_files(item) if paths.isdir(item) else [item]
    return found


def skipped_entry(error: ImageReadError) -> dict:
    """How a command lists an input it could not use (summaries, ``dataset_info.json``, export sidecars)."""
    return {"source_id": error.source, "reason": error.cause, "detail": error.detail}
