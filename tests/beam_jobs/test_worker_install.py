"""What Beam workers install: the generated requirement files are setup.py's extras at the lock's versions, and the
Dataflow container files install exactly those, on the Beam SDK image of the lock's Beam version, which is the
launcher's (installed from the same lock). (No Docker engine runs here, so the images are not built; these checks keep
them from drifting.)"""

import os
import re
import runpy
import sys
from importlib import metadata

import apache_beam
import pytest
from packaging.requirements import Requirement
from support.paths import ROOT

SPEC = runpy.run_path(os.path.join(ROOT, "setup.py"))  # defines the lists; setup() runs only as __main__
sys.path.insert(0, os.path.join(ROOT, "tools"))
import lock  # noqa: E402  (tools/lock.py: a maintainer's script, not a package)

LOCK_TEXT = open(os.path.join(ROOT, "requirements", "lock.txt"), encoding="utf-8").read()


def _requirements(name):
    with open(os.path.join(ROOT, "beam_jobs", name), encoding="utf-8") as handle:
        return [line.strip() for line in handle if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("file, extra", [("requirements.txt", "beam"), ("requirements-gpu.txt", "beam-gpu")])
def test_requirement_files_are_setup_py_extras_at_the_locks_versions(file, extra):
    versions = lock.locked_versions(LOCK_TEXT)
    pinned = _requirements(file)
    assert len(pinned) == len(SPEC["CORE"] + SPEC["EXTRAS"][extra])
    for declared, written in zip(SPEC["CORE"] + SPEC["EXTRAS"][extra], pinned):
        declared, written = Requirement(declared), Requirement(written)
        assert (written.name, written.extras) == (declared.name, declared.extras)
        version = versions.get(lock.normalise(declared.name))
        if version:  # pinned to the lock, which setup.py's range admits
            assert str(written.specifier) == f"=={version}" and declared.specifier.contains(version), written
        else:  # a worker-only project (onnxruntime-gpu): setup.py's range
            assert written.specifier == declared.specifier
    with open(os.path.join(ROOT, "beam_jobs", file), encoding="utf-8") as handle:
        assert handle.read() == lock.worker_files(LOCK_TEXT)[file], "run `make requirements`"


def test_the_launcher_runs_the_locks_versions():
    """The launcher (this environment, from `make setup`) runs the lock's Beam, hence the workers' (`make test-latest`
    leaves this one out: its environment is the next lock's)."""
    versions = lock.locked_versions(LOCK_TEXT)
    assert apache_beam.__version__ == versions["apache-beam"], "run `make setup` (the venv is not the lock's)"
    for name in ("tensorflow", "pillow", "numpy", "pyarrow"):
        assert metadata.version(name) == versions[name], f"{name}: run `make setup` (the venv is not the lock's)"


def test_a_moved_lock_moves_every_worker_file():
    beam = lock.locked_versions(LOCK_TEXT)["apache-beam"]
    moved = LOCK_TEXT.replace(f"apache-beam=={beam} ", "apache-beam==9.9.9 ")
    assert moved != LOCK_TEXT
    files = lock.worker_files(moved)
    for dockerfile in ("Dockerfile", "Dockerfile.gpu"):
        assert lock.BASE_IMAGE.search(files[dockerfile]).group(2) == "9.9.9"
    for requirements in ("requirements.txt", "requirements-gpu.txt"):
        assert "apache-beam[gcp]==9.9.9\n" in files[requirements]
    assert lock.moved(LOCK_TEXT, moved) == [f"apache-beam: {beam} -> 9.9.9"]


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
    assert base.group(2) == lock.locked_versions(LOCK_TEXT)["apache-beam"], "the container's Beam must be the lock's"
    assert base.group(1) == f"{sys.version_info.major}.{sys.version_info.minor}", "the container's Python"
    beam_requirement = Requirement(next(r for r in _requirements(requirements) if r.startswith("apache-beam")))
    assert str(beam_requirement.specifier) == f"=={base.group(2)}"
    copied = re.search(r"^COPY beam_jobs/(\S+) (\S+)$", text, re.M)
    assert copied.group(1) == requirements
    assert f"pip install --no-cache-dir -r {copied.group(2)}" in text
    assert "pip install --no-cache-dir --no-deps /opt/crfiqa-tf" in text
    assert 'ENTRYPOINT ["/opt/apache/beam/boot"]' in text
