"""crfiqa_tf.align.mesh_topology: the model files shipped in crfiqa_tf/align/mediapipe/ are MediaPipe's published
ones."""


def test_shipped_mediapipe_models_are_the_published_files():
    import hashlib

    from crfiqa_tf.align.blazeface import DETECTOR_FILE
    from crfiqa_tf.align.mesh_model import LANDMARK_FILE
    from crfiqa_tf.align.mesh_topology import CANONICAL_MODEL_FILE, PROCRUSTES_WEIGHTS_FILE, data_file

    expected = {
        DETECTOR_FILE: "99bf9494d84f50acc6617d89873f71bf6635a841ea699c17cb3377f9507cfec3",
        LANDMARK_FILE: "2efcb4f4de43c7614b80a3cc3e8a37354b3b3b40f75cce20f6f38f0f25d65493",
        CANONICAL_MODEL_FILE: "5ecc0627d2925a83da0dbf63ccdc245a62affbeb8872c34ae2e63e35763ee2a9",
        PROCRUSTES_WEIGHTS_FILE: "55ca7c4c7bf195673b9d12a1b5d49d4b9c82b5ade8fed4b565496590866e359d",
    }
    for name, digest in expected.items():
        with open(data_file(name), "rb") as handle:
            assert hashlib.sha256(handle.read()).hexdigest() == digest, name
