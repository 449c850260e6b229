"""`crfiqa-tf score`: images or folders → one CSV row per face (or per input), with any `Scorer`
(`crfiqa_tf.model_io.load_scorer` picks one by the model path) and optional MTCNN alignment of raw photos."""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable

from tqdm import tqdm

from crfiqa_tf.image_io import ImageReadError, read_image
from crfiqa_tf.inference.base import Scorer

COLUMNS = ("path", "face_index", "quality", "quality_score", "detection_score", "error")
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def expand_inputs(inputs: Iterable[str]) -> list[str]:
    """Files as given; folders walked (sorted) for files with an image suffix."""
    paths = []
    for item in inputs:
        if os.path.isdir(item):
            for folder, _, files in sorted(os.walk(item)):
                paths += [os.path.join(folder, f) for f in sorted(files) if f.lower().endswith(IMAGE_SUFFIXES)]
        else:
            paths.append(item)
    return paths


def _row(path, face_index="", record=None, detection="", error=""):
    quality = "" if record is None or record.quality is None else f"{record.quality:.6f}"
    score = "" if record is None or record.quality_score is None else f"{record.quality_score:.2f}"
    error = error or (record.error if record is not None and record.error else "")
    return {
        "path": path,
        "face_index": face_index,
        "quality": quality,
        "quality_score": score,
        "detection_score": detection,
        "error": error,
    }


def score_files(
    inputs: Iterable[str],
    scorer: Scorer,
    align: bool = False,
    batch_size: int = 32,
    policy: str = "largest",
    progress: bool = True,
) -> list[dict]:
    paths = expand_inputs(inputs)
    if not align:
        rows = []
        for start in tqdm(range(0, len(paths), batch_size), desc="scoring", unit="batch", disable=not progress):
            for record in scorer.score(paths[start : start + batch_size], batch_size):
                rows.append(_row(record.source, 0 if record.error is None else "", record))
        return rows
    from crfiqa_tf.align.detector import FaceAligner

    aligner = FaceAligner(policy=policy)
    rows = []
    for path in tqdm(paths, desc="aligning and scoring", unit="img", disable=not progress):
        try:
            faces = aligner.align(read_image(path))
        except ImageReadError as error:
            rows.append(_row(path, error=f"{error.cause}: {error.detail}"))
            continue
        if not faces:
            rows.append(_row(path, error="no_face: no face detected"))
            continue
        records = scorer.score([face.crop for face in faces], batch_size)
        rows += [_row(path, i, r, f"{f.detection_score:.4f}") for i, (f, r) in enumerate(zip(faces, records))]
    return rows


def write_rows(rows: list[dict], handle) -> None:
    writer = csv.DictWriter(handle, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
