"""crfiqa-tf: CR-FIQA face image quality assessment for TensorFlow / Keras 3.

Importing the package imports nothing heavy, so the TensorFlow-free edge path stays light: import what you need
from its modules, e.g. ``from crfiqa_tf.models import CRFIQAModel`` (Keras) or ``from crfiqa_tf.preprocess import
preprocess_images_np`` (NumPy only).
"""

__version__ = "0.1.0"
__all__ = ["__version__"]
