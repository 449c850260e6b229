"""Scorers behind one interface (`crfiqa_tf.inference.base.Scorer`): `SavedModelScorer` (TensorFlow),
`LiteRTScorer` (NumPy, Pillow and ai-edge-litert only — no TensorFlow), `OnnxScorer` (ONNX Runtime).

Its public names are imported from their modules on first use, so the edge path stays TensorFlow-free.
"""

from crfiqa_tf.public_names import lazy_names

__all__, __getattr__, __dir__ = lazy_names(
    __name__,
    {
        "Scorer": "crfiqa_tf.inference.base",
        "ScoreRecord": "crfiqa_tf.inference.base",
        "FaceRecord": "crfiqa_tf.inference.base",
        "SavedModelScorer": "crfiqa_tf.inference.saved_model",
        "LiteRTScorer": "crfiqa_tf.inference.litert",
        "OnnxScorer": "crfiqa_tf.inference.onnx",
        "KerasScorer": "crfiqa_tf.inference.keras_model",
        "records_from_photo_outputs": "crfiqa_tf.inference.photo_outputs",
    },
)
