"""The files of a folder (local; ram:// in tests/test_image_io_remote.py) and what each becomes: decoded by content
whatever its name, or an error naming the input and its kind; hidden files left out; every file of `crfiqa-tf
score`'s folder a row; each kind of pixel (16-bit, 32-bit, alpha, palette) as the RGB it stands for."""

import io

import numpy as np
import pytest
from PIL import Image
from support.mixed_folder import write_mixed_folder
from support.scorer_doubles import MeanPixelScorer

from crfiqa_tf.image_io import ImageReadError, folder_files, is_hidden, list_inputs, read_image
from crfiqa_tf.inference.score_files import score_files, summary_line


def test_hidden_means_a_dot_name_anywhere_on_the_way():
    assert is_hidden("/.DS_Store") and is_hidden("sub/._a.jpg") and is_hidden(".git/objects/x")
    assert not is_hidden("/a.jpg") and not is_hidden("sub/a.b.jpg") and not is_hidden("/sub/no_extension")


def test_every_regular_file_is_an_input_and_decoding_decides_what_it_is(tmp_path):
    expected = write_mixed_folder(tmp_path / "g")
    assert folder_files(str(tmp_path / "g")) == sorted(expected)
    hidden_named = str(tmp_path / "g" / ".DS_Store")
    assert list_inputs([str(tmp_path / "g"), hidden_named]) == [*sorted(expected), hidden_named]  # named: kept
    for path, error in expected.items():
        if error is None:
            image = read_image(path)
            assert image.dtype == np.uint8 and image.shape == (8, 8, 3), path
        else:
            with pytest.raises(ImageReadError) as caught:
                read_image(path)
            assert caught.value.cause == error and path in str(caught.value)


def test_score_gives_every_file_a_row_and_the_closing_line_counts_them(tmp_path):
    expected = write_mixed_folder(tmp_path / "g")
    rows = score_files([str(tmp_path / "g")], MeanPixelScorer(), progress=False)
    assert [row["path"] for row in rows] == sorted(expected)
    for row in rows:
        kind = expected[row["path"]]
        assert (row["error"].split(":")[0] if row["error"] else None) == kind, row
        assert (row["quality"] == "") == (kind is not None)
    images = sum(1 for kind in expected.values() if kind is None)
    assert summary_line(rows) == f"13 files: {images} scored ({images} faces), 2 with an error, 0 with a warning"


def test_closing_line_with_several_faces_a_photo():
    row = {"path": "group.jpg", "error": "", "warning": ""}
    rows = [row, {**row, "warning": "small"}, {"path": "cat.jpg", "error": "no_face: no face detected", "warning": ""}]
    assert summary_line(rows) == "2 files: 1 scored (2 faces), 1 with an error, 1 with a warning"


def png(image: Image.Image, kind: str = "PNG") -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, format=kind)
    return buffer.getvalue()


def noise_png() -> bytes:
    return png(Image.fromarray(np.random.default_rng(0).integers(0, 256, (64, 64, 3), np.uint8)))


def test_each_kind_of_pixel_becomes_the_rgb_it_stands_for():
    grey16 = Image.fromarray(np.array([[0, 257 * 128, 65535]], np.uint16))  # uint16: "I;16"
    np.testing.assert_array_equal(read_image(png(grey16))[0, :, 0], [0, 128, 255])  # the full 16-bit range
    grey32 = Image.fromarray(np.array([[0, 100, 255]], np.int32), "I")  # TIFF keeps 32-bit grey
    np.testing.assert_array_equal(read_image(png(grey32, "TIFF"))[0, :, 0], [0, 100, 255])  # 8-bit values: as is
    wide = Image.fromarray(np.array([[0, 1000, 2000]], np.int32), "I")
    np.testing.assert_array_equal(read_image(png(wide, "TIFF"))[0, :, 0], [0, 4, 8])  # beyond 255: / 65535
    half = Image.new("RGBA", (1, 1), (0, 0, 0, 128))  # half-transparent black over white
    np.testing.assert_array_equal(read_image(png(half))[0, 0], [127, 127, 127])
    grey_alpha = Image.new("LA", (1, 1), (0, 0))  # fully transparent: the white background
    np.testing.assert_array_equal(read_image(png(grey_alpha))[0, 0], [255, 255, 255])
    palette = Image.new("P", (2, 1))
    palette.putpalette([10, 20, 30, 40, 50, 60])
    palette.putpixel((1, 0), 1)
    palette.info["transparency"] = 0  # index 0 transparent: white; index 1 its colour
    np.testing.assert_array_equal(read_image(png(palette))[0], [[255, 255, 255], [40, 50, 60]])
    assert read_image(png(Image.new("L", (3, 2), 7))).shape == (2, 3, 3)


