"""Where a gallery job's rows and failures go: Parquet (nested components), CSV or JSON Lines (flat components)
under the output prefix, failures to ``PREFIX-failures-*.jsonl``; a re-run with the same prefix replaces them."""

from __future__ import annotations

import json

import apache_beam as beam
from apache_beam.io.filesystems import FileSystems

from crfiqa_tf.components.component_columns import FLAT_COLUMNS, NESTED_COLUMNS, flatten_nested, parquet_types
from crfiqa_tf.output_rows import BEAM_COLUMNS, FACE_COLUMNS
from crfiqa_tf_apps.beam_jobs.gallery_options import GalleryOptions


def output_columns(options: GalleryOptions) -> list[str]:
    """Columns in Parquet order (the nested component columns; CSV and JSON Lines get the flat ones instead)."""
    faces = options.face_options
    columns = list(BEAM_COLUMNS) + (list(FACE_COLUMNS) if faces.align else [])
    columns += list(NESTED_COLUMNS) if faces.components else []
    return columns + (["embedding"] if options.with_embeddings else [])


def _parquet_schema(columns: list[str]):
    import pyarrow as pa

    types = {"path": pa.string(), "model": pa.string(), "warning": pa.string(), "face_index": pa.int32()}
    types.update({name: pa.list_(pa.float32()) for name in ("landmarks", "embedding")})
    if "components" in columns:
        types.update(parquet_types())
    return pa.schema([(name, types.get(name, pa.float32())) for name in columns])


class WriteGallery(beam.PTransform):
    """``{"rows", "failures"}`` (`ScoreGallery`'s output) → the files under ``options.output``."""

    def __init__(self, options: GalleryOptions):
        super().__init__()
        self.options = options

    def expand(self, outputs: dict):
        return write_outputs(outputs, self.options)


def write_outputs(outputs: dict, options: GalleryOptions):
    rows, failures = outputs["rows"], outputs["failures"]
    columns = output_columns(options)
    if options.face_options.components and options.format != "parquet":
        rows = rows | "FlattenComponents" >> beam.Map(flatten_nested)
        columns = [c for c in columns if c not in NESTED_COLUMNS]
        at = len(BEAM_COLUMNS) + len(FACE_COLUMNS)
        columns[at:at] = FLAT_COLUMNS
    if options.format == "parquet":
        rows | "Write" >> beam.io.WriteToParquet(options.output, _parquet_schema(columns), file_name_suffix=".parquet")
    elif options.format == "csv":
        (
            rows
            | "ToCsv" >> beam.Map(lambda r: ",".join(_csv_cell(r.get(c, "")) for c in columns))
            | "Write" >> beam.io.WriteToText(options.output, file_name_suffix=".csv", header=",".join(columns))
        )
    else:
        (
            rows
            | "ToJson" >> beam.Map(json.dumps)
            | "Write" >> beam.io.WriteToText(options.output, file_name_suffix=".jsonl")
        )
    return (
        failures
        | "FailuresToJson" >> beam.Map(json.dumps)
        | "WriteFailures" >> beam.io.WriteToText(f"{options.output}-failures", file_name_suffix=".jsonl")
    )


def _csv_cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, list):
        return '"' + " ".join(f"{v:.6f}" for v in value) + '"'
    text = str(value)
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n') else text


def clear_previous_outputs(prefix: str) -> int:
    """Deletes files of an earlier run with this prefix, so a re-run replaces rather than adds rows."""
    matches = FileSystems.match([f"{prefix}-*"])[0].metadata_list
    if matches:
        FileSystems.delete([m.path for m in matches])
    return len(matches)
