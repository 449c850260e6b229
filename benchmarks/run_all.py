"""Runs every benchmark (or, with --table-only, none) and rewrites the generated blocks of docs/BENCHMARKS.md from
the JSON files in benchmarks/results; each row names the machine and the date it was measured on.

Each benchmark owns its part of the page. A module of `BENCHMARKS` may define:

- ``MARKER`` and ``summary(result) -> str``: the block between ``<!-- MARKER -->`` and ``<!-- /MARKER -->``, written
  from its result (``benchmarks/results/NAME.json``);
- ``table_row(row) -> (measurement, result, note)``: how its rows read in the table of every result (default:
  `benchmarks.common.table_row`); ``IN_TABLE = False`` leaves it out of that table.

Adding a benchmark is adding its name to `BENCHMARKS`.
"""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import subprocess
import sys

from benchmarks import common

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = [
    "input_pipeline",
    "train_throughput",
    "method_check",
    "inference",
    "prelu_int8",
    "beam_scoring",
    "detectors",
    "edge",
    "demo_precision",
    "components",
    "best_shots",
    "score_photos",
    "small_faces",
    "score_memory",
    "report_scale",
    "real_faces",
]
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")
TABLE = "BENCHMARKS"  # the table of every result


def module_of(benchmark: str):
    """The module that wrote a result (runs of one benchmark with other settings carry a suffix:
    ``method_check_112px``)."""
    name = max((n for n in BENCHMARKS if benchmark == n or benchmark.startswith(n + "_")), key=len, default=None)
    return None if name is None else importlib.import_module(f"benchmarks.{name}")


def ratios(result: dict) -> list[str]:
    """The run's ratios and goals, once (not repeated on every row)."""
    return [
        f"{k}: {v:.3g}" if isinstance(v, float) else f"{k}: {v}"
        for k, v in result.items()
        if ("_vs_" in k and isinstance(v, float)) or k.startswith(("ratio", "memory_ratio")) or k.endswith("goal")
    ]


def table() -> str:
    lines = ["| benchmark | measurement | result | note | machine, date |", "|---|---|---|---|---|"]
    for path in sorted(glob.glob(os.path.join(common.RESULTS, "*.json"))):
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        module = module_of(result["benchmark"])
        if not getattr(module, "IN_TABLE", True):
            continue
        to_row = getattr(module, "table_row", common.table_row)
        where = f"{result['machine']}, {result['date']}"
        for row in result["rows"]:
            label, value, note = to_row(row)
            lines.append(f"| {result['benchmark']} | {label} | {value} | {note} | {where} |")
        if ratios(result):
            lines.append(f"| {result['benchmark']} | ratios (same run) | | {'; '.join(ratios(result))} | {where} |")
    return "\n".join(lines)


def replace_block(text: str, marker: str, block: str) -> str:
    start, end = f"<!-- {marker} -->", f"<!-- /{marker} -->"
    if start not in text:
        raise SystemExit(f"docs/BENCHMARKS.md has no {start} marker")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else rest
    return head + f"{start}\n\n{block}\n\n{end}" + tail


def rewrite_doc() -> None:
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    # every block is built before the file is opened for writing, so a failure cannot truncate it
    text = replace_block(text, TABLE, table())
    for name in BENCHMARKS:
        module = importlib.import_module(f"benchmarks.{name}")
        if hasattr(module, "MARKER"):
            text = replace_block(text, module.MARKER, module.summary(common.load_result(name)))
    with open(DOC, "w", encoding="utf-8") as handle:
        handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--table-only", action="store_true", help="only rewrite docs/BENCHMARKS.md's blocks")
    args = parser.parse_args()
    if not args.table_only:
        for name in BENCHMARKS:
            subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=True, cwd=ROOT)
    rewrite_doc()


if __name__ == "__main__":
    main()
