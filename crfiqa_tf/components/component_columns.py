"""Components and reasons as output columns: flat for CSV and JSON Lines, nested (struct and list) for Parquet."""

from __future__ import annotations

from crfiqa_tf.components.compute import COMPONENTS, Component
from crfiqa_tf.components.reasons import Reason

TEXT_COLUMNS = ("reasons", "instructions", "component_notes")
FLAT_COLUMNS = (*(column for name in COMPONENTS for column in (name, f"{name}_value")), *TEXT_COLUMNS)
NESTED_COLUMNS = ("components", "reasons", "instructions")


def flat(components: dict[str, Component], reasons: list[Reason]) -> dict:
    """``{name: raw, name_value: 0–100, ..., reasons: "CODE CODE", instructions: "...; ...", component_notes}``;
    an empty component has None in both its columns and its note in ``component_notes``."""
    row = {}
    for name in COMPONENTS:
        component = components[name]
        row[name], row[f"{name}_value"] = component.raw, component.value
    row["reasons"] = " ".join(reason.code for reason in reasons)
    row["instructions"] = "; ".join(reason.instruction for reason in reasons)
    row["component_notes"] = "; ".join(
        f"{name}: {components[name].note}" for name in COMPONENTS if components[name].note
    )
    return row


def nested(components: dict[str, Component], reasons: list[Reason]) -> dict:
    """``{"components": {name: {raw, value, note}}, "reasons": [code, ...], "instructions": [text, ...]}``."""
    return {
        "components": {name: components[name].as_dict() for name in COMPONENTS},
        "reasons": [reason.code for reason in reasons],
        "instructions": [reason.instruction for reason in reasons],
    }


def flatten_nested(row: dict) -> dict:
    """A row with nested columns → the same row with `flat`'s columns instead."""
    row = dict(row)
    components = {name: Component(**values) for name, values in row.pop("components").items()}
    codes, instructions = row.pop("reasons"), row.pop("instructions")
    flat_row = flat(components, [])
    flat_row["reasons"], flat_row["instructions"] = " ".join(codes), "; ".join(instructions)
    return {**row, **flat_row}


def parquet_types() -> dict:
    """pyarrow types of the nested columns."""
    import pyarrow as pa

    component = pa.struct([("raw", pa.float64()), ("value", pa.int32()), ("note", pa.string())])
    return {
        "components": pa.struct([(name, component) for name in COMPONENTS]),
        "reasons": pa.list_(pa.string()),
        "instructions": pa.list_(pa.string()),
    }
