"""`crfiqa-tf score`: images or folders (local or remote) → one CSV row per face, or per input without `align`,
from any `Scorer` (`crfiqa_tf.load_scorer` picks one by the model path).

Every file of a folder is an input (`crfiqa_tf.image_io.folder_files`: hidden ones excepted); one that does not
decode as an image is a row with its error (``not_an_image: ...``, ``empty: ...``, ``corrupt: ...``).

Rows have the same columns whatever the options: with ``--align`` the face's index, detection score, box and five
landmarks are filled; without it `warning` says when an input was not the model's size and was stretched. With
``--components`` the rows gain one column per quality component (raw value, and its 0–100 value in ``<name>_value``)
and the ``reasons``, ``instructions`` and ``component_notes`` columns
(`crfiqa_tf.components.component_columns.FLAT_COLUMNS`).
"""

from __future__ import annotations

import csv
import dataclasses
from collections.abc import Iterable, Iterator

from tqdm import tqdm

from crfiqa_tf.components.component_columns import FLAT_COLUMNS
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.image_io import list_inputs
from crfiqa_tf.inference.base import Scorer
from crfiqa_tf.output_rows import SCORE_COLUMNS, score_row


def score_batches(
    paths: list[str],
    scorer: Scorer,
    options: FaceOptions | None = None,
    batch_size: int = 32,
    progress: bool = True,
    total: int | None = None,
) -> Iterator[list[dict]]:
    """The rows of `paths` scored under `options` (`FaceOptions`; default: aligned inputs; its calibration and
    precision must be those `scorer` was loaded with, else ValueError), one batch of inputs at a time (every row
    of an input in the same batch), in input order: what `crfiqa-tf score` writes as it goes, holding one batch in
    memory. `total` is the number of inputs of the whole run, for the progress bar of a
    resumed one."""
    options = options or FaceOptions()
    loaded_with = getattr(scorer, "precision", "float32")
    if options.calibration is not None and getattr(scorer, "calibration", None) is None:
        raise ValueError(f"calibration {options.calibration}: the scorer was loaded without it (load_scorer)")
    if options.precision != loaded_with:
        raise ValueError(f"precision {options.precision}: the scorer was loaded for {loaded_with} (load_scorer)")
    # the scorer applies the calibration and precision it was loaded with; each call takes the face options
    options = dataclasses.replace(options, calibration=None, precision="float32")
    if options.components and not isinstance(options.profile, list):  # read once for the run, not once a batch
        from crfiqa_tf.components import load_profile

        options = dataclasses.replace(options, profile=load_profile(options.profile))
    description = "aligning and scoring" if options.align else "scoring"
    bar = tqdm(total=total or len(paths), desc=description, unit="file", disable=not progress)
    bar.update((total or len(paths)) - len(paths))
    try:
        for start in range(0, len(paths), batch_size):
            chunk = paths[start : start + batch_size]
            yield [score_row(record) for record in scorer.score(chunk, batch_size, options=options)]
            bar.update(len(chunk))
    finally:
        bar.close()


def score_files(inputs: Iterable[str], scorer: Scorer, options: FaceOptions | None = None, **batching) -> list[dict]:
    """Every row of `inputs` (files or folders, `crfiqa_tf.image_io.list_inputs`) in one list; `options` and
    `batching` (``batch_size``, ``progress``) as `score_batches`."""
    return [row for rows in score_batches(list_inputs(inputs), scorer, options, **batching) for row in rows]


class Totals:
    """The closing line's counts, kept as running totals over batches (a file's rows all come in one batch)."""

    def __init__(self):
        self.files = self.scored = self.faces = self.failed = self.warned = 0

    def add(self, rows: list[dict]) -> Totals:
        files: dict[str, list[dict]] = {}
        for row in rows:
            files.setdefault(row["path"], []).append(row)
        self.files += len(files)
        self.scored += sum(1 for group in files.values() if any(not r["error"] for r in group))
        self.faces += sum(1 for row in rows if not row["error"])
        self.failed += sum(1 for group in files.values() if all(r["error"] for r in group))
        self.warned += sum(1 for group in files.values() if any(r["warning"] for r in group))
        return self

    def line(self) -> str:
        """``N files: S scored (F faces), E with an error, W with a warning`` (a file is scored when at least one
        of its rows has a quality; with ``--faces all`` a file gives a row per face; a file with an error has
        exactly one row)."""
        return (
            f"{self.files} files: {self.scored} scored ({self.faces} faces), {self.failed} with an error, "
            f"{self.warned} with a warning"
        )


def summary_line(rows: list[dict]) -> str:
    """`Totals.line` over `rows`."""
    return Totals().add(rows).line()


def write_rows(rows: list[dict], handle, components: bool = False) -> None:
    """CSV of `rows`; with `components` the component columns follow the fixed ones (empty on error rows)."""
    writer = csv.DictWriter(handle, SCORE_COLUMNS + (FLAT_COLUMNS if components else ()), restval="")
    writer.writeheader()
    writer.writerows(rows)
