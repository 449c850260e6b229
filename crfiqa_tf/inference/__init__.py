"""Scorers behind one interface (`crfiqa_tf.inference.base.Scorer`): `SavedModelScorer` (TensorFlow),
`LiteRTScorer` (NumPy, Pillow and ai-edge-litert only — no TensorFlow), `OnnxScorer` (ONNX Runtime).

Import the one you need from its module; this package imports nothing, so the edge path stays TensorFlow-free.
"""
