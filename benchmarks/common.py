"""Shared benchmark plumbing: the machine description, the result table, the JSON file."""

from __future__ import annotations

import datetime
import json
import os

from crfiqa_tf.environment import describe_machine

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def report(name: str, rows: list[dict], extra: dict | None = None) -> dict:
    """Prints `rows` as a table and writes ``results/<name>.json`` with the machine and the date."""
    result = {
        "benchmark": name,
        "machine": describe_machine(),
        "date": datetime.date.today().isoformat(),
        "rows": rows,
        **(extra or {}),
    }
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(len(c), *(len(_fmt(r.get(c, ""))) for r in rows)) for c in columns}
    print(f"\n{name} — {result['machine']} — {result['date']}")
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(_fmt(row.get(c, "")).ljust(widths[c]) for c in columns))
    for key, value in (extra or {}).items():
        print(f"{key}: {_fmt(value)}")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    return result


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
