"""The package as a user gets it: the sdist and the wheel built from this tree (`python -m build`, the wheel built
from the sdist), checked from outside the source tree.

- What the wheel must hold is read off the tree: every module of the library and the applications, the MediaPipe
  model files and their NOTICE, the training configs. A data file left out of `package_data` fails here.
- The full package: the wheel unpacked beside this environment's dependencies (PYTHONPATH; every module checked to
  come from the unpacked copy, not the editable checkout) exports a tiny model to int8 TFLite and scores with it.
- The edge install: a fresh virtualenv, the wheel installed (not editable) with ``[edge]`` only, TensorFlow absent:
  ``crfiqa-tf --help``, ``crfiqa-tf score --align --components`` of a real photo with the int8 model from the
  step above, and ``crfiqa-tf best-shots`` of a folder of frames.
"""

import csv
import glob
import os
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest
from PIL import Image
from support.paths import ROOT

from crfiqa_tf import __version__
from crfiqa_tf.data import sample_photos

APPS = ("training", "serving", "beam_jobs", "demo")
pytestmark = pytest.mark.slow  # ~60 s: build, one int8 export, a virtualenv with the [edge] install


def _run(command, cwd, env=None, check=True, timeout=600):
    result = subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(
            f"{' '.join(map(str, command))} exited {result.returncode}:\n{result.stdout[-2000:]}\n"
            f"{result.stderr[-3000:]}"
        )
    return result


def expected_wheel_files() -> set[str]:
    """Paths inside the wheel that the tree says it must hold."""
    expected = set()
    for folder, _, names in os.walk(os.path.join(ROOT, "crfiqa_tf")):
        relative = os.path.relpath(folder, ROOT).replace(os.sep, "/")
        if "__pycache__" in relative:
            continue
        data_folder = relative == "crfiqa_tf/align/mediapipe"
        expected |= {f"{relative}/{n}" for n in names if n.endswith((".py", ".json")) or data_folder}
    for app in APPS:
        for folder, _, names in os.walk(os.path.join(ROOT, app)):
            relative = os.path.relpath(folder, ROOT).replace(os.sep, "/")
            if "__pycache__" in relative:
                continue
            configs = relative == "training/configs"
            expected |= {f"crfiqa_tf_apps/{relative}/{n}" for n in names if n.endswith(".py") or configs}
    return expected


@pytest.fixture(scope="module")
def dist(tmp_path_factory):
    out = tmp_path_factory.mktemp("dist")
    # --no-isolation: this environment's setuptools and wheel (the pins in pyproject.toml), no download
    _run([sys.executable, "-m", "build", "--no-isolation", "--outdir", str(out), ROOT], cwd=str(out))
    wheels, sdists = glob.glob(str(out / "*.whl")), glob.glob(str(out / "*.tar.gz"))
    assert len(wheels) == 1 and len(sdists) == 1, os.listdir(out)
    return {"wheel": wheels[0], "sdist": sdists[0], "dir": out}


def test_wheel_holds_every_module_and_data_file_and_metadata_passes_twine(dist):
    assert os.path.basename(dist["wheel"]).startswith(f"crfiqa_tf-{__version__}-")
    assert os.path.basename(dist["sdist"]) == f"crfiqa_tf-{__version__}.tar.gz"
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        names = set(wheel.namelist())
        metadata = wheel.read(f"crfiqa_tf-{__version__}.dist-info/METADATA").decode()
    expected = expected_wheel_files()
    assert {
        "crfiqa_tf/align/mediapipe/NOTICE.md",
        "crfiqa_tf/align/mediapipe/canonical_face_model.obj",
        "crfiqa_tf/components/default_profile.json",
        "crfiqa_tf_apps/training/configs/synthetic_tiny.yaml",
    } <= expected
    missing = sorted(expected - names)
    assert not missing, f"left out of the wheel: {missing}"
    assert not [n for n in names if n.startswith(("tests/", "benchmarks/", "training/", "serving/"))]
    assert f"Version: {__version__}" in metadata and "Provides-Extra: edge" in metadata
    _run([sys.executable, "-m", "twine", "check", "--strict", dist["wheel"], dist["sdist"]], cwd=str(dist["dir"]))


