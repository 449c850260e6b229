"""A cross-quality copy of a labelled folder: a seeded share of its photos degraded by the package's own
degradations (`crfiqa_tf.data.synthetic.apply_degradation`: blur, noise, downscale, occlusion, low contrast, JPEG),
the rest copied as they are — as XQLFW was made from LFW — with the degradation of every photo recorded in
``.degradations.csv`` (``path,kind,severity``; an untouched photo has kind ``none``). For evaluation on mixed quality
and for augmentation."""

from __future__ import annotations

import csv
import io

import numpy as np

from crfiqa_tf import paths
from crfiqa_tf.data.folders import folder_items
from crfiqa_tf.data.synthetic import DEGRADATIONS, apply_degradation, encode_jpeg
from crfiqa_tf.image_io import ImageReadError, open_image, read_bytes

MANIFEST = ".degradations.csv"  # hidden: a conversion of the copy skips it without listing it


def make_cross_quality_copy(
    source: str,
    target: str,
    fraction: float = 0.25,
    seed: int = 0,
    severity: tuple[float, float] = (0.25, 1.0),
    kinds: tuple[str, ...] = DEGRADATIONS,
) -> dict:
    """Copies ``source/<identity>/<photos>`` to `target`, degrading `fraction` of the photos (chosen with `seed`,
    each with a kind drawn from `kinds` and a severity uniform in `severity`). A degraded photo is written as JPEG
    (``.jpg`` replaces its extension) at the quality its degradation gives; every other file is copied as it is
    (a chosen file that is not an image too, and listed in ``skipped``). Returns ``{"files", "degraded",
    "skipped"}`` and writes the manifest (one row per file written)."""
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must be in [0, 1], got {fraction}")
    low, high = severity
    if not 0.0 <= low <= high <= 1.0:
        raise ValueError(f"severity must be a range within [0, 1], got {severity}")
    unknown = sorted(set(kinds) - set(DEGRADATIONS))
    if unknown or not kinds:
        raise ValueError(f"unknown degradation kinds {unknown}; known: {', '.join(DEGRADATIONS)}")
    skipped: list[dict] = []
    items = folder_items(source, skipped)
    rng = np.random.default_rng(seed)
    chosen = set(rng.choice(len(items), size=int(round(fraction * len(items))), replace=False).tolist())
    rows, degraded = [], 0
    for index, (path, relative, _) in enumerate(items):
        data = read_bytes(path)
        try:
            image = open_image(data, relative) if index in chosen else None
        except ImageReadError as error:  # never degraded; copied as it is, so that the copy holds every file
            skipped.append({"source_id": relative, "reason": error.cause, "detail": error.detail})
            image = None
        if image is None:
            paths.makedirs(paths.dirname(paths.join(target, relative)))
            paths.write_bytes(paths.join(target, relative), data)
            rows.append((relative, "none", ""))
            continue
        photo_rng = np.random.default_rng([seed, index])  # each photo's draw independent of the others
        kind = kinds[int(photo_rng.integers(len(kinds)))]
        level = float(photo_rng.uniform(low, high))
        image, quality = apply_degradation(image, kind, level, photo_rng)
        name = relative.rsplit(".", 1)[0] + ".jpg" if "." in relative.rsplit("/", 1)[-1] else relative + ".jpg"
        paths.makedirs(paths.dirname(paths.join(target, name)))
        paths.write_bytes(paths.join(target, name), encode_jpeg(image, quality))
        rows.append((name, kind, f"{level:.4f}"))
        degraded += 1
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(("path", "kind", "severity"))
    writer.writerows(rows)
    paths.write_text(paths.join(target, MANIFEST), buffer.getvalue())
    return {"files": len(rows), "degraded": degraded, "skipped": skipped}
