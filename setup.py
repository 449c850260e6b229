"""Distribution `crfiqa-tf`.

The edge path (``crfiqa_tf.inference.litert`` and the NumPy preprocessing twin) needs only NumPy, Pillow and
ai-edge-litert, so TensorFlow is not a core requirement: it lives in the ``tf`` extra, which every other extra
pulls in. An edge device installs ``crfiqa-tf[edge]``; everyone else installs ``crfiqa-tf[all]`` (or ``[tf]``).

The applications (repository folders ``training/``, ``serving/``, ``beam_jobs/``, ``demo/``) install as
``crfiqa_tf_apps.training`` and so on, never as top-level ``training`` or ``serving``: those generic names would
overwrite, or be shadowed by, any other distribution's package of the same name in site-packages.
``crfiqa_tf_apps`` is a namespace package with no code of its own.

The ``beam`` extra is what a Beam worker needs (every model runtime and pyarrow); ``beam_jobs/requirements*.txt``
are generated from it by ``make requirements`` and tests/beam_jobs/test_worker_install.py keeps them equal.
Run as a module (``runpy.run_path``), this file defines the lists without calling `setup`.
"""

import re
from pathlib import Path

from setuptools import find_packages, setup

APPS = ("training", "serving", "beam_jobs", "demo")
# Each upper bound is a release known to break the package (or a dependency's own bound, repeated where the package
# relies on it); each raised lower bound says why.
# numpy < 2.5: apache-beam 2.77-2.78 requires it, and the edge install must resolve to what the Beam workers run.
# pillow >= 13: the in-graph resize (crfiqa_tf/image_io_tf.py) follows Pillow 13's pass order; under Pillow 12 the
# two face pipelines would see pixels a level apart.
CORE = ["numpy>=1.26,<2.5", "pillow>=13", "pyyaml>=6", "tqdm>=4.66"]
TENSORFLOW = "tensorflow>=2.21,<2.22"
ONNXRUNTIME = "onnxruntime>=1.20"
TF = [TENSORFLOW, "keras>=3.10,<4", "tensorboard>=2.20", "matplotlib>=3.8"]
EDGE = ["ai-edge-litert>=2.3,<3"]
# Face detection for --align: BlazeFace + Face Mesh (the default) ship with the package and run on LiteRT (EDGE);
# MTCNN, the alternative --detector, runs on TensorFlow.
ALIGN = EDGE + ["mtcnn>=1.0,<2", "lz4>=4"]
BEAM = TF + ALIGN + ["apache-beam[gcp]>=2.77,<3", "pyarrow>=15,<26", ONNXRUNTIME]
EXTRAS = {
    "tf": TF,
    # training on NVIDIA GPUs: TensorFlow with its CUDA wheels (CUDA runtime, cuDNN, NCCL from pip)
    "gpu": ["tensorflow[and-cuda]>=2.21,<2.22", *TF[1:]],
    "edge": EDGE,
    "beam": BEAM,
    # Beam workers with an NVIDIA GPU: TensorFlow with its CUDA wheels, ONNX Runtime's CUDA build.
    "beam-gpu": [
        {TENSORFLOW: "tensorflow[and-cuda]>=2.21,<2.22", ONNXRUNTIME: "onnxruntime-gpu>=1.20"}.get(r, r) for r in BEAM
    ],
    "onnx": TF + ["tf2onnx>=1.17,<2", ONNXRUNTIME],
    "serving": TF + ["tensorflow-serving-api>=2.21,<2.22", "grpcio>=1.60"],
    "align": TF + ALIGN,
    "torch": ["torch>=2.4"],
    # best-shots on video files and cameras: OpenCV's wheel ships FFmpeg and the platform camera APIs (frame
    # folders need no extra)
    "video": ["opencv-python-headless>=4.9"],
}
EXTRAS["all"] = sorted({req for name, reqs in EXTRAS.items() if name not in ("gpu", "beam-gpu") for req in reqs})
EXTRAS["dev"] = [
    "pytest>=8,<9.2",  # pytest 9.2 ignores the group pytest-xdist 3.8 writes into item._nodeid (--dist loadgroup)
    "pytest-xdist>=3.5",
    "ruff>=0.6",
    "scikit-image>=0.24",
    "scipy>=1.11",
    "gcp-storage-emulator>=2024.8",
    # the wheel as users get it (tests/project/test_wheel.py): python -m build, twine check
    "build>=1.2",
    "twine>=5",
    # mutation testing (make mutation, docs/MUTATION.md)
    "mutmut>=3.8",
]
# the documentation site (mkdocs.yml; built in strict mode by tests/project/test_docs_site.py): MkDocs renders the
# Markdown the project already writes (README, generated benchmark pages) as it is; mkdocstrings reads the API
# reference from the docstrings without importing the package (griffe), so the site builds without TensorFlow
EXTRAS["docs"] = ["mkdocs>=1.6,<2", "mkdocstrings[python]>=0.26"]
EXTRAS["dev"] += EXTRAS["docs"]


def read_version() -> str:
    """The one version source is ``crfiqa_tf.__version__``; read as text so that building imports nothing."""
    text = Path(__file__).with_name("crfiqa_tf").joinpath("__init__.py").read_text(encoding="utf-8")
    return re.search(r'^__version__ = "([^"]+)"$', text, re.MULTILINE).group(1)


if __name__ == "__main__":
    readme = Path(__file__).with_name("README.md")
    setup(
        name="crfiqa-tf",
        version=read_version(),
        description="CR-FIQA face image quality assessment for TensorFlow/Keras: training, export, serving, batch "
        "scoring.",
        long_description=readme.read_text(encoding="utf-8") if readme.exists() else "",
        long_description_content_type="text/markdown",
        python_requires=">=3.10",
        packages=find_packages(include=["crfiqa_tf", "crfiqa_tf.*"]) + [f"crfiqa_tf_apps.{app}" for app in APPS],
        package_dir={f"crfiqa_tf_apps.{app}": app for app in APPS},
        package_data={
            "crfiqa_tf_apps.training": ["configs/*.yaml"],
            "crfiqa_tf.align": ["mediapipe/*.tflite", "mediapipe/*.obj", "mediapipe/*.pbtxt", "mediapipe/NOTICE.md"],
            "crfiqa_tf.components": ["default_profile.json"],
        },
        install_requires=CORE,
        extras_require=EXTRAS,
        entry_points={"console_scripts": ["crfiqa-tf = crfiqa_tf.cli:main"]},
    )
