"""The ``score_photos`` signature's padded outputs → one `ScoreRecord` per face (or per photo without a face), the
rows ``crfiqa-tf score --align --faces all`` gives: used by the SavedModel scorer and the TF Serving client alike.
NumPy only."""

from __future__ import annotations

import numpy as np

from crfiqa_tf import signatures as sig
from crfiqa_tf.calibration import rescore
from crfiqa_tf.inference.base import FaceRecord, ScoreRecord

NO_FACE = "no_face: no face detected"


def records_from_photo_outputs(
    outputs: dict, sources: list[str], faces: str = "all", with_embeddings: bool = False, calibration=None
) -> list[ScoreRecord]:
    """Records in photo order, faces largest first (``faces="largest"``: the first only); a photo without a face
    is one record with `error` set. With `calibration` the 0–100 score is recomputed from the raw quality."""
    count = np.asarray(outputs[sig.OUTPUT_NUM_FACES]).astype(int).reshape(-1)
    found = np.asarray(outputs[sig.OUTPUT_FACES_FOUND]).astype(int).reshape(-1)
    if len(count) != len(sources):
        raise ValueError(f"{sig.SCORE_PHOTOS} answered for {len(count)} photos, {len(sources)} were sent")
    quality = np.asarray(outputs[sig.OUTPUT_QUALITY], np.float32)
    scores = rescore(outputs, calibration)
    boxes = np.asarray(outputs[sig.OUTPUT_BOXES], np.float64)
    landmarks = np.asarray(outputs[sig.OUTPUT_LANDMARKS], np.float64)
    detection = np.asarray(outputs[sig.OUTPUT_DETECTION_SCORE], np.float64)
    records = []
    for photo, source in enumerate(sources):
        if count[photo] == 0:
            records.append(ScoreRecord(source, error=NO_FACE))
            continue
        kept = 1 if faces == "largest" else count[photo]
        for k in range(kept):
            record = FaceRecord(
                source,
                quality=float(quality[photo, k]),
                quality_score=None if scores is None else float(np.asarray(scores)[photo, k]),
                face_index=k,
                detection_score=float(detection[photo, k]),
                box=tuple(float(v) for v in boxes[photo, k]),
                landmarks=landmarks[photo, k].reshape(5, 2),
            )
            if with_embeddings:
                record.embedding = np.asarray(outputs[sig.OUTPUT_EMBEDDING][photo, k], np.float32)
            if found[photo] > count[photo]:
                record.warning = f"{found[photo]} faces found; only the largest {count[photo]} (max_faces) scored"
            records.append(record)
    return records
