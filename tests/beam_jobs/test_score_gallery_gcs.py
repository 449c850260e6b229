"""The whole Beam job with gallery, model and outputs on gs:// (a local GCS emulator standing in for the bucket):
every file accounted for, scores equal to the local run of the same model."""

import io
import json

import numpy as np
import pyarrow.parquet as pq
import pytest
from apache_beam.io.filesystems import FileSystems
from PIL import Image
from support.gcs_emulator import gcs_emulator, upload

from crfiqa_tf.calibration import apply_calibration
from crfiqa_tf.inference.litert import LiteRTScorer
from crfiqa_tf.inference.saved_model import SavedModelScorer
from crfiqa_tf_apps.beam_jobs.score_gallery import run

BUCKET = "gs://crfiqa-test"


@pytest.fixture(scope="module")
def bucket(exported, tmp_path_factory):
    """The gallery (5 faces, 2 broken files), the SavedModel base folder and the int8 TFLite file, in the bucket."""
    gallery = tmp_path_factory.mktemp("gallery")
    for index, image in enumerate(exported["images"][:5]):
        Image.fromarray(image).save(gallery / f"face_{index}.png")
    (gallery / "empty.png").write_bytes(b"")
    (gallery / "notes.png").write_bytes(b"not an image")
    with gcs_emulator(BUCKET[len("gs://") :]):
        upload(gallery, f"{BUCKET}/gallery")
        base = exported["saved"].rsplit("/", 1)[0]  # the TF Serving base folder: version 1 inside
        upload(base, f"{BUCKET}/models/saved_model")
        tflite = exported["files"]["crfiqa_int8.tflite"]["path"]
        upload(tflite, f"{BUCKET}/models/crfiqa_int8.tflite")
        upload(tflite + ".json", f"{BUCKET}/models/crfiqa_int8.tflite.json")
        yield {"gallery": gallery}


def _read_rows(prefix: str) -> list[dict]:
    rows = []
    for metadata in FileSystems.match([f"{prefix}-*.parquet"])[0].metadata_list:
        with FileSystems.open(metadata.path) as handle:
            rows += pq.read_table(io.BytesIO(handle.read())).to_pylist()
    return rows


def _read_failures(prefix: str) -> list[dict]:
    failures = []
    for metadata in FileSystems.match([f"{prefix}-failures-*"])[0].metadata_list:
        with FileSystems.open(metadata.path) as handle:
            failures += [json.loads(line) for line in handle.read().decode().splitlines()]
    return failures


@pytest.mark.parametrize(
    "model, local_scorer",
    [
        ("saved_model", lambda e: SavedModelScorer(e["saved"])),
        ("crfiqa_int8.tflite", lambda e: LiteRTScorer(e["files"]["crfiqa_int8.tflite"]["path"])),
    ],
)
def test_job_on_gcs_accounts_for_every_file_and_matches_the_local_model(
    exported, bucket, tmp_path, model, local_scorer
):
    output = f"{BUCKET}/out/{model}/scores"
    argv = ["--input-glob", f"{BUCKET}/gallery/*.png", "--model", f"{BUCKET}/models/{model}", "--output", output]
    counters = run([*argv, "--model-cache-dir", str(tmp_path / "cache"), "--min-batch-size", "2"])
    failed = counters["failed_decode"] + counters["failed_align"] + counters["failed_inference"]
    assert counters["read"] == 7 == counters["scored"] + failed
    assert counters["scored"] == 5 and counters["failed_decode"] == 2
    rows = _read_rows(output)
    assert len(rows) == 5 and all(r["path"].startswith(f"{BUCKET}/gallery/face_") for r in rows)
    assert {f["path"].rsplit("/", 1)[1]: f["error"] for f in _read_failures(output)} == {
        "empty.png": "empty",
        "notes.png": "not_an_image",
    }
    local = local_scorer(exported)
    for row in rows:
        image = np.asarray(Image.open(bucket["gallery"] / row["path"].rsplit("/", 1)[1]).convert("RGB"))
        expected = local.predict(image[None])
        assert row["quality"] == pytest.approx(float(expected["quality"][0]), abs=1e-5)
        # the job recomputes the score from the raw quality with the model's calibration (int8 outputs included)
        assert row["quality_score"] == pytest.approx(
            float(apply_calibration(row["quality"], local.calibration)), abs=1e-3
        )
        assert row["model"].startswith("1 (saved_model" if model == "saved_model" else "crfiqa_int8.tflite (tflite")


def test_missing_model_on_gcs_fails_before_the_pipeline_naming_the_path(bucket, tmp_path):
    output = f"{BUCKET}/out/missing/scores"
    with pytest.raises(FileNotFoundError, match=f"{BUCKET}/models/nope"):
        run(["--input-glob", f"{BUCKET}/gallery/*.png", "--model", f"{BUCKET}/models/nope", "--output", output])
    assert FileSystems.match([f"{output}-*"])[0].metadata_list == []
