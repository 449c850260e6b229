"""crfiqa_tf.signatures: the exported names are distinct where they share a namespace (a signature's outputs, the
signatures of one SavedModel), and the module imports nothing (the edge install reads it)."""

import ast
import inspect

from crfiqa_tf import signatures as sig


def test_names_are_distinct_within_each_namespace():
    signatures = [sig.SERVING_DEFAULT, sig.PREDICT_IMAGES, sig.SCORE_PHOTOS]
    outputs = [
        sig.OUTPUT_QUALITY, sig.OUTPUT_EMBEDDING, sig.OUTPUT_QUALITY_SCORE, sig.OUTPUT_NUM_FACES,
        sig.OUTPUT_FACES_FOUND, sig.OUTPUT_BOXES, sig.OUTPUT_LANDMARKS, sig.OUTPUT_DETECTION_SCORE,
    ]  # fmt: skip
    for names in (signatures, outputs, [sig.INPUT_IMAGES, sig.INPUT_IMAGE_BYTES], sig.EXPORT_FORMATS, sig.TFLITE_MODES):
        assert len(set(names)) == len(names), names
    assert "saved_model" in sig.EXPORT_FORMATS and "int8" in sig.TFLITE_MODES


def test_the_module_imports_nothing():
    tree = ast.parse(inspect.getsource(sig))
    assert not [node for node in ast.walk(tree) if isinstance(node, (ast.Import, ast.ImportFrom))]
