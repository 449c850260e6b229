"""Distribution `crfiqa-tf`.

The edge path (``crfiqa_tf.inference.litert`` and the NumPy preprocessing twin) needs only NumPy, Pillow and
ai-edge-litert, so TensorFlow is not a core requirement: it lives in the ``tf`` extra, which every other extra
pulls in. An edge device installs ``crfiqa-tf[edge]``; everyone else installs ``crfiqa-tf[all]`` (or ``[tf]``).
"""

from setuptools import find_packages, setup

CORE = ["numpy>=1.26,<2.5", "pillow>=10", "pyyaml>=6", "tqdm>=4.66"]
TF = ["tensorflow>=2.21,<2.22", "keras>=3.10,<4", "tensorboard>=2.20", "matplotlib>=3.8"]
EXTRAS = {
    "tf": TF,
    "edge": ["ai-edge-litert>=2.3,<3"],
    "beam": TF + ["apache-beam>=2.77,<3", "pyarrow>=15,<26"],
    "onnx": TF + ["tf2onnx>=1.17,<2", "onnxruntime>=1.20"],
    "serving": TF + ["tensorflow-serving-api>=2.21,<2.22", "grpcio>=1.60"],
    "align": TF + ["mtcnn>=1.0,<2", "lz4>=4"],
    "torch": ["torch>=2.4"],
}
EXTRAS["all"] = sorted({req for reqs in EXTRAS.values() for req in reqs} | set(EXTRAS["edge"]))
EXTRAS["dev"] = ["pytest>=8", "ruff>=0.6", "scikit-image>=0.24", "scipy>=1.11"]

setup(
    name="crfiqa-tf",
    version="0.1.0",
    description="CR-FIQA face image quality assessment for TensorFlow/Keras: training, export, serving, batch scoring.",
    long_description=open("README.md", encoding="utf-8").read() if __import__("os").path.exists("README.md") else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["crfiqa_tf", "crfiqa_tf.*", "training", "serving", "beam_jobs", "demo"]),
    package_data={"training": ["configs/*.yaml"], "serving": ["tf_serving/*"]},
    install_requires=CORE,
    extras_require=EXTRAS,
    entry_points={"console_scripts": ["crfiqa-tf = crfiqa_tf.cli:main"]},
)
