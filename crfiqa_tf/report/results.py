"""Any result `crfiqa-tf` writes → one stream of `ResultRow`s, read without holding the file in memory.

Kinds recognised (a path may be a file, a folder, a glob, or a Beam output prefix such as ``out/scores``):

- ``score``: `crfiqa-tf score` CSV or JSON Lines (every value a string; ``error`` is ``cause: detail``);
- ``beam``: the Beam job's Parquet / CSV / JSON Lines shards (``PREFIX-*``), typed values, nested or flat components;
- ``failures``: the Beam job's ``PREFIX-failures-*.jsonl`` (``path, stage, error, message``);
- ``best_shots``: a `crfiqa-tf best-shots` folder (``best_shots.json``);
- ``evaluate``: a `crfiqa-tf evaluate` folder (``evaluation.json``, ``pauc.md``, the EDC plots).

Paths go through `crfiqa_tf.paths` (local or remote). Parquet needs pyarrow (the ``beam`` extra); every other kind
reads with the standard library, so the ``[edge]`` install reports on score and best-shots results.
"""

from __future__ import annotations

import csv
import io
import json
import posixpath
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.output_rows import BOX_COLUMNS

PARQUET_BATCH_ROWS = 65_536
RESULT_SUFFIXES = (".csv", ".jsonl", ".parquet")


@dataclass
class ResultRow:
    """One face scored, or one input that failed (`error` set: its cause; `message`: the detail)."""

    path: str
    quality: float | None = None
    quality_score: float | None = None
    face_index: int | None = None
    detection_score: float | None = None
    box: tuple | None = None
    landmarks: np.ndarray | None = None
    reasons: list = field(default_factory=list)
    instructions: list = field(default_factory=list)
    warning: str = ""
    error: str = ""
    message: str = ""
    stage: str = ""
    columns: dict = field(default_factory=dict)  # every other column as read, for --group-by
    origin: str = ""  # the results file the row came from (relative paths are resolved against its folder)

    @property
    def is_face(self) -> bool:
        return not self.error and self.quality is not None

    @property
    def first_of_its_file(self) -> bool:
        """Each input file gives exactly one row with face_index 0 (or none), or one failure row."""
        return bool(self.error) or not self.face_index


@dataclass
class ResultSet:
    """What one RESULTS argument holds: its kind, the files read and, for folders, their own documents."""

    source: str
    kind: str
    files: list[str]
    document: dict | None = None
    not_read: list[str] = field(default_factory=list)  # a folder's files that are not results (named on the page)


def _number(value) -> float | None:
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if np.isfinite(number) else None


def _words(value, separator: str) -> list[str]:
    if value is None or value == "":
        return []
    if isinstance(value, (list, tuple, np.ndarray)):
        return [str(v) for v in value]
    return [part.strip() for part in str(value).split(separator) if part.strip()]


def row_from_dict(values: dict, origin: str = "") -> ResultRow:
    """A `ResultRow` from a score/Beam row (strings or typed values) or a Beam failure record."""
    values = dict(values)
    error, message = str(values.pop("error", "") or ""), str(values.pop("message", "") or "")
    stage = str(values.pop("stage", "") or "")
    if error and not message and ": " in error:  # score rows: "cause: detail"
        error, message = error.split(": ", 1)
    box = tuple(_number(values.pop(name, None)) for name in BOX_COLUMNS)
    landmarks = values.pop("landmarks", None)
    if isinstance(landmarks, str):
        landmarks = [float(v) for v in landmarks.split()] if landmarks.strip() else None
    if landmarks is not None and len(landmarks) == 10:
        landmarks = np.asarray(landmarks, np.float64).reshape(5, 2)
    else:
        landmarks = None
    face_index = _number(values.pop("face_index", None))
    return ResultRow(
        path=str(values.pop("path", "") or ""),
        quality=_number(values.pop("quality", None)),
        quality_score=_number(values.pop("quality_score", None)),
        face_index=None if face_index is None else int(face_index),
        detection_score=_number(values.pop("detection_score", None)),
        box=None if None in box else box,
        landmarks=landmarks,
        reasons=_words(values.pop("reasons", None), " "),
        instructions=_words(values.pop("instructions", None), ";"),
        warning=str(values.pop("warning", "") or ""),
        error=error,
        message=message,
        stage=stage,
        columns=values,
        origin=origin,
    )


def _csv_rows(path: str) -> Iterator[dict]:
    with paths.open_file(path, "rb") as handle:
        yield from csv.DictReader(io.TextIOWrapper(handle, encoding="utf-8", newline=""))


def _jsonl_rows(path: str) -> Iterator[dict]:
    with paths.open_file(path, "rb") as handle:
        for number, line in enumerate(io.TextIOWrapper(handle, encoding="utf-8"), 1):
            if line.strip():
                try:
                    yield json.loads(line)
                except ValueError as error:
                    raise ValueError(f"{path}: line {number} is not JSON ({error})") from None


def _parquet_rows(path: str) -> Iterator[dict]:
    try:
        import pyarrow.parquet as pq
    except ImportError:
        raise ValueError(f"{path}: reading Parquet needs pyarrow (pip install 'crfiqa-tf[beam]')") from None
    with paths.open_file(path, "rb") as handle:
        table = pq.ParquetFile(handle)
        wanted = [name for name in table.schema_arrow.names if name not in ("embedding", "components")]
        for batch in table.iter_batches(batch_size=PARQUET_BATCH_ROWS, columns=wanted):
            yield from batch.to_pylist()


def rows_of_file(path: str) -> Iterator[ResultRow]:
    """The rows of one results file, by its name: ``.parquet``, ``.jsonl``, else CSV."""
    name = path.lower()
    reader = _parquet_rows if name.endswith(".parquet") else _jsonl_rows if name.endswith(".jsonl") else _csv_rows
    try:
        for values in reader(path):
            yield row_from_dict(values, origin=path)
    except (UnicodeDecodeError, csv.Error) as error:
        raise ValueError(f"{path}: not a results file ({error})") from None


def _files_of(source: str) -> list[str]:
    """A file, a glob, or a Beam output prefix (``PREFIX-*``) → its files, sorted."""
    if any(c in source for c in "*?["):
        return sorted(paths.glob(source))
    if paths.isfile(source):
        return [source]
    return sorted(paths.glob(source + "-*"))


def open_results(source: str) -> ResultSet:
    """What `source` holds; ValueError naming it when it holds no result this report reads."""
    if paths.isdir(source):
        for name, kind in (("best_shots.json", "best_shots"), ("evaluation.json", "evaluate")):
            document_path = paths.join(source, name)
            if paths.exists(document_path):
                return ResultSet(source, kind, [document_path], json.loads(paths.read_text(document_path)))
        every = paths.walk_files(source)  # a folder of shards
        found = [f for f in every if f.lower().endswith(RESULT_SUFFIXES)]
        if not found:
            raise ValueError(
                f"{source}: no results in this folder (a score CSV/JSONL, Beam shards, best_shots.json or "
                "evaluation.json)"
            )
        return ResultSet(source, "beam", sorted(found), not_read=sorted(set(every) - set(found)))
    files = _files_of(source)
    if not files:
        raise ValueError(f"{source}: no such file, folder, glob or Beam output prefix")
    kind = "beam" if len(files) > 1 or files[0] != source else "score"
    return ResultSet(source, kind, files)


def is_failures_file(path: str) -> bool:
    return "-failures-" in posixpath.basename(path)
