"""Face detection (BlazeFace + Face Mesh on LiteRT by default, MTCNN as an alternative) and the 5-point similarity
alignment onto the 112×112 ArcFace template."""

from crfiqa_tf.public_names import lazy_names

__all__, __getattr__, __dir__ = lazy_names(
    __name__,
    {
        "AlignedFace": "crfiqa_tf.align.aligner",
        "FaceAligner": "crfiqa_tf.align.aligner",
        "Detection": "crfiqa_tf.align.detection",
        "DETECTORS": "crfiqa_tf.align.detection",
        "DEFAULT_DETECTOR": "crfiqa_tf.align.detection",
        "make_detector": "crfiqa_tf.align.detector_registry",
        "BlazeFaceDetector": "crfiqa_tf.align.blazeface",
        "MTCNNDetector": "crfiqa_tf.align.mtcnn_detector",
        "FaceMeshModel": "crfiqa_tf.align.mesh_model",
        "warp_face": "crfiqa_tf.align.similarity",
        "FacePipeline": "crfiqa_tf.align.aligner_tf",
        "DEFAULT_MIN_FACE": "crfiqa_tf.align.tiling",
    },
)
