"""`crfiqa-tf score`: images or folders (local or remote) → one CSV row per face, or per input without `align`,
from any `Scorer` (`crfiqa_tf.load_scorer` picks one by the model path).

Every file of a folder is an input (`crfiqa_tf.image_io.folder_files`: hidden ones excepted); one that does not
decode as an image is a row with its error (``not_an_image: ...``, ``empty: ...``, ``corrupt: ...``).

Rows have the same columns whatever the options: with ``--align`` the face's index, detection score, box and five
landmarks are filled; without it `warning` says when an input was not the model's size and was stretched. With
``--components`` the rows gain one column per quality component (raw value, and its 0–100 value in ``<name>_value``)
and the ``reasons``, ``instructions`` and ``component_notes`` columns (`crfiqa_tf.components.rows.FLAT_COLUMNS`).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable

from tqdm import tqdm

from crfiqa_tf.align.detection import DEFAULT_DETECTOR
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.components.rows import FLAT_COLUMNS, flat
from crfiqa_tf.image_io import list_inputs
from crfiqa_tf.inference.base import Scorer, ScoreRecord

BOX_COLUMNS = ("box_x0", "box_y0", "box_x1", "box_y1")
TEXT_COLUMNS = ("reasons", "instructions", "component_notes")
COLUMNS = (
    "path",
    "face_index",
    "quality",
    "quality_score",
    "detection_score",
    *BOX_COLUMNS,
    "landmarks",
    "warning",
    "error",
)


def number(value, digits: int) -> str:
    return "" if value is None else f"{value:.{digits}f}"


def record_row(record: ScoreRecord) -> dict:
    """A CSV row: numbers as text, absent values empty; landmarks as ten space-separated numbers ``x y`` in
    template order (image-left eye, image-right eye, nose tip, image-left mouth corner, image-right mouth corner).
    A record with components adds their flat columns (raw to 4 significant digits, values as integers)."""

    row = {
        "path": record.source,
        "face_index": "" if record.error else (record.face_index or 0),
        "quality": number(record.quality, 6),
        "quality_score": number(record.quality_score, 2),
        "detection_score": number(record.detection_score, 4),
        "landmarks": "" if record.landmarks is None else " ".join(f"{v:.1f}" for v in record.landmarks.reshape(-1)),
        "warning": record.warning or "",
        "error": record.error or "",
    }
    row.update({name: number(None if record.box is None else record.box[i], 1) for i, name in enumerate(BOX_COLUMNS)})
    if record.components is not None:
        for name, value in flat(record.components, record.reasons).items():
            if name.endswith("_value") or name in TEXT_COLUMNS:
                row[name] = "" if value is None else str(value)
            else:
                row[name] = "" if value is None else f"{value:.4g}"
    return row


def score_files(
    inputs: Iterable[str],
    scorer: Scorer,
    align: bool = False,
    batch_size: int = 32,
    policy: str = "largest",
    detector: str = DEFAULT_DETECTOR,
    progress: bool = True,
    components: bool = False,
    profile: str | None = None,
    min_face: float | None = DEFAULT_MIN_FACE,
) -> list[dict]:
    paths = list_inputs(inputs)
    rows = []
    description = "aligning and scoring" if align else "scoring"
    for start in tqdm(range(0, len(paths), batch_size), desc=description, unit="batch", disable=not progress):
        chunk = paths[start : start + batch_size]
        records = scorer.score(
            chunk,
            batch_size,
            align=align,
            faces=policy,
            detector=detector,
            components=components,
            profile=profile,
            min_face=min_face,
        )
        rows += [record_row(record) for record in records]
    return rows


def summary_line(rows: list[dict]) -> str:
    """The closing line over every input file: ``N files: S scored (F faces), E with an error, W with a warning``
    (a file is scored when at least one of its rows has a quality; with ``--faces all`` a file gives a row per
    face; a file with an error has exactly one row)."""
    files: dict[str, list[dict]] = {}
    for row in rows:
        files.setdefault(row["path"], []).append(row)
    scored = sum(1 for group in files.values() if any(not r["error"] for r in group))
    faces = sum(1 for row in rows if not row["error"])
    failed = sum(1 for group in files.values() if all(r["error"] for r in group))
    warned = sum(1 for group in files.values() if any(r["warning"] for r in group))
    return f"{len(files)} files: {scored} scored ({faces} faces), {failed} with an error, {warned} with a warning"


def write_rows(rows: list[dict], handle, components: bool = False) -> None:
    """CSV of `rows`; with `components` the component columns follow the fixed ones (empty on error rows)."""
    writer = csv.DictWriter(handle, COLUMNS + (FLAT_COLUMNS if components else ()), restval="")
    writer.writeheader()
    writer.writerows(rows)
