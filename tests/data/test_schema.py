"""crfiqa_tf.data.schema, the TFRecord contract: shard names the pattern finds, the image format from its magic
bytes, an example written and parsed back (in a graph and outside one), and the dataset info's version checked."""

import fnmatch
import json

import pytest
import tensorflow as tf

from crfiqa_tf import paths
from crfiqa_tf.data import schema

JPEG, PNG = b"\xff\xd8\xff\xe0rest", b"\x89PNG\r\n\x1a\nrest"


def test_shard_names_match_the_pattern_in_order():
    names = [schema.shard_name(i, 12) for i in range(12)]
    assert names[0] == "train-00000-of-00012.tfrecord" and names == sorted(names)
    assert all(fnmatch.fnmatch(name, schema.SHARD_PATTERN) for name in names)


def test_image_format_from_magic_bytes():
    assert schema.image_format(JPEG) == "jpeg" and schema.image_format(PNG) == "png"
    assert schema.image_format(b"GIF89a") == "" and schema.image_format(b"") == ""


def test_an_example_round_trips_in_a_graph_and_outside_one():
    raw = schema.make_example(PNG, 7, "id/0001.png", degradation=0.25)
    parsed = tf.io.parse_single_example(raw, schema.feature_spec())
    assert parsed[schema.IMAGE_ENCODED].numpy() == PNG and parsed[schema.IMAGE_FORMAT].numpy() == b"png"
    assert int(parsed[schema.LABEL]) == 7 and parsed[schema.SOURCE_ID].numpy() == b"id/0001.png"
    assert float(parsed[schema.DEGRADATION]) == pytest.approx(0.25)
    plain = tf.io.parse_single_example(schema.make_example(JPEG, 0, "a"), schema.feature_spec())
    assert float(plain[schema.DEGRADATION]) == -1.0  # absent outside the synthetic set
    assert schema.parse_example_bytes(raw) == ("id/0001.png", PNG)


@pytest.mark.parametrize("root", ["local", "ram://schema-test"])
def test_dataset_info_round_trip_and_version_check(root, tmp_path):
    folder = str(tmp_path) if root == "local" else root
    paths.makedirs(folder)
    path = schema.write_dataset_info(folder, {"num_classes": 3})
    assert schema.read_dataset_info(folder) == {"schema_version": schema.SCHEMA_VERSION, "num_classes": 3}
    paths.write_text(path, json.dumps({"schema_version": 99}))
    with pytest.raises(ValueError, match="schema_version 99 is not 1"):
        schema.read_dataset_info(folder)
    paths.remove(path)
    with pytest.raises(FileNotFoundError, match="dataset_info.json not found: is .* a folder written by"):
        schema.read_dataset_info(folder)
