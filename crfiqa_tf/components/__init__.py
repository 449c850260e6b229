"""Quality components beside the CR-FIQA score: OFIQ's measures (head pose, eyes, mouth, size, crop, lighting,
colour, exposure) on Face Mesh landmarks, our sharpness, and reasons a person can act on.

These follow OFIQ's published formulas (ISO/IEC 29794-5's reference implementation) on Face Mesh landmarks; they are
not an ISO/IEC 29794-5 conformance claim (conformance needs OFIQ's own models and the ISO test images).
"""

from crfiqa_tf.components.compute import COMPONENTS, UNITS, Component, face_components
from crfiqa_tf.components.reasons import DEFAULT_PROFILE, Reason, Rule, load_profile, reasons_for

__all__ = [
    "COMPONENTS",
    "DEFAULT_PROFILE",
    "UNITS",
    "Component",
    "Reason",
    "Rule",
    "face_components",
    "load_profile",
    "reasons_for",
]
