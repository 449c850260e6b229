"""Keras models and layers of CR-FIQA."""

# A training model.keras stores its optimizer with the learning-rate schedule: registering it here lets every
# `import crfiqa_tf.models` + `keras.saving.load_model` load such files.
from crfiqa_tf import lr_schedule  # noqa: F401
from crfiqa_tf.models.backbone import IResNet
from crfiqa_tf.models.crfiqa_model import CRFIQAModel
from crfiqa_tf.models.factory import build_crfiqa_model
from crfiqa_tf.models.margin_head import ArcFaceMarginHead
from crfiqa_tf.models.mobilefacenet import MobileFaceNet
from crfiqa_tf.models.preprocessing_layer import FacePreprocessing
from crfiqa_tf.models.quality_head import CRQualityHead

__all__ = [
    "ArcFaceMarginHead",
    "CRFIQAModel",
    "CRQualityHead",
    "FacePreprocessing",
    "IResNet",
    "MobileFaceNet",
    "build_crfiqa_model",
]
