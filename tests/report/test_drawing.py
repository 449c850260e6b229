"""crfiqa_tf.report.drawing: the box and points are drawn where they are given (pixels checked), the face's region
is cut around its box, and pictures are shrunk to their longest side as JPEG."""

import io

import numpy as np
from PIL import Image

from crfiqa_tf.report.drawing import BOX_COLOUR, POINT_COLOUR, draw_faces, face_in_photo, jpeg_bytes


def grey(height=200, width=300):
    return np.full((height, width, 3), 128, np.uint8)


def test_box_and_points_land_where_given_and_the_photo_is_untouched():
    image = grey()
    drawn = np.asarray(
        draw_faces(image, [{"box": (50, 40, 150, 160), "landmarks": [[80, 90], [120, 90]] * 2 + [[100, 120]]}])
    )
    assert tuple(drawn[40, 100]) == BOX_COLOUR and tuple(drawn[100, 50]) == BOX_COLOUR  # top and left edges
    assert tuple(drawn[90, 80]) == POINT_COLOUR and tuple(drawn[120, 100]) == POINT_COLOUR
    assert tuple(drawn[100, 100]) == (128, 128, 128) and tuple(drawn[10, 10]) == (128, 128, 128)
    assert (image == 128).all()  # a copy is drawn on


def test_the_face_region_is_its_box_grown_and_clipped_to_the_photo():
    image = grey()
    assert face_in_photo(image, (100, 50, 150, 100), margin=0.5).size == (100, 100)  # 25 px each side
    assert face_in_photo(image, (0, 0, 40, 40), margin=1.0).size == (80, 80)  # clipped at the top-left corner
    assert face_in_photo(image, None).size == (300, 200)  # an aligned input: the whole image


def test_jpeg_bytes_shrink_to_the_longest_side():
    data = jpeg_bytes(Image.fromarray(grey(200, 300)), 150)
    with Image.open(io.BytesIO(data)) as picture:
        assert picture.format == "JPEG" and picture.size == (150, 100)
    with Image.open(io.BytesIO(jpeg_bytes(Image.fromarray(grey(20, 30)), 150))) as small:
        assert small.size == (30, 20)  # never enlarged


def test_line_widths_point_sizes_and_the_label_by_value():
    # a 1,000-pixel photo draws 2-pixel lines (1,000 / 400 = 2.5, rounded half to even), a 400-pixel one 1-pixel lines
    wide = np.asarray(draw_faces(grey(500, 1000), [{"box": (100, 100, 300, 300)}]))
    assert tuple(wide[100, 200]) == tuple(wide[101, 200]) == BOX_COLOUR and tuple(wide[102, 200]) == (128, 128, 128)
    thin = np.asarray(draw_faces(grey(200, 400), [{"box": (100, 100, 300, 180)}]))
    assert tuple(thin[100, 200]) == BOX_COLOUR and tuple(thin[101, 200]) == (128, 128, 128)
    # points: radius 1.5 px for a small face, the box's width / 40 for a large one
    small = np.asarray(draw_faces(grey(), [{"box": (10, 10, 50, 50), "landmarks": [[30, 30]] * 5}]))
    assert tuple(small[30, 31]) == POINT_COLOUR and tuple(small[30, 32]) == (128, 128, 128)
    large = np.asarray(draw_faces(grey(300, 300), [{"box": (0, 0, 200, 200), "landmarks": [[100, 100]] * 5}]))
    assert tuple(large[100, 104]) == POINT_COLOUR and tuple(large[100, 106]) == (128, 128, 128)  # radius 5
    # the label: white text on a black band of 7 px a character, 11 px high, 12 px above the box (width 1)
    labelled = np.asarray(draw_faces(grey(), [{"box": (50, 60, 150, 160), "label": "0.91"}]))
    band = labelled[48:59, 50:78]
    assert (band == 0).all(axis=2).mean() > 0.6 and (band.min(axis=2) > 200).any()  # black band, white text
    assert tuple(labelled[53, 79]) == (128, 128, 128) and tuple(labelled[47, 60]) == (128, 128, 128)  # its edges
    assert (labelled[48:59, 50] == 0).all()  # the text starts a pixel in: the band's first column stays black
    big = np.asarray(draw_faces(grey(), [{"box": (50, 60, 150, 160), "label": "8888"}]))
    assert (big[48:59, 50:78].min(axis=2) > 200).sum() > 10  # 10-px text: its strokes fill the band
    at_top = np.asarray(draw_faces(grey(), [{"box": (50, 4, 150, 100), "label": "x"}]))
    assert at_top[0:11, 50:57].max(axis=2).min() < 128  # pushed down to the photo's top, not cut off


