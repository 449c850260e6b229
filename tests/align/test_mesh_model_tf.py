"""crfiqa_tf.align.mesh_model_tf: the Face Mesh's square in TF ops equals `roi_affine`, and the meshes of a batch of
faces equal LiteRT's `FaceMeshModel.mesh` of each, on real photos; a square without a face is flagged."""

import numpy as np
import pytest
import tensorflow as tf

from crfiqa_tf.align import mesh_model_tf
from crfiqa_tf.align.blazeface import BlazeFaceDetector
from crfiqa_tf.align.mesh_model import FaceMeshModel, roi_affine
from crfiqa_tf.align.similarity_tf import sampling_source
from crfiqa_tf.data.sample_photos import photo


def test_the_square_equals_roi_affine_for_level_and_turned_eyes():
    boxes = np.array([[100.0, 100.0, 200.0, 220.0], [10.0, 30.0, 50.0, 60.0]])
    eyes = np.array([[[120.0, 150.0], [180.0, 150.0]], [[20.0, 40.0], [30.0, 52.0]]])
    matrices, steps = mesh_model_tf.roi_affine(tf.constant(boxes), tf.constant(eyes))
    for box, pair, matrix, step in zip(boxes, eyes, matrices.numpy(), steps.numpy()):
        expected, expected_step = roi_affine(box, pair)
        np.testing.assert_allclose(matrix, expected, atol=1e-9)
        assert step == pytest.approx(expected_step)


def test_a_batch_of_meshes_equals_litert_face_by_face_on_real_photos():
    detector, litert, graph = (
        BlazeFaceDetector(threads=1, min_face=None),
        FaceMeshModel(threads=1),
        mesh_model_tf.FaceMeshModel(),
    )
    for name in ("group_of_six", "grace_hopper"):
        image = photo(name)
        faces = detector.detect(image)
        boxes = np.array([face.box for face in faces])
        eyes = np.stack([face.landmarks[:2] for face in faces])
        meshes, present = graph.meshes(sampling_source(tf.constant(image)), tf.constant(boxes), tf.constant(eyes))
        assert present.numpy().all(), name
        for face, mesh in zip(faces, meshes.numpy()):
            expected = litert.mesh(image, face.box, face.landmarks[:2])
            scale = np.linalg.norm(face.landmarks[1] - face.landmarks[0])
            assert np.abs(mesh[:, :2] - expected[:, :2]).max() <= 0.02 * scale, name


def test_a_square_without_a_face_is_flagged_absent():
    box, eyes = np.array([[200.0, 100.0, 300.0, 200.0]]), np.array([[[220.0, 140.0], [280.0, 140.0]]])
    _, present = mesh_model_tf.FaceMeshModel().meshes(sampling_source(tf.constant(photo("coffee"))), box, eyes)
    assert present.numpy().tolist() == [False]
