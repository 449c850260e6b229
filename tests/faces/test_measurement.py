"""The per-face measurement every path calls (`crfiqa_tf.faces.measurement`), on real photos."""

import numpy as np

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.components import load_profile
from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.faces.measurement import measure_face, measure_faces


def test_every_face_of_a_group_photo_measured_largest_first_and_one_face_alone_equal():
    image, rules = photo("group_of_six"), load_profile(None)
    aligner = FaceAligner(policy="all", mesh=True)
    faces = measure_faces(image, aligner, rules)
    assert [f.index for f in faces] == list(range(6))
    areas = [f.detection.area for f in faces]
    assert areas == sorted(areas, reverse=True)
    for face in faces:
        assert face.crop.shape == (112, 112, 3) and face.detection.mesh is not None
        assert face.components["single_face_present"].value < 50  # five other faces in the photo
        assert "MORE_THAN_ONE_FACE" in [r.code for r in face.reasons]
        alone, reasons = measure_face(image, face.detection, face.crop, areas, rules)
        assert {k: v.raw for k, v in alone.items()} == {k: v.raw for k, v in face.components.items()}
        assert [r.code for r in reasons] == [r.code for r in face.reasons]
    largest = measure_faces(image, FaceAligner(policy="largest", mesh=True))  # without rules: no components
    assert len(largest) == 1 and largest[0].components is None and largest[0].reasons is None
    # the same face; under "largest" the tiles are looked at only when the whole frame shows none, so its box is the
    # whole frame's alone, not merged with the tiles' (a pixel or so apart)
    assert np.allclose(largest[0].detection.box, faces[0].detection.box, atol=3)
    assert measure_faces(image[:40, :40], aligner, rules) == []