@pytest.fixture(scope="module")
def int8_model(dist, tmp_path_factory):
    """The unpacked wheel, run beside this environment's dependencies, exports a tiny untrained model."""
    work = tmp_path_factory.mktemp("full_package")
    site = work / "site"
    with zipfile.ZipFile(dist["wheel"]) as wheel:
        wheel.extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site), "TF_CPP_MIN_LOG_LEVEL": "2"}
    origin = _run(
        [
            sys.executable,
            "-c",
            "import crfiqa_tf, crfiqa_tf.align.blazeface as b, crfiqa_tf_apps.serving.export_lib as e, "
            "crfiqa_tf_apps.training.synthetic_run as t, os; "
            "print(crfiqa_tf.__file__, b.__file__, e.__file__, t.CONFIG, os.path.exists(t.CONFIG))",
        ],
        cwd=str(work),
        env=env,
    ).stdout.split()
    assert all(path.startswith(str(site)) for path in origin[:4]), origin
    assert origin[4] == "True"
    faces = work / "faces"
    faces.mkdir()
    from crfiqa_tf.data.samples import synthetic_images

    for index, image in enumerate(synthetic_images(16, 32, seed=3)):
        Image.fromarray(image).save(faces / f"face_{index:02d}.png")
    script = (
        "import keras\n"
        "from crfiqa_tf.models import ArcFaceMarginHead, CRFIQAModel, CRQualityHead, IResNet\n"
        "keras.utils.set_random_seed(0)\n"
        "backbone = IResNet(18, 16, input_shape=(32, 32, 3), width=0.25)\n"
        "model = CRFIQAModel(backbone, ArcFaceMarginHead(4), CRQualityHead())\n"
        "model.build((None, 32, 32, 3))\n"
        "model.save('tiny.keras')\n"
    )
    _run([sys.executable, "-c", script], cwd=str(work), env=env)
    cli = [sys.executable, "-m", "crfiqa_tf.cli", "export", "--model", "tiny.keras", "--out", "export"]
    cli += ["--formats", "tflite", "--quantize", "int8"]
    refused = _run(cli, cwd=str(work), env=env, check=False)
    assert refused.returncode != 0 and "needs --representative" in refused.stderr, refused.stderr[-2000:]
    assert not (work / "export").exists()
    _run(cli + ["--representative", str(faces)], cwd=str(work), env=env)
    (model,) = glob.glob(str(work / "export" / "tflite" / "*int8.tflite"))
    scored = _run(
        [sys.executable, "-m", "crfiqa_tf.cli", "score", str(faces / "face_00.png"), "--model", model],
        cwd=str(work),
        env=env,
    )
    (row,) = list(csv.DictReader(scored.stdout.splitlines()))
    assert row["error"] == "" and np.isfinite(float(row["quality"]))
    return model


def test_full_package_from_the_wheel_exports_and_scores(int8_model):
    assert os.path.getsize(int8_model) > 0 and os.path.exists(int8_model + ".json")


def test_edge_install_scores_a_real_photo_without_tensorflow(dist, int8_model, tmp_path):
    venv = tmp_path / "edge-venv"
    _run([sys.executable, "-m", "venv", str(venv)], cwd=str(tmp_path))
    python, cli = str(venv / "bin" / "python"), str(venv / "bin" / "crfiqa-tf")
    _run([python, "-m", "pip", "install", "--quiet", f"{dist['wheel']}[edge]"], cwd=str(tmp_path))
    blocked = _run([python, "-c", "import tensorflow"], cwd=str(tmp_path), check=False)
    assert blocked.returncode != 0 and "No module named 'tensorflow'" in blocked.stderr
    where = _run([python, "-c", "import crfiqa_tf; print(crfiqa_tf.__file__)"], cwd=str(tmp_path)).stdout.strip()
    assert where.startswith(str(venv)), where
    assert "score" in _run([cli, "--help"], cwd=str(tmp_path)).stdout
    photo = sample_photos.photo_path("grace_hopper")
    out = tmp_path / "rows.csv"
    _run([cli, "score", photo, "--model", int8_model, "--align", "--components", "--out", str(out)], cwd=str(tmp_path))
    with open(out, encoding="utf-8") as handle:
        (row,) = list(csv.DictReader(handle))
    assert row["error"] == "" and row["face_index"] == "0" and np.isfinite(float(row["quality"]))
    assert float(row["detection_score"]) > 0.5 and len(row["landmarks"].split()) == 10
    # Quality components on the TF-free install: head pose from the shipped canonical face, a frontal portrait.
    assert abs(float(row["head_pose_yaw"])) < 10 and int(row["head_pose_yaw_value"]) > 90 and row["reasons"] == ""
    # Best shots of a folder of frames (no OpenCV needed for frames) on the same install.
    frames = tmp_path / "frames"
    frames.mkdir()
    for index in range(3):
        shutil.copy(photo, frames / f"{index:03d}.jpg")
    shots = tmp_path / "shots"
    done = _run([cli, "best-shots", str(frames), "--model", int8_model, "--out", str(shots)], cwd=str(tmp_path))
    assert "3 frames, 0 undecodable (skipped), 1 tracks, 1 shots" in done.stdout
    assert (shots / "track_0001" / "1_frame000000_aligned.png").exists()
