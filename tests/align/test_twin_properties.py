"""Property tests of the face pipeline's NumPy/TF twins (issue 53): seeded draws of the shapes users meet —
panoramas, odd sizes, portraits, frames whose levels sit at the √2 margin, boxes on and beside every tile edge,
windows at every edge of the photo, hints that overlap an earlier (not the last) hint, mesh presence near its
threshold — where each TF twin must give what its NumPy form gives. The seeds are fixed, so a failure reproduces;
the counts are sized for CI (about 20 s in all)."""

import math

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from crfiqa_tf.align import mesh_model, mesh_model_tf, second_look, second_look_tf, tiling, tiling_tf
from crfiqa_tf.align.mesh_topology import MESH_POINTS

RNG_SEED = 53
SIDE = tiling.INPUT_SIZE


def frame_shapes(rng, count):
    """Heights and widths users meet: portraits, panoramas (up to 8:1), odd and tiny sizes, and frames whose longer
    side puts a level exactly at, or one pixel either side of, the √2 margin."""
    shapes = [(1, 1), (1, 4001), (4001, 1), (191, 193), (192, 192), (500, 4000), (4000, 500), (3000, 4000)]
    for min_face in (20.0, 10.0, 40.0):
        for levels in range(4):
            scale = min(tiling.DETECTABLE_EYE_PX / min_face, tiling.MAX_SCALE) / 2.0**levels
            at_margin = SIDE * tiling.LEVEL_MARGIN / scale  # longer side at which this scale is exactly the margin
            for delta in (-1, 0, 1):
                longer = max(1, int(math.floor(at_margin)) + delta)
                shapes += [(longer, max(1, longer // 3)), (max(1, longer // 2), longer)]
    while len(shapes) < count:
        longer = int(rng.integers(1, 6000))
        shorter = int(rng.integers(1, longer + 1))
        shapes.append((longer, shorter) if rng.random() < 0.5 else (shorter, longer))
    return shapes


def test_the_plan_of_any_frame_equals_numpys():
    rng = np.random.default_rng(RNG_SEED)
    plan = tf.function(
        lambda h, w, s: (tiling_tf.level_size(h, w, s), tiling_tf.tile_starts(tiling_tf.level_size(h, w, s)[0])),
        input_signature=[tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.int32), tf.TensorSpec([], tf.float64)],
    )
    checked = 0
    for min_face in (20.0, 10.0, 40.0, 7.5):
        for height, width in frame_shapes(rng, 120):
            scales, levels = tiling_tf.level_scales(tf.constant(height), tf.constant(width), min_face)
            expected = tiling.plan(height, width, min_face)
            assert int(levels) == len(expected), (height, width, min_face)
            np.testing.assert_allclose(scales.numpy()[: int(levels)], [level.scale for level in expected])
            for level in expected:
                (level_h, level_w), starts = plan(height, width, level.scale)
                assert (int(level_h), int(level_w)) == (level.height, level.width), (height, width, level.scale)
                assert starts.numpy().tolist() == tiling.tile_starts(level.height).tolist()
                checked += 1
    assert checked > 300


def test_tile_starts_of_any_length_equal_numpys():
    rng = np.random.default_rng(RNG_SEED)
    stride = SIDE - tiling.TILE_OVERLAP
    lengths = [1, SIDE - 1, SIDE, SIDE + 1] + [SIDE + k * stride + d for k in range(1, 40) for d in (-1, 0, 1)]
    lengths += rng.integers(1, 20000, 200).tolist()
    starts = tf.function(tiling_tf.tile_starts, input_signature=[tf.TensorSpec([], tf.int32)])
    for length in lengths:
        assert starts(tf.constant(length)).numpy().tolist() == tiling.tile_starts(length).tolist(), length


def edge_boxes(rng, count):
    """Boxes in tile pixels on, just inside and just outside each tile edge, at and around the largest size kept."""
    near = np.array([-1e-3, 0.0, 1e-3])
    edges = np.concatenate([near, SIDE + near])
    sizes = np.array([1.0, 30.0, tiling.TILE_OVERLAP - 1e-3, tiling.TILE_OVERLAP, tiling.TILE_OVERLAP + 1e-3, 120.0])
    boxes = []
    for _ in range(count):
        w, h = rng.choice(sizes), rng.choice(sizes)
        x0 = rng.choice(edges) - (w if rng.random() < 0.5 else 0.0) if rng.random() < 0.7 else rng.uniform(-50, 240)
        y0 = rng.choice(edges) - (h if rng.random() < 0.5 else 0.0) if rng.random() < 0.7 else rng.uniform(-50, 240)
        boxes.append([x0, y0, x0 + w, y0 + h])
    return np.asarray(boxes, np.float32)


def test_the_tile_filter_on_boxes_at_every_edge_of_every_tile_equals_numpys():
    rng = np.random.default_rng(RNG_SEED)
    for level_h, level_w in [(192, 192), (193, 700), (2000, 300), (450, 451), (100, 5000)]:
        ys, xs = tiling.tile_starts(level_h), tiling.tile_starts(level_w)
        origins = np.stack(np.meshgrid(xs, ys), -1).reshape(-1, 2)
        boxes = edge_boxes(rng, 60)
        ours = tiling_tf.kept_in_tile(
            tf.constant(np.broadcast_to(boxes, (len(origins), *boxes.shape))), origins, level_h, level_w
        ).numpy()
        expected = np.stack([tiling.kept_in_tile(boxes, o, level_h, level_w) for o in origins])
        assert ours.tolist() == expected.tolist(), (level_h, level_w)
        assert expected.any() and not expected.all()


def test_windows_of_any_box_equal_numpys_including_whole_number_corners():
    rng = np.random.default_rng(RNG_SEED)
    in_graph = tf.function(second_look_tf.window, input_signature=[tf.TensorSpec([4], tf.float32)])
    boxes = []
    for _ in range(300):
        size = float(np.exp(rng.uniform(np.log(2.0), np.log(2000.0))))
        x0, y0 = rng.uniform(-100, 4000, 2)
        boxes.append([x0, y0, x0 + size, y0 + size * rng.uniform(0.7, 1.4)])
    for steps in range(8):  # sides at every √2 step, boxes exactly at the step's limit and a hair over it
        limit = second_look.LOOK_BOX * 2.0 ** (steps / 2.0)
        for size in (limit, np.nextafter(np.float32(limit), np.float32(np.inf))):
            side = int(np.round(SIDE * 2.0 ** (steps / 2.0)))
            pitch = second_look.GRID * side / SIDE
            corner = float(rng.integers(-3, 60)) * pitch  # a centred corner exactly on a grid line
            boxes.append([corner + side / 2 - size / 2, corner + side / 2 - size / 2, 0, 0])
            boxes[-1][2:] = [boxes[-1][0] + size, boxes[-1][1] + size]
    for box in np.asarray(boxes, np.float32):
        expected = second_look.window(box)
        assert tuple(in_graph(tf.constant(box)).numpy().tolist()) == expected, box.tolist()


@pytest.mark.parametrize("seed", range(20))
def test_hints_among_crowded_overlapping_candidates_equal_numpys(seed):
    """Candidates crowded so that a hint often overlaps one kept before the last one kept, and `seen` boxes that
    cover some of them."""
    rng = np.random.default_rng(RNG_SEED + seed)
    count = int(rng.integers(0, 40))
    centres = rng.uniform(0, 120, (count, 2))
    sizes = rng.uniform(15, 60, (count, 1))
    boxes = np.concatenate([centres - sizes / 2, centres + sizes / 2], 1).astype(np.float32)
    scores = rng.choice([0.15, 0.2, 0.25, 0.3], count).astype(np.float32)  # ties: the order must be stable
    seen = boxes[rng.random(count) < 0.1] + rng.uniform(-3, 3, 4).astype(np.float32)
    ours = second_look_tf.hints(
        tf.constant(boxes.reshape(-1, 4)), tf.constant(scores), tf.constant(seen.reshape(-1, 4))
    )
    assert ours.numpy().tolist() == second_look.hints(boxes, scores, seen).tolist()


def test_hints_skip_one_overlapping_an_earlier_kept_hint_not_only_the_last():
    boxes = np.array([[0, 0, 40, 40], [200, 200, 240, 240], [1, 1, 41, 41], [400, 0, 440, 40]], np.float32)
    scores = np.array([0.4, 0.35, 0.3, 0.2], np.float32)  # the third overlaps the first kept hint, not the second
    expected = second_look.hints(boxes, scores, np.zeros((0, 4), np.float32))
    assert expected.tolist() == [0, 1, 3]
    ours = second_look_tf.hints(tf.constant(boxes), tf.constant(scores), tf.zeros([0, 4]))
    assert ours.numpy().tolist() == expected.tolist()


def test_window_pixels_at_every_edge_of_the_photo_equal_pillows():
    from crfiqa_tf.data.sample_photos import photo

    rng = np.random.default_rng(RNG_SEED)
    image = photo("grace_hopper")[:411, :333]  # odd sides
    height, width = image.shape[:2]
    in_graph = tf.function(
        second_look_tf.window_pixels,
        input_signature=[tf.TensorSpec([None, None, 3], tf.uint8), tf.TensorSpec([3], tf.int32)],
    )
    for _ in range(16):
        side = int(rng.choice([192, 272, 384, 543, 768]))
        left = int(rng.choice([-side + 1, -side // 2, 0, width - side, width - side // 2, width - 1]))
        top = int(rng.choice([-side + 1, -side // 2, 0, height - side, height - side // 2, height - 1]))
        pixels = second_look.window_pixels(image, left, top, side)
        expected = np.asarray(Image.fromarray(pixels).resize((SIDE, SIDE), Image.BILINEAR), np.float32) / 127.5 - 1
        ours = in_graph(tf.constant(image), tf.constant([left, top, side])).numpy()
        difference = np.abs(ours - expected) * 127.5
        assert difference.mean() < 0.05 and difference.max() <= 1.01, (left, top, side)


def test_mesh_squares_for_any_box_and_eyes_equal_roi_affine():
    rng = np.random.default_rng(RNG_SEED)
    corners = rng.uniform(-50, 3000, (200, 2))
    boxes = np.concatenate([corners, corners + rng.uniform(2, 900, (200, 1))], 1)
    angles = rng.uniform(-np.pi, np.pi, 200)
    eyes = np.stack([corners, corners + 30 * np.stack([np.cos(angles), np.sin(angles)], 1)], 1)
    matrices, steps = mesh_model_tf.roi_affine(tf.constant(boxes), tf.constant(eyes))
    for i in range(200):
        affine, step = mesh_model.roi_affine(boxes[i], eyes[i])
        np.testing.assert_allclose(matrices.numpy()[i], affine, rtol=1e-9, atol=1e-6)
        assert steps.numpy()[i] == pytest.approx(step)


class FixedLandmarks:
    """A stand-in for the Face Mesh network on both sides (LiteRT's interpreter, the replayed TF graph): it answers
    every crop with the same points and a presence logit chosen by the test, so that the twins' read-out (sigmoid,
    threshold, crop → source pixels) is compared where the logit sits near the threshold."""

    def __init__(self, uvz, logit):
        self.uvz, self.logit = np.asarray(uvz, np.float32), float(logit)

    # LiteRT's interface, as FaceMeshModel uses it
    def get_input_details(self):
        return [{"index": 0}]

    def set_tensor(self, index, value):
        self.seen = value

    def invoke(self):
        pass

    def get_output_details(self):
        return [
            {"index": 1, "shape": np.array([1, 1, 1, 1])},
            {"index": 0, "shape": np.array([1, 1, 1, 3 * MESH_POINTS])},
        ]

    def get_tensor(self, index):
        return self.uvz.reshape(1, 1, 1, -1) if index == 0 else np.full((1, 1, 1, 1), self.logit, np.float32)

    # the TF graph's interface, as mesh_model_tf.FaceMeshModel uses it
    def __call__(self, crops):
        n = tf.shape(crops)[0]
        return tf.tile(tf.constant(self.uvz.reshape(1, 1, 1, -1)), [n, 1, 1, 1]), tf.fill([n, 1, 1, 1], self.logit)


@pytest.mark.parametrize("logit", [-0.3, -1e-3, 0.0, 1e-3, 0.3, 2.0])
def test_mesh_read_out_near_the_presence_threshold_equals_litert(logit):
    rng = np.random.default_rng(RNG_SEED)
    uvz = rng.uniform(0, mesh_model.INPUT_SIZE, (MESH_POINTS, 3)) - [0, 0, mesh_model.INPUT_SIZE / 2]
    image = rng.integers(0, 255, (300, 420, 3), np.uint8)
    boxes = np.array([[50.0, 40.0, 170.0, 160.0], [300.0, 200.0, 360.0, 260.0]])
    eyes = np.array([[[80.0, 80.0], [140.0, 90.0]], [[315.0, 225.0], [345.0, 215.0]]])
    numpy_side = object.__new__(mesh_model.FaceMeshModel)
    numpy_side._model, numpy_side._lock = FixedLandmarks(uvz, logit), __import__("threading").Lock()
    graph_side = object.__new__(mesh_model_tf.FaceMeshModel)
    graph_side.model = FixedLandmarks(uvz, logit)
    from crfiqa_tf.align.similarity_tf import sampling_source

    meshes, present = graph_side.meshes(sampling_source(tf.constant(image)), tf.constant(boxes), tf.constant(eyes))
    for i in range(2):
        expected = numpy_side.mesh(image, boxes[i], eyes[i])
        assert bool(present.numpy()[i]) == (expected is not None), logit
        if expected is not None:
            np.testing.assert_allclose(meshes.numpy()[i], expected, atol=1e-3)
    assert bool(present.numpy()[0]) == (1 / (1 + math.exp(-logit)) >= mesh_model.MESH_MIN_SCORE)
