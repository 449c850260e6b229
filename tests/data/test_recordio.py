import io
import struct

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image

from crfiqa_tf.data import schema
from crfiqa_tf.data.prepare import prepare_from_rec
from crfiqa_tf.data.recordio import MAGIC, RecordIOError, RecordIOReader, pack_header, write_record


def _jpeg(seed):
    array = np.random.default_rng(seed).integers(0, 256, (16, 16, 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array).save(buffer, format="JPEG")
    return buffer.getvalue()


def _write_rec(folder, records):
    """records: list of (key, payload); writes train.rec/train.idx."""
    with open(folder / "train.rec", "wb") as rec, open(folder / "train.idx", "w") as idx:
        for key, payload in records:
            idx.write(f"{key}\t{rec.tell()}\n")
            write_record(rec, payload)


def _read_shards(out):
    records = []
    for path in sorted(out.glob("train-*.tfrecord")):
        for raw in tf.data.TFRecordDataset(str(path)):
            records.append(tf.io.parse_single_example(raw, schema.feature_spec()))
    return records


def test_insightface_layout_with_header_and_identity_records(tmp_path):
    images = {1: (_jpeg(1), 7.0), 2: (_jpeg(2), 7.0), 3: (_jpeg(3), 11.0)}
    records = [(0, pack_header([4.0, 6.0], 0, 0))]
    records += [(k, pack_header(label, k) + data) for k, (data, label) in images.items()]
    records += [(4, pack_header([1.0, 3.0])), (5, pack_header([3.0, 4.0]))]  # identity records: not images
    _write_rec(tmp_path, records)
    (tmp_path / "property").write_text("2,112,112")
    info = prepare_from_rec(str(tmp_path), str(tmp_path / "out"), shards=2)
    assert info["num_images"] == 3 and info["num_classes"] == 2 and info["declared_num_classes"] == 2
    parsed = sorted(_read_shards(tmp_path / "out"), key=lambda r: int(r[schema.SOURCE_ID].numpy()))
    for record, (_, (data, label)) in zip(parsed, sorted(images.items())):
        assert record[schema.IMAGE_ENCODED].numpy() == data  # bytes round-trip exactly
        assert int(record[schema.LABEL]) == {7: 0, 11: 1}[int(label)]
        assert record[schema.IMAGE_FORMAT].numpy() == b"jpeg"


def test_no_header_every_key_is_an_image_with_multi_float_labels(tmp_path):
    data = [_jpeg(i) for i in range(3)]
    _write_rec(tmp_path, [(i, pack_header([float(i), 0.5, 0.25]) + d) for i, d in enumerate(data)])
    with RecordIOReader(str(tmp_path / "train.idx"), str(tmp_path / "train.rec")) as reader:
        assert reader.image_keys() == [0, 1, 2]
        got = list(reader.iter_images())
    assert [(k, label, img) for k, label, img in got] == [(i, i, d) for i, d in enumerate(data)]


def test_record_split_at_magic_is_rejoined(tmp_path):
    magic = struct.pack("<I", MAGIC)
    payload = pack_header(5.0) + _jpeg(9)[:20] + magic + b"middle" + magic + b"tail-bytes"
    _write_rec(tmp_path, [(0, payload)])
    raw = (tmp_path / "train.rec").read_bytes()
    flags = []
    offset = 0
    while offset < len(raw):
        _, lrec = struct.unpack_from("<II", raw, offset)
        flags.append(lrec >> 29)
        length = lrec & ((1 << 29) - 1)
        offset += 8 + length + (4 - length % 4) % 4
    assert flags == [1, 2, 3]
    with RecordIOReader(str(tmp_path / "train.idx"), str(tmp_path / "train.rec")) as reader:
        header, body = reader.read(0)
    assert header.label == (5.0,)
    assert pack_header(5.0) + body == payload


def test_bad_magic_names_the_key(tmp_path):
    _write_rec(tmp_path, [(0, pack_header(1.0) + _jpeg(0))])
    raw = bytearray((tmp_path / "train.rec").read_bytes())
    raw[0] ^= 0xFF
    (tmp_path / "train.rec").write_bytes(bytes(raw))
    with RecordIOReader(str(tmp_path / "train.idx"), str(tmp_path / "train.rec")) as reader:
        with pytest.raises(RecordIOError, match="key 0: bad magic"):
            reader.read(0)
