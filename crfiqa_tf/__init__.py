"""crfiqa-tf: CR-FIQA face image quality assessment for TensorFlow / Keras 3.

Importing the package imports nothing heavy, so the TensorFlow-free edge path stays light. The front door:

    import crfiqa_tf

    scorer = crfiqa_tf.load_scorer("export/tflite/crfiqa_int8.tflite")  # SavedModel, .tflite, .onnx, .keras, runs
    records = scorer.score(["face.jpg"])  # aligned faces; raw photos:
    records = scorer.score(["party.jpg"], options=crfiqa_tf.FaceOptions(align=True, faces="all", components=True))

Everything else is imported from its module, e.g. ``from crfiqa_tf.models import CRFIQAModel`` (Keras) or
``from crfiqa_tf.preprocess import preprocess_images_np`` (NumPy only).
"""

__version__ = "0.10.1"
__all__ = ["FaceOptions", "__version__", "load_scorer"]


def __getattr__(name):
    if name == "load_scorer":  # resolved on first use, so `import crfiqa_tf` stays free of TensorFlow
        from crfiqa_tf.model_io import load_scorer

        return load_scorer
    if name == "FaceOptions":
        from crfiqa_tf.faces.face_options import FaceOptions

        return FaceOptions
    raise AttributeError(f"module 'crfiqa_tf' has no attribute {name!r}")