def test_a_read_image_names_its_source_and_resizes_on_request():
    data = png(Image.new("RGB", (4, 2), (1, 2, 3)))
    assert read_image(data, size=8).shape == (8, 8, 3)
    with pytest.raises(ImageReadError, match=r"^<bytes>: empty: the file has no bytes$"):
        read_image(b"")
    with pytest.raises(ImageReadError, match=r"^upload 7: not_an_image: not a recognised image format$"):
        read_image(b"plain text", source="upload 7")
    with pytest.raises(ImageReadError, match=r"^<bytes>: too_large: 4x2 exceeds the 7 pixel limit$"):
        read_image(data, max_pixels=7)
    assert read_image(data, max_pixels=8).shape == (2, 4, 3)  # exactly the limit
    with pytest.raises(ImageReadError) as caught:
        read_image(noise_png()[:2000])
    assert caught.value.cause == "corrupt" and caught.value.source == "<bytes>"


def test_photo_bytes_for_the_graph_pass_plain_files_and_re_encode_the_rest():
    from crfiqa_tf.image_io import graph_photo_bytes

    rgb = png(Image.new("RGB", (4, 2), (1, 2, 3)))
    assert graph_photo_bytes(rgb, "a.png") is rgb
    grey = png(Image.new("L", (4, 2), 9))
    assert graph_photo_bytes(grey, "g.png") is grey
    jpeg = io.BytesIO()
    Image.new("RGB", (4, 2)).save(jpeg, format="JPEG")
    assert graph_photo_bytes(jpeg.getvalue(), "a.jpg") == jpeg.getvalue()
    rgba = png(Image.new("RGBA", (4, 2), (0, 0, 0, 0)))
    again = graph_photo_bytes(rgba, "t.png")  # alpha: composited on white, sent as plain RGB PNG
    assert again != rgba and np.all(read_image(again) == 255) and again[25] == 2
    with pytest.raises(ImageReadError, match=r"^big.png: too_large: 4x2 exceeds the 7 pixel limit$"):
        graph_photo_bytes(rgb, "big.png", max_pixels=7)
    cut = noise_png()[:2000]
    assert graph_photo_bytes(cut, "cut.png") is cut  # a plain PNG with a readable header: the graph names the fault
    alpha_noise = np.random.default_rng(1).integers(0, 256, (64, 64, 4), np.uint8)
    with pytest.raises(ImageReadError, match=r"^cut.png: corrupt: "):  # decoded here, so refused here
        graph_photo_bytes(png(Image.fromarray(alpha_noise, "RGBA"))[:2000], "cut.png")


def test_resizing_leaves_an_image_of_the_size_as_it_is_and_paths_are_relative():
    from crfiqa_tf.image_io import relative_path, resize_rgb

    image = np.zeros((4, 4, 3), np.uint8)
    assert resize_rgb(image, 4) is image and resize_rgb(image, 2).shape == (2, 2, 3)
    assert resize_rgb(np.zeros((2, 6, 3), np.uint8), 3).shape == (3, 3, 3)
    assert relative_path("gs://b/g/", "gs://b/g/sub/a.jpg") == "sub/a.jpg"
    assert relative_path("C:\\g", "C:\\g\\sub\\a.jpg") == "sub/a.jpg"


def test_a_file_that_cannot_be_read_is_named_with_its_cause(tmp_path):
    from crfiqa_tf.image_io import read_bytes, skipped_entry

    with pytest.raises(ImageReadError) as caught:
        read_bytes(str(tmp_path / "missing.jpg"))
    assert caught.value.cause == "unreadable" and caught.value.detail == "No such file or directory"
    assert skipped_entry(caught.value) == {
        "source_id": str(tmp_path / "missing.jpg"),
        "reason": "unreadable",
        "detail": "No such file or directory",
    }


def test_pillows_own_size_guard_and_an_unreadable_path_are_named(tmp_path, monkeypatch):
    data = png(Image.new("RGB", (40, 40)))
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 100)  # 1600 pixels: over twice the limit, Pillow's bomb error
    with pytest.raises(ImageReadError, match=r"^bomb.png: too_large: Image size \(1600 pixels\) exceeds"):
        read_image(data, source="bomb.png", max_pixels=10**6)
    monkeypatch.setattr(Image, "MAX_IMAGE_PIXELS", 1000)  # over the limit, under twice: Pillow only warns
    with pytest.raises(ImageReadError, match=r"^warned.png: too_large: Image size \(1600 pixels\) exceeds"):
        read_image(data, source="warned.png", max_pixels=10**6)
    from crfiqa_tf.image_io import read_bytes

    with pytest.raises(ImageReadError, match=rf"^{tmp_path}: unreadable: Is a directory$"):
        read_bytes(str(tmp_path))


def test_a_bilinear_resize():
    ramp = np.zeros((1, 4, 3), np.uint8)
    ramp[0, :, 0] = [0, 0, 100, 100]
    from crfiqa_tf.image_io import resize_rgb

    # Pillow's bilinear filter at a 2:1 reduction (a triangle two source pixels wide each side): 14 and 86 from a
    # 0, 0, 100, 100 step (its bicubic gives 8 and 92, nearest 0 and 100)
    np.testing.assert_array_equal(resize_rgb(np.repeat(ramp, 4, 0), 2)[0, :, 0], [14, 86])
    np.testing.assert_array_equal(read_image(png(Image.fromarray(np.repeat(ramp, 4, 0))), size=2)[0, :, 0], [14, 86])


