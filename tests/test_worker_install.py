"""What Beam workers install: the generated requirement files equal setup.py's extras, and the Dataflow container
files install exactly those, on the Beam SDK image of the launcher's Beam version. (No Docker engine runs here, so
the images are not built; these checks keep them from drifting.)"""

import os
import re
import runpy

import apache_beam
import pytest
from packaging.requirements import Requirement

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPEC = runpy.run_path(os.path.join(ROOT, "setup.py"))  # defines the lists; setup() runs only as __main__


def _requirements(name):
    with open(os.path.join(ROOT, "beam_jobs", name), encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("file, extra", [("requirements.txt", "beam"), ("requirements-gpu.txt", "beam-gpu")])
def test_requirement_files_are_setup_py_extras(file, extra):
    assert _requirements(file) == SPEC["CORE"] + SPEC["EXTRAS"][extra], "run `make requirements`"


def test_worker_extra_has_every_model_runtime():
    names = {Requirement(r).name for r in SPEC["EXTRAS"]["beam"]}
    assert {"tensorflow", "ai-edge-litert", "onnxruntime", "pyarrow", "apache-beam"} <= names
    assert "gcp" in Requirement(next(r for r in SPEC["EXTRAS"]["beam"] if r.startswith("apache-beam"))).extras
    gpu = {Requirement(r).name: Requirement(r) for r in SPEC["EXTRAS"]["beam-gpu"]}
    assert "and-cuda" in gpu["tensorflow"].extras and "onnxruntime-gpu" in gpu and "onnxruntime" not in gpu


@pytest.mark.parametrize(
    "dockerfile, requirements", [("Dockerfile", "requirements.txt"), ("Dockerfile.gpu", "requirements-gpu.txt")]
)
def test_dockerfiles_install_the_requirements_on_the_launchers_beam(dockerfile, requirements):
    with open(os.path.join(ROOT, "beam_jobs", dockerfile), encoding="utf-8") as handle:
        text = handle.read()
    base = re.search(r"^FROM apache/beam_python(\d+\.\d+)_sdk:(\S+)$", text, re.M)
    assert base, "the base image must be Beam's Python SDK image"
    assert base.group(2) == apache_beam.__version__, "the container's Beam must equal the launcher's"
    beam_requirement = Requirement(next(r for r in _requirements(requirements) if r.startswith("apache-beam")))
    assert beam_requirement.specifier.contains(base.group(2))
    copied = re.search(r"^COPY beam_jobs/(\S+) (\S+)$", text, re.M)
    assert copied.group(1) == requirements
    assert f"pip install --no-cache-dir -r {copied.group(2)}" in text
    assert "pip install --no-cache-dir --no-deps /opt/crfiqa-tf" in text
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in text
