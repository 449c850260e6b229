"""Time, peak memory and page size of `crfiqa-tf report` over Beam-style Parquet results of 100,000 and 1,000,000
rows: one streaming pass, so memory stays flat and the page does not grow with the rows.

    python -m benchmarks.report_scale

The rows have the columns ``score-gallery --align --format parquet`` writes with components (path, quality,
quality_score, model, warning, face index, detection score, box, reasons, instructions), in 1,000 folders (the
groups), with 1 % failures in a failures file; every path resolves to one of 64 real image files, so the lowest and
highest faces' thumbnails are cut from real sources. Each size runs the command in a fresh process that reports its
own peak resident set size (``ru_maxrss``) when it exits.
"""

from __future__ import annotations

import json
import os
import tempfile

import numpy as np
from PIL import Image

from benchmarks.common import cli_peak_rss, goals_line, markdown_table, report

SIZES = (100_000, 1_000_000)
SHARD_ROWS = 250_000
REASONS = ["FACE_FORWARD", "LOOK_STRAIGHT", "TOO_DARK", "BLURRED", "FACE_TOO_SMALL"]


def write_results(work: str, count: int) -> tuple[str, int]:
    """Parquet shards and a failures file under ``work/scores_<count>``; returns the prefix and the failures."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from crfiqa_tf.data.samples import synthetic_images

    images = os.path.join(work, "images")
    if not os.path.isdir(images):
        os.makedirs(images)
        for index, image in enumerate(synthetic_images(64, 112, seed=3)):
            Image.fromarray(image).save(os.path.join(images, f"{index:02d}.png"))
        for folder in range(1000):  # a group per folder; every path resolves to one of the 64 images
            os.makedirs(os.path.join(images, f"f{folder:03d}"))
    prefix = os.path.join(work, f"scores_{count}")
    rng = np.random.default_rng(count)
    failures = count // 100
    faces = count - failures
    for shard, start in enumerate(range(0, faces, SHARD_ROWS)):
        n = min(SHARD_ROWS, faces - start)
        index = np.arange(start, start + n)
        quality = rng.normal(0.4, 0.1, n)
        reasons = [[REASONS[i % 5]] if i % 3 == 0 else [] for i in index]
        table = pa.table(
            {
                "path": [
                    f"{images}/{i % 64:02d}.png" if i % 997 == 0 else f"gs://b/f{i % 1000:04d}/{i}.jpg" for i in index
                ],
                "quality": quality.astype(np.float32),
                "quality_score": (100 / (1 + np.exp(-(quality - 0.4) / 0.05))).astype(np.float32),
                "model": ["saved_model"] * n,
                "warning": [None] * n,
                "face_index": np.zeros(n, np.int32),
                "detection_score": np.full(n, 0.9, np.float32),
                "box_x0": np.full(n, 10.0, np.float32),
                "box_y0": np.full(n, 10.0, np.float32),
                "box_x1": np.full(n, 100.0, np.float32),
                "box_y1": np.full(n, 100.0, np.float32),
                "reasons": reasons,
                "instructions": [["follow the instruction"] * len(r) for r in reasons],
            }
        )
        pq.write_table(table, f"{prefix}-{shard:05d}-of-99999.parquet")
    failure = json.dumps({"path": "gs://b/x.jpg", "stage": "decode", "error": "corrupt", "message": "truncated"})
    with open(f"{prefix}-failures-00000-of-00001.jsonl", "w", encoding="utf-8") as handle:
        handle.write((failure + "\n") * failures)
    return prefix, failures


def main() -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as work:
        for count in SIZES:
            prefix, failures = write_results(work, count)
            out = os.path.join(work, f"report_{count}.html")
            seconds, peak = cli_peak_rss("report", prefix, "--out", out)
            rows.append(
                {
                    "what": f"report, {count:,} rows (Parquet + failures)",
                    "rows": count,
                    "failures": failures,
                    "seconds": seconds,
                    "rows_per_s": count / seconds,
                    "peak_rss_mib": peak,
                    "page_kib": os.path.getsize(out) / 1024,
                }
            )
    memory = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    size = rows[-1]["page_kib"] / rows[0]["page_kib"]
    extra = {
        f"memory_ratio_{SIZES[-1]}_vs_{SIZES[0]}": memory,
        f"page_size_ratio_{SIZES[-1]}_vs_{SIZES[0]}": size,
        "goals": {
            f"peak memory at {SIZES[-1]:,} rows within 10 % of its peak at {SIZES[0]:,}": memory <= 1.10,
            "page size independent of the row count (within 5 %)": abs(size - 1) <= 0.05,
        },
    }
    return report("report_scale", rows, extra)


MARKER = "REPORT_SCALE"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The docs block (under "Review report")."""
    header = ["rows", "seconds", "rows/s", "peak RSS (MiB)", "page (KiB)"]
    table = [
        [f"{r['rows']:,}", f"{r['seconds']:.1f}", f"{r['rows_per_s']:,.0f}", f"{r['peak_rss_mib']:.0f}",
         f"{r['page_kib']:.0f}"]
        for r in result["rows"]
    ]  # fmt: skip
    intro = (
        f"`python -m benchmarks.report_scale`, {result['machine']}, {result['date']}: `crfiqa-tf report` over "
        "Beam-style Parquet shards (align and reasons columns, 1 % failures), each size in a fresh process."
    )
    rate = result["rows"][-1]["rows_per_s"]
    lines = [
        intro,
        "",
        *markdown_table(header, table),
        "",
        f"At this rate 10,000,000 rows take about {10_000_000 / rate / 60:.0f} min; the page stays the same size "
        "(its parts are fixed: the histogram's bins, N lowest and N highest faces, at most 200 groups and 200 "
        "failures listed), and memory stays flat.",
        "",
        goals_line(result),
    ]
    return "\n".join(lines)


if __name__ == "__main__":
    main()
