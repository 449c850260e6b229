"""Components and reasons as output columns (`crfiqa_tf.components.component_columns`): flat for CSV / JSON Lines,
nested for Parquet, and the one turned into the other."""

import pyarrow as pa

from crfiqa_tf.components import COMPONENTS
from crfiqa_tf.components.component_columns import (
    FLAT_COLUMNS,
    NESTED_COLUMNS,
    flat,
    flatten_nested,
    nested,
    parquet_types,
)
from crfiqa_tf.components.compute import Component
from crfiqa_tf.components.reasons import Reason

COMPONENTS_OF_A_FACE = {name: Component(float(i), i % 101) for i, name in enumerate(COMPONENTS)}
COMPONENTS_OF_A_FACE["natural_colour"] = Component(None, None, "grey_image: the face has no colour to measure")
REASONS = [
    Reason("DARK", "turn on a light", "luminance_mean", 0.01, 3),
    Reason("BLURRED", "hold still", "sharpness", 0.1, 9),
]


def test_flat_columns_raw_value_and_the_notes():
    row = flat(COMPONENTS_OF_A_FACE, REASONS)
    assert tuple(row) == FLAT_COLUMNS
    first = COMPONENTS[0]
    assert (row[first], row[f"{first}_value"]) == (0.0, 0)
    assert (row["natural_colour"], row["natural_colour_value"]) == (None, None)
    assert row["reasons"] == "DARK BLURRED" and row["instructions"] == "turn on a light; hold still"
    assert row["component_notes"] == "natural_colour: grey_image: the face has no colour to measure"


def test_nested_columns_and_back_to_flat():
    row = nested(COMPONENTS_OF_A_FACE, REASONS)
    assert tuple(row) == NESTED_COLUMNS and row["reasons"] == ["DARK", "BLURRED"]
    assert row["instructions"] == ["turn on a light", "hold still"]
    assert row["components"]["natural_colour"] == {
        "raw": None,
        "value": None,
        "note": "grey_image: the face has no colour to measure",
    }
    assert row["components"][COMPONENTS[3]] == {"raw": 3.0, "value": 3, "note": None}
    flattened = flatten_nested({"path": "a.jpg", **row})
    assert flattened == {"path": "a.jpg", **flat(COMPONENTS_OF_A_FACE, REASONS)}


def test_parquet_types_hold_the_nested_row():
    types = parquet_types()
    assert set(types) == set(NESTED_COLUMNS)
    schema = pa.schema([(name, types[name]) for name in NESTED_COLUMNS])
    table = pa.Table.from_pylist([nested(COMPONENTS_OF_A_FACE, REASONS)], schema=schema)
    back = table.to_pylist()[0]
    assert back["components"] == nested(COMPONENTS_OF_A_FACE, REASONS)["components"]  # every field by its name
    assert back["components"]["natural_colour"]["note"].startswith("grey_image")
    assert types["components"].num_fields == len(COMPONENTS) and types["reasons"] == pa.list_(pa.string())
