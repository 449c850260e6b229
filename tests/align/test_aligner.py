"""crfiqa_tf.align.aligner: detect → mesh → five points → align on real photos (crfiqa_tf/data/sample_photos.py)
under each detector, the policies, and bad names refused."""

import numpy as np
import pytest

from crfiqa_tf.align.aligner import FaceAligner
from crfiqa_tf.align.similarity import ARCFACE_TEMPLATE, umeyama
from crfiqa_tf.data.sample_photos import photo


@pytest.mark.parametrize("detector", ["blazeface", pytest.param("mtcnn", marks=pytest.mark.slow(reason="MTCNN ~5 s"))])
def test_alignment_puts_the_face_on_the_template(detector):
    aligner = FaceAligner(detector)
    faces = aligner.align(photo("astronaut"))
    assert len(faces) == 1 and faces[0].crop.shape == (112, 112, 3) and faces[0].detection.score > 0.5
    redetected = aligner.detect(faces[0].crop)
    assert len(redetected) == 1
    # Where the alignment put the original landmarks: the re-detection must find them there (the warp is right).
    # Against the template itself only the mean is bounded: a similarity has 4 degrees of freedom for 5 points,
    # and this face's mouth is wider than the template's, so its least-squares residual is ~6 px at the corners
    # (mean over the five points measured 4.7 px with MTCNN's points, 5.0 with BlazeFace + Face Mesh).
    matrix = umeyama(faces[0].detection.landmarks, ARCFACE_TEMPLATE)
    placed = faces[0].detection.landmarks @ matrix[:, :2].T + matrix[:, 2]
    assert np.max(np.linalg.norm(redetected[0].landmarks - placed, axis=1)) <= 4.0
    assert np.mean(np.linalg.norm(redetected[0].landmarks - ARCFACE_TEMPLATE, axis=1)) <= 5.5
    assert aligner.align(np.full((200, 200, 3), 127, np.uint8)) == []


def test_policies_and_bad_names():
    group = photo("group_of_six")
    every = FaceAligner(policy="all").detect(group)
    largest = FaceAligner(policy="largest").detect(group)
    assert len(every) == 6 and [d.area for d in every] == sorted((d.area for d in every), reverse=True)
    # the same face; "largest" looks at the whole frame only when it finds faces there, so its box may differ by
    # the tiles' share in the weighted suppression (half a pixel here)
    assert len(largest) == 1 and np.abs(np.subtract(largest[0].box, every[0].box)).max() < 2.0
    with pytest.raises(ValueError, match="faces policy"):
        FaceAligner(policy="first")
    with pytest.raises(ValueError, match="unknown face detector 'retina'.*blazeface, mtcnn"):
        FaceAligner("retina")
