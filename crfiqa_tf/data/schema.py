"""The TFRecord contract: feature keys of every training shard, and the ``dataset_info.json`` written beside them.

Each record holds the source's encoded image bytes untouched (JPEG or PNG, never re-encoded), the contiguous
class label, and the key it came from, so a bad sample can always be traced back to its source.
"""

from __future__ import annotations

import json

from crfiqa_tf import paths

SCHEMA_VERSION = 1
DATASET_INFO = "dataset_info.json"
SHARD_PATTERN = "train-*-of-*.tfrecord"

IMAGE_ENCODED = "image/encoded"
IMAGE_FORMAT = "image/format"
LABEL = "image/class/label"
SOURCE_ID = "image/source_id"
DEGRADATION = "image/degradation"  # synthetic set only: known degradation severity in [0, 1]


def shard_name(index: int, count: int) -> str:
    return f"train-{index:05d}-of-{count:05d}.tfrecord"


def image_format(data: bytes) -> str:
    """``"jpeg"``, ``"png"`` or ``""`` from the magic bytes."""
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    return ""


def make_example(encoded: bytes, label: int, source_id: str, degradation: float | None = None) -> bytes:
    """One serialized ``tf.train.Example`` following the contract."""
    import tensorflow as tf

    def _bytes(value: bytes):
        return tf.train.Feature(bytes_list=tf.train.BytesList(value=[value]))

    feature = {
        IMAGE_ENCODED: _bytes(encoded),
        IMAGE_FORMAT: _bytes(image_format(encoded).encode()),
        LABEL: tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
        SOURCE_ID: _bytes(source_id.encode("utf-8")),
    }
    if degradation is not None:
        feature[DEGRADATION] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(degradation)]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def feature_spec() -> dict:
    import tensorflow as tf

    return {
        IMAGE_ENCODED: tf.io.FixedLenFeature([], tf.string),
        IMAGE_FORMAT: tf.io.FixedLenFeature([], tf.string, default_value=""),
        LABEL: tf.io.FixedLenFeature([], tf.int64),
        SOURCE_ID: tf.io.FixedLenFeature([], tf.string, default_value=""),
        DEGRADATION: tf.io.FixedLenFeature([], tf.float32, default_value=-1.0),
    }


def write_dataset_info(out_dir: str, info: dict) -> str:
    info = {"schema_version": SCHEMA_VERSION, **info}
    path = paths.join(out_dir, DATASET_INFO)
    paths.write_text(path, json.dumps(info, indent=2))
    return path


def read_dataset_info(data_dir: str) -> dict:
    path = paths.join(data_dir, DATASET_INFO)
    if not paths.exists(path):
        raise FileNotFoundError(f"{path} not found: is {data_dir} a folder written by `crfiqa-tf prepare`/`synth`?")
    info = json.loads(paths.read_text(path))
    if info.get("schema_version") != SCHEMA_VERSION:
        raise ValueError(f"{path}: schema_version {info.get('schema_version')} is not {SCHEMA_VERSION}")
    return info


def parse_example_bytes(raw: bytes) -> tuple[str, bytes]:
    """``(source_id, encoded image)`` of one serialized record, outside a TensorFlow graph (Beam, tools)."""
    from tensorflow.core.example import example_pb2

    features = example_pb2.Example.FromString(raw).features.feature
    source = features[SOURCE_ID].bytes_list.value[0].decode("utf-8") if SOURCE_ID in features else ""
    return source, features[IMAGE_ENCODED].bytes_list.value[0]
