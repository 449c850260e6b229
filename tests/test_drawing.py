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
