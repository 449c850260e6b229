"""The one decision of where faces are found (`crfiqa_tf.faces.alignment_path`), each condition on both sides."""

import pytest

from crfiqa_tf.faces.alignment_path import uses_graph_alignment

BASE = dict(align=True, detector="blazeface", components=False, min_face=20)


@pytest.mark.parametrize(
    "exported, change, expected",
    [
        ({"min_face": 20}, {}, True),
        ({"min_face": 20}, {"align": False}, False),
        ({"min_face": 20}, {"detector": "mtcnn"}, False),
        ({"min_face": 20}, {"components": True}, False),  # the graph returns no measured Face Mesh
        ({"min_face": 20}, {"min_face": 16}, False),  # the graph tiles for its own min_face only
        ({"min_face": None}, {"min_face": None}, True),
        ({}, {"min_face": None}, True),  # an export from before the tiles: the whole frame only
        ({}, {}, False),
        (None, {}, False),  # no score_photos signature
    ],
)
def test_graph_alignment_only_when_it_gives_what_was_asked(exported, change, expected):
    assert uses_graph_alignment(exported, **{**BASE, **change}) is expected
