"""Output rows: one schema per output kind, each built here from the one record of a scored input or face.

Every path's result is a `crfiqa_tf.inference.base.ScoreRecord` (the scorers, the TF Serving client, the Beam
job's ``score_photos`` rows) or a face measured by `crfiqa_tf.faces.measurement` (the Beam job's Python aligner) or
a best shot. The columns that say where a face is — its index, detection score, box and five points — are one
block in every kind (`FACE_COLUMNS`, `face_values`); the kinds differ in their other columns and in how they write
numbers:

- ``score`` CSV / JSON Lines and the client's rows (`SCORE_COLUMNS`, `score_row`): text, numbers at fixed digits,
  absent values empty, landmarks ten space-separated numbers; with components their flat columns
  (`crfiqa_tf.components.component_columns`);
- the Beam job's Parquet / CSV / JSON Lines (`BEAM_COLUMNS` + `FACE_COLUMNS` with ``--align``, `beam_row`): typed,
  floats and an integer index, landmarks a list of ten floats, absent values None;
- ``best-shots``' ``best_shots.csv`` (`best_shot_row`): a shot's track, rank and time with the same face block.

The report reads every kind back by these names (`crfiqa_tf.report.results`). Landmarks are always the template's
five points ``x y`` in order (image-left eye, image-right eye, nose tip, image-left mouth corner, image-right mouth
corner), in source pixels. Imports NumPy only.
"""

from __future__ import annotations

import numpy as np

BOX_COLUMNS = ("box_x0", "box_y0", "box_x1", "box_y1")
FACE_COLUMNS = ("face_index", "detection_score", *BOX_COLUMNS, "landmarks")
SCORE_COLUMNS = ("path", "face_index", "quality", "quality_score", "detection_score", *BOX_COLUMNS, "landmarks")
SCORE_COLUMNS += ("warning", "error")
BEAM_COLUMNS = ("path", "quality", "quality_score", "model", "warning")  # + FACE_COLUMNS with --align


def face_values(index: int, detection_score: float, box, landmarks) -> dict:
    """The face block, typed: ``face_index`` int, ``detection_score`` and the box float, ``landmarks`` a list of
    ten floats."""
    values = {"face_index": int(index), "detection_score": float(detection_score)}
    values.update(zip(BOX_COLUMNS, (float(v) for v in box)))
    values["landmarks"] = [float(v) for v in np.asarray(landmarks, np.float64).reshape(-1)]
    return values


def text(value, digits: int) -> str:
    """A number at `digits` decimals, or empty for None."""
    return "" if value is None else f"{value:.{digits}f}"


def landmarks_text(landmarks) -> str:
    """Ten space-separated numbers at one decimal, or empty for None."""
    return "" if landmarks is None else " ".join(f"{v:.1f}" for v in np.asarray(landmarks).reshape(-1))


def score_row(record) -> dict:
    """A ``score`` / client row (`SCORE_COLUMNS`, text) from a `ScoreRecord`; a record with components adds their
    flat columns (raw to 4 significant digits, 0–100 values as integers, the reasons' text columns as they are). A
    record without a face (an error, or an input scored without alignment) has the face block empty."""
    row = {
        "path": record.source,
        "face_index": "" if record.error else (record.face_index or 0),
        "quality": text(record.quality, 6),
        "quality_score": text(record.quality_score, 2),
        "detection_score": text(record.detection_score, 4),
        "landmarks": landmarks_text(record.landmarks),
        "warning": record.warning or "",
        "error": record.error or "",
    }
    row.update({name: text(None if record.box is None else record.box[i], 1) for i, name in enumerate(BOX_COLUMNS)})
    if record.components is not None:
        from crfiqa_tf.components.component_columns import TEXT_COLUMNS, flat

        for name, value in flat(record.components, record.reasons).items():
            if name.endswith("_value") or name in TEXT_COLUMNS:
                row[name] = "" if value is None else str(value)
            else:
                row[name] = "" if value is None else f"{value:.4g}"
    return row


def beam_row(record, model: str, with_embeddings: bool = False) -> dict:
    """A Beam row (`BEAM_COLUMNS`, typed) from a `ScoreRecord` of a face; its face block when it has one."""
    row = {
        "path": record.source,
        "quality": None if record.quality is None else float(record.quality),
        "quality_score": None if record.quality_score is None else float(record.quality_score),
        "model": model,
        "warning": record.warning,
    }
    if record.box is not None:
        row.update(face_values(record.face_index or 0, record.detection_score, record.box, record.landmarks))
    if with_embeddings:
        row["embedding"] = [float(v) for v in record.embedding]
    return row


BEST_SHOT_COLUMNS = (
    "track_id",
    "rank",
    "frame_index",
    "timestamp_ms",
    *BOX_COLUMNS,
    "landmarks",
    "detection_score",
    "quality",
    "quality_score",
    "reasons",
    "aligned_path",
    "source_path",
)


def best_shot_row(shot, rank: int, aligned_path: str, source_path: str) -> dict:
    """A ``best_shots.csv`` row (`BEST_SHOT_COLUMNS`) of a `crfiqa_tf.best_shots.selector.Shot`: numbers rounded as
    the score rows write them."""
    return {
        "track_id": shot.track_id,
        "rank": rank,
        "frame_index": shot.frame_index,
        "timestamp_ms": round(shot.timestamp_ms, 1),
        **{name: round(float(v), 1) for name, v in zip(BOX_COLUMNS, shot.box)},
        "landmarks": landmarks_text(shot.landmarks),
        "detection_score": round(shot.detection_score, 4),
        "quality": round(shot.quality, 6),
        "quality_score": None if shot.quality_score is None else round(shot.quality_score, 2),
        "reasons": " ".join(shot.reasons),
        "aligned_path": aligned_path,
        "source_path": source_path,
    }
