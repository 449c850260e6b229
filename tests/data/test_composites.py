"""crfiqa_tf.data.composites: a photo pasted into a frame at a chosen eye distance and place lands there, a face
covered by a later paste or cut by the frame's edge is accounted for, and detections are scored against the
pasted faces (found, false)."""

from types import SimpleNamespace

import numpy as np

from crfiqa_tf.data.composites import faces_in, paste, score_detections


def test_a_face_lands_at_its_eye_distance_and_place():
    composite = paste((640, 480), [("grace_hopper", 30.0, (0.25, 0.5))])
    (face,) = composite.faces
    assert abs(face.inter_eye - 30.0) < 0.5
    np.testing.assert_allclose(face.eyes.mean(0), (160, 240), atol=1.0)
    x0, y0, x1, y1 = face.box
    assert 0 <= x0 < x1 <= 640 and 0 <= y0 < y1 <= 480 and composite.image.shape == (480, 640, 3)


def test_a_covered_face_is_dropped_and_a_cut_face_is_partial():
    # the second paste covers the first photo's eyes; the third puts a face across the left edge, eyes inside
    composite = paste(
        (640, 480),
        [("grace_hopper", 30.0, (0.5, 0.5)), ("astronaut", 60.0, (0.5, 0.5)), ("grace_hopper", 60.0, (0.07, 0.3))],
    )
    assert len(composite.faces) == 1 and abs(composite.faces[0].inter_eye - 60.0) < 0.5
    assert len(composite.partial) == 1 and composite.partial[0].box[0] < 0


def test_detections_are_scored_against_the_pasted_faces():
    composite = paste((640, 480), [("grace_hopper", 30.0, (0.25, 0.5))])
    (face,) = composite.faces

    def shifted(share):  # a detection whose eyes sit `share` eye distances to the right of the pasted ones
        return SimpleNamespace(landmarks=np.vstack([face.eyes + (share * face.inter_eye, 0.0), np.zeros((3, 2))]))

    near, far = shifted(0.45), shifted(0.55)  # a match is within half an eye distance
    assert score_detections(composite, [near]) == ([True], 0)
    assert score_detections(composite, [far]) == ([False], 1)
    assert score_detections(composite, []) == ([False], 0)
    assert len(faces_in("group_of_six")) == 6
