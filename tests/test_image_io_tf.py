"""crfiqa_tf.image_io_tf: photos decoded in TF ops are Pillow's pixels (JPEG and PNG), the shrinking resize is
Pillow's within a level, and bytes that are not a photo or a photo over the pixel limit are refused naming the
input."""

import io
import struct
import zlib

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.image_io import open_image
from crfiqa_tf.image_io_tf import decode_photo, resize_like_pillow


def encoded(image: np.ndarray, kind: str) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format=kind, **({"quality": 90} if kind == "JPEG" else {}))
    return buffer.getvalue()


@pytest.mark.parametrize("kind", ["JPEG", "PNG"])
def test_decoded_pixels_are_pillows(kind):
    data = encoded(photo("astronaut"), kind)
    ours = decode_photo(tf.constant(data), "image_bytes").numpy()
    theirs = np.asarray(open_image(data, "astronaut"))
    assert ours.shape == theirs.shape and np.array_equal(ours, theirs)


def test_the_shrinking_resize_is_pillows_within_a_level():
    image = photo("grace_hopper")
    # the pipeline only shrinks (tiling.MAX_SCALE); Pillow (>= 13) runs the vertical pass first when the height
    # shrinks by more than twice the width's pixels: (333, 401) and (399, 412) do, (400, 412) is the tie, which doesn't
    for height, width in ((120, 90), (37, 211), (333, 401), (399, 412), (400, 412), (600, 300), (300, 512)):
        ours = resize_like_pillow(tf.constant(image), height, width).numpy()
        theirs = np.asarray(Image.fromarray(image).resize((width, height), Image.BILINEAR), np.float32)
        assert np.abs(ours - theirs).max() <= 1.0 and np.abs(ours - theirs).mean() < 0.05, (height, width)


def test_bytes_that_are_not_a_photo_are_refused_naming_the_input():
    with pytest.raises(tf.errors.InvalidArgumentError, match="photos: an element is not a JPEG or PNG image"):
        decode_photo(tf.constant(b"GIF89a not what we take"), "photos")


def test_a_photo_over_the_pixel_limit_is_refused_from_its_header():
    header = struct.pack(">IIBBBBB", 300, 200, 8, 2, 0, 0, 0)  # says 300 × 200; no pixel data follows
    chunk = struct.pack(">I", len(header)) + b"IHDR" + header + struct.pack(">I", zlib.crc32(b"IHDR" + header))
    with pytest.raises(tf.errors.InvalidArgumentError, match="photos: an image has more than 59999 pixels"):
        decode_photo(tf.constant(b"\x89PNG\r\n\x1a\n" + chunk), "photos", max_pixels=59_999)
    small = encoded(photo("grace_hopper")[:200, :300], "PNG")
    assert decode_photo(tf.constant(small), "photos", max_pixels=60_000).shape == (200, 300, 3)  # at the limit


def test_the_shrinking_resize_is_pillows_on_drawn_shapes():
    """Seeded crops of a real photo shrunk to drawn sizes, both pass orders and the tie between them included."""
    image = photo("astronaut")
    rng = np.random.default_rng(13)
    orders = set()
    for _ in range(24):
        source_h, source_w = rng.integers(40, image.shape[0] + 1), rng.integers(40, image.shape[1] + 1)
        top, left = rng.integers(0, image.shape[0] - source_h + 1), rng.integers(0, image.shape[1] - source_w + 1)
        crop = np.ascontiguousarray(image[top : top + source_h, left : left + source_w])
        height, width = rng.integers(8, source_h + 1), rng.integers(8, source_w + 1)
        orders.add(bool(source_h - height > 2 * (source_w - width)))
        ours = resize_like_pillow(tf.constant(crop), int(height), int(width)).numpy()
        theirs = np.asarray(Image.fromarray(crop).resize((int(width), int(height)), Image.BILINEAR), np.float32)
        difference = np.abs(ours - theirs)
        assert difference.max() <= 1.0 and difference.mean() < 0.05, (crop.shape, height, width)
    assert orders == {True, False}  # both of Pillow's pass orders were drawn
