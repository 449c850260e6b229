"""The detector registry: a name of `crfiqa_tf.align.detection.DETECTORS` → a detector object. The detectors import
`Detection` from `crfiqa_tf.align.detection`; this module imports them (arrows one way)."""

from __future__ import annotations

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, DETECTORS
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE


def make_detector(
    name: str = DEFAULT_DETECTOR,
    min_confidence: float | None = None,
    min_face: float | None = DEFAULT_MIN_FACE,
    threads: int | None = None,
):
    """A detector object with ``detect(image) -> list[Detection]`` (best score first) that looks for faces down to
    `min_face` pixels between the eyes (`crfiqa_tf.align.tiling`; None: the whole frame only; MTCNN's pyramid
    always reaches its own smallest face)."""
    options = {} if min_confidence is None else {"min_confidence": min_confidence}
    if name == "blazeface":
        from crfiqa_tf.align.blazeface import BlazeFaceDetector

        return BlazeFaceDetector(min_face=min_face, **options, **({} if threads is None else {"threads": threads}))
    if name == "mtcnn":
        from crfiqa_tf.align.mtcnn_detector import MTCNNDetector

        return MTCNNDetector(**options)
    raise ValueError(f"unknown face detector {name!r}; choose from {', '.join(DETECTORS)}")