def test_the_face_in_its_photo_carries_its_points_and_jpeg_keeps_its_quality():
    image = grey()
    region = np.asarray(
        face_in_photo(image, (100, 50, 150, 100), [[110, 70], [140, 70], [125, 80], [112, 90], [138, 90]])
    )
    assert (region == POINT_COLOUR).all(axis=2).any()  # the points are drawn on the cut region
    assert face_in_photo(image, (100, 50, 150, 100)).size == (110, 110)  # the default margin: 0.6 of the box a side
    noisy = Image.fromarray(np.random.default_rng(0).integers(0, 255, (64, 64, 3), np.uint8))
    expected = io.BytesIO()
    noisy.save(expected, format="JPEG", quality=85)
    assert jpeg_bytes(noisy, 64) == expected.getvalue()  # quality 85 unless asked


def test_a_600_pixel_photo_by_construction_pixel_for_pixel():
    """The drawing on a 600-pixel photo equals one made by hand with its stated geometry: lines of
    round(600 / 400) = 2 pixels, points of radius box width / 40 = 10, the label on a black box 7·2 pixels a
    character wide and 11·2 high, 12·2 above the box (or at the top edge), in white at font size 10·2."""
    from PIL import ImageDraw

    image = np.full((600, 600, 3), 128, np.uint8)
    points = np.array([[200.0, 250.0], [400.0, 250.0], [300.0, 330.0], [220.0, 420.0], [380.0, 420.0]])
    faces = [
        {"box": (100, 150, 500, 550), "landmarks": points, "label": "q 42"},
        {"box": (520, 10, 580, 70), "label": "7"},  # too near the top for the label above it
    ]
    expected = Image.fromarray(image)
    pen = ImageDraw.Draw(expected)
    pen.rectangle([100, 150, 500, 550], outline=BOX_COLOUR, width=2)
    for x, y in points:
        pen.ellipse([x - 10, y - 10, x + 10, y + 10], fill=POINT_COLOUR)
    pen.rectangle([100, 126, 100 + 14 * 4, 126 + 22], fill=(0, 0, 0))
    pen.text((101, 126), "q 42", fill=(255, 255, 255), font_size=20)
    pen.rectangle([520, 10, 580, 70], outline=BOX_COLOUR, width=2)
    pen.rectangle([520, 0, 520 + 14, 22], fill=(0, 0, 0))
    pen.text((521, 0), "7", fill=(255, 255, 255), font_size=20)
    drawn = np.asarray(draw_faces(image, faces))
    np.testing.assert_array_equal(drawn, np.asarray(expected))


def test_jpeg_bytes_shrinks_bilinearly():
    rng = np.random.default_rng(0)
    stripes = np.repeat(np.repeat(rng.integers(0, 2, (40, 40, 1)) * 255, 7, axis=0), 7, axis=1)
    source = Image.fromarray(np.repeat(stripes, 3, axis=2).astype(np.uint8))
    got = np.asarray(Image.open(io.BytesIO(jpeg_bytes(source, 100, quality=100))), np.float64)

    def shrunk(resample):
        copy = source.copy()
        copy.thumbnail((100, 100), resample)
        return np.asarray(copy, np.float64)

    bilinear, bicubic = (np.abs(got - shrunk(r)).mean() for r in (Image.BILINEAR, Image.BICUBIC))
    assert bilinear < 0.5 and bicubic > 2.0  # 0.07 and 4.1 measured (quality 100)
