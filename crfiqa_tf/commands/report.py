"""`crfiqa-tf report RESULTS... --out report.html`: a review page of scored results, in the browser, offline."""

from __future__ import annotations

import argparse

EXAMPLE = "crfiqa-tf report scores.csv --calibration calibration.json --out report.html"


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "report", help="an offline HTML review page of score / score-gallery / best-shots / evaluate results"
    )
    parser.add_argument(
        "results",
        nargs="+",
        help="score CSV/JSONL, Beam output prefix or shards (Parquet, CSV, JSONL, failures), a best-shots or "
        "evaluate folder; local or remote",
    )
    parser.add_argument("--out", required=True, help="the HTML file to write (self-contained)")
    parser.add_argument("--calibration", help="calibration JSON (crfiqa-tf calibrate): its reject points are drawn")
    parser.add_argument("--group-by", metavar="COLUMN", help="a column of the rows to group by (default: folder)")
    parser.add_argument("--faces", type=int, default=12, help="lowest and highest faces shown with thumbnails (N)")
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf.report import build_report

    try:
        figures = build_report(
            args.results, args.out, calibration=args.calibration, group_by=args.group_by, extremes=args.faces
        )
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf report: {error}") from None
    print(
        f"report: {figures['files']:,} files, {figures['faces']:,} faces, {figures['errors']:,} errors, "
        f"{figures['tracks']:,} tracks; {figures['bytes'] / 1024:.0f} KiB written to {args.out}"
        + (
            f"; {len(figures['not_read'])} files of the results folders are not results, not read"
            if figures["not_read"]
            else ""
        )
    )
    return 0