def test_hidden_and_relative_paths_with_backslashes_and_trailing_separators():
    from crfiqa_tf.image_io import relative_path

    assert is_hidden("sub\\.git\\x") and not is_hidden("sub\\a.jpg")
    assert relative_path("gs://b/g/", "gs://b/g//a.jpg") == "a.jpg"


def test_every_grey_mode_wider_than_8_bits_is_scaled_by_its_range():
    from crfiqa_tf.image_io import _to_rgb

    values = np.array([0, 257 * 128, 33025, 65535])  # 33025: 129 over 65535's range, 128 over 65536's
    for mode, layout in (("I;16", "<u2"), ("I;16B", ">u2"), ("I;16L", "<u2")):
        image = Image.frombytes(mode, (4, 1), values.astype(layout).tobytes())
        np.testing.assert_array_equal(np.asarray(_to_rgb(image))[0, :, 1], [0, 128, 129, 255], err_msg=mode)
    big_endian = Image.frombytes("I;16B", (4, 1), values.astype(">u2").tobytes())
    np.testing.assert_array_equal(read_image(png(big_endian, "TIFF"))[0, :, 2], [0, 128, 129, 255])  # as TIFF keeps it
    dark = Image.frombytes("I;16", (3, 1), np.array([0, 100, 255], "<u2").tobytes())  # 16-bit, however dark
    np.testing.assert_array_equal(np.asarray(_to_rgb(dark))[0, :, 0], [0, 0, 1])
    just_over = Image.fromarray(np.array([[0, 256, -500]], np.int32), "I")  # 256: the 16-bit range; below 0: black
    np.testing.assert_array_equal(np.asarray(_to_rgb(just_over))[0, :, 0], [0, 1, 0])
    eight_bit = Image.fromarray(np.array([[-5, 100, 255]], np.int32), "I")
    np.testing.assert_array_equal(np.asarray(_to_rgb(eight_bit))[0, :, 0], [0, 100, 255])


def test_a_palette_with_alpha_is_composited_on_white():
    from crfiqa_tf.image_io import _to_rgb

    image = Image.new("PA", (2, 1))
    image.putpalette([10, 20, 30, 40, 50, 60])
    image.putpixel((0, 0), (1, 0))  # colour 1, fully transparent: white
    image.putpixel((1, 0), (1, 255))  # colour 1, opaque
    np.testing.assert_array_equal(np.asarray(_to_rgb(image))[0], [[255, 255, 255], [40, 50, 60]])


def test_the_causes_name_what_pillow_and_the_file_system_said(monkeypatch):
    with pytest.raises(ImageReadError) as caught:
        read_image(noise_png()[:2000])
    assert caught.value.detail == "image file is truncated"
    from crfiqa_tf import paths
    from crfiqa_tf.image_io import read_bytes

    def refuse(path):
        raise OSError("the bucket refused the read")  # a remote file system's error: no strerror

    monkeypatch.setattr(paths, "read_bytes", refuse)
    with pytest.raises(ImageReadError, match=r"^gs://b/a.jpg: unreadable: the bucket refused the read$"):
        read_bytes("gs://b/a.jpg")


def test_bytes_for_the_graph_that_only_look_like_a_photo_are_refused_here_and_the_limit_is_inclusive():
    from crfiqa_tf.image_io import graph_photo_bytes

    with pytest.raises(ImageReadError, match=r"^fake.jpg: (corrupt|not_an_image): "):
        graph_photo_bytes(b"\xff\xd8\xff" + b"not a jpeg" * 10, "fake.jpg")
    rgb = png(Image.new("RGB", (4, 2), (1, 2, 3)))
    assert graph_photo_bytes(rgb, "a.png", max_pixels=8) is rgb
    rgba = png(Image.new("RGBA", (4, 2), (1, 2, 3, 4)))  # re-encoded: the limit holds there too
    with pytest.raises(ImageReadError, match=r"^t.png: too_large: 4x2 exceeds the 7 pixel limit$"):
        graph_photo_bytes(rgba, "t.png", max_pixels=7)


def test_files_of_a_folder_inside_a_hidden_one_are_found_and_names_keep_their_first_letter(tmp_path):
    from crfiqa_tf.image_io import relative_path

    folder = tmp_path / ".local" / "photos"
    (folder / "X-rays").mkdir(parents=True)
    (folder / "X-rays" / "a.png").write_bytes(png(Image.new("RGB", (2, 2))))
    assert folder_files(str(folder)) == [str(folder / "X-rays" / "a.png")]
    assert relative_path(str(folder), str(folder / "X-rays" / "a.png")) == "X-rays/a.png"
