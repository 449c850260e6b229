"""The per-face measurement every path shares (`crfiqa_tf.faces.measurement`); NumPy, Pillow and LiteRT only."""

from crfiqa_tf.faces.measurement import FaceMeasurement, measure_face, measure_faces

__all__ = ["FaceMeasurement", "measure_face", "measure_faces"]
