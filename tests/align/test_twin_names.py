"""The face pipeline's twins share their names (issue 50): each NumPy/LiteRT module and its TF form in the sibling
``*_tf`` module name the same step the same way, so that a reader who knows one knows where the other is. The
list is the contract: a twin added or renamed on one side only fails here. Their values are tested equal elsewhere
(tests/align/test_twin_properties.py and each ``test_*_tf.py``)."""

import ast
import pathlib

import pytest
from support.paths import ROOT

ALIGN = pathlib.Path(ROOT) / "crfiqa_tf" / "align"
ROOT = ALIGN.parent

# (NumPy/LiteRT module, its TF twin, the names both define)
TWINS = [
    ("align/aligner.py", "align/aligner_tf.py", ["FaceAligner"]),
    ("align/blazeface.py", "align/blazeface_tf.py", ["BlazeFaceDetector", "weighted_nms"]),
    ("align/mesh_model.py", "align/mesh_model_tf.py", ["FaceMeshModel", "roi_affine"]),
    ("align/second_look.py", "align/second_look_tf.py", ["hints", "window", "window_pixels"]),
    ("align/similarity.py", "align/similarity_tf.py", ["umeyama", "warp_face"]),
    ("align/tiling.py", "align/tiling_tf.py", ["tile_starts", "level_scales", "level_size", "kept_in_tile"]),
    ("align/mesh_topology.py", "align/mesh_topology_tf.py", ["five_points"]),
]
# TF-only helpers with no NumPy step of the same job (batching, graph plumbing): named for what they do in TF
TF_ONLY = {
    "align/aligner_tf.py": {"faces_of_photos", "face_outputs_spec", "FacePipeline"},
    "align/blazeface_tf.py": {"iou"},
    "align/second_look_tf.py": {"look_again"},
    "align/similarity_tf.py": {"sampling_source", "affine_crop"},
    "align/tiling_tf.py": {"level_candidates", "tile_candidates"},
}


def defined(path: str) -> set[str]:
    """Public top-level names a module defines (functions, classes, assignments)."""
    tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names |= {target.id for target in node.targets if isinstance(target, ast.Name)}
    return {name for name in names if not name.startswith("_") and not name.isupper()}


@pytest.mark.parametrize("numpy_side, tf_side, names", TWINS, ids=[pair[1] for pair in TWINS])
def test_each_twin_defines_the_names_of_its_pair(numpy_side, tf_side, names):
    missing = {side: [n for n in names if n not in defined(side)] for side in (numpy_side, tf_side)}
    assert missing == {numpy_side: [], tf_side: []}
    # every public name of the TF form is a twin's or a listed TF-only helper: no third name for the same step
    assert defined(tf_side) - set(names) - TF_ONLY.get(tf_side, set()) == set()


def test_every_tf_module_of_the_pipeline_is_listed():
    tf_modules = sorted(str(p.relative_to(ROOT)) for p in ALIGN.glob("*_tf.py"))
    assert tf_modules == sorted(tf_side for _, tf_side, _ in TWINS)
    for _, tf_side, _ in TWINS:
        assert (ROOT / tf_side.replace("_tf.py", ".py")).exists()
