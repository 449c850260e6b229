"""crfiqa_tf.matchers.matcher_input: a matcher's declared preprocessing, by value."""

import numpy as np
import pytest

from crfiqa_tf.matchers.matcher_input import MatcherInput


def faces():
    face = np.zeros((1, 112, 112, 3), np.uint8)
    face[0, 0, 0] = (0, 51, 255)  # R, G, B of one pixel
    return face


@pytest.mark.parametrize(
    "value_range, expected", [("0..255", [0.0, 51.0, 255.0]), ("0..1", [0.0, 0.2, 1.0]), ("-1..1", [-1.0, -0.6, 1.0])]
)
def test_each_value_range_maps_the_pixels(value_range, expected):
    tensor = MatcherInput(value_range=value_range).tensor(faces())
    assert tensor.dtype == np.float32 and tensor.shape == (1, 112, 112, 3)
    np.testing.assert_allclose(tensor[0, 0, 0], expected, atol=1e-6)


def test_bgr_and_nchw_reorder_channels_and_axes():
    tensor = MatcherInput(channels="BGR", layout="NCHW").tensor(faces())
    assert tensor.shape == (1, 3, 112, 112)
    np.testing.assert_array_equal(tensor[0, :, 0, 0], [255.0, 51.0, 0.0])
    assert tensor.flags["C_CONTIGUOUS"]


def test_another_size_resizes_the_aligned_face():
    face = np.full((2, 112, 112, 3), 7, np.uint8)
    tensor = MatcherInput(size=96).tensor(face)
    assert tensor.shape == (2, 96, 96, 3) and np.all(tensor == 7.0)


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"size": 8}, "size must be an integer from 16 to 1024, got 8"),
        ({"size": True}, "size must be an integer"),
        ({"value_range": "0..65535"}, "value range must be one of 0..255, 0..1, -1..1, got '0..65535'"),
        ({"channels": "RGBA"}, "channel order must be one of RGB, BGR"),
        ({"layout": "HWC"}, "layout must be one of NHWC, NCHW"),
        ({"template": "arcface-96"}, "alignment template must be one of insightface"),
    ],
)
def test_a_declaration_out_of_range_is_refused_naming_the_field(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(".", r"\.")):
        MatcherInput(**kwargs)


def test_faces_that_are_not_aligned_uint8_rgb_are_refused():
    with pytest.raises(ValueError, match=r"aligned faces must be uint8 \[N, H, W, 3\], got float32 \[1, 112, 112, 3\]"):
        MatcherInput().tensor(np.zeros((1, 112, 112, 3), np.float32))
    with pytest.raises(ValueError, match=r"got uint8 \[112, 112, 3\]"):
        MatcherInput().tensor(np.zeros((112, 112, 3), np.uint8))


def test_the_size_bounds_are_inclusive_and_an_empty_batch_keeps_its_shape():
    for size in (16, 1024):
        assert MatcherInput(size=size).size == size
    for size in (15, 1025, 112.0):
        with pytest.raises(ValueError, match="size must be an integer from 16 to 1024"):
            MatcherInput(size=size)
    assert MatcherInput(size=96).tensor(np.zeros((0, 112, 112, 3), np.uint8)).shape == (0, 96, 96, 3)
