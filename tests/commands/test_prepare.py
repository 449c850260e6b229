"""crfiqa_tf.data.prepare and `crfiqa-tf prepare`: shards from an image folder and from an insightface .rec/.idx pair,
written to ram:// (the stand-in for gs://) with no local folder left behind."""

import io
import os

import numpy as np
import tensorflow as tf
from PIL import Image

from crfiqa_tf.cli import main
from crfiqa_tf.data.recordio import pack_header, write_record
from crfiqa_tf.data.schema import read_dataset_info


def _png(value):
    buffer = io.BytesIO()
    Image.fromarray(np.full((16, 16, 3), value, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


def test_prepare_from_folder_and_rec_write_to_ram_and_leave_no_local_folder(tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    for identity in ("alice", "bob"):
        tf.io.gfile.makedirs(f"ram://in/folder/{identity}")
        for index in range(3):
            with tf.io.gfile.GFile(f"ram://in/folder/{identity}/{index}.png", "wb") as handle:
                handle.write(_png(40 * index))
    with tf.io.gfile.GFile("ram://in/folder/bob/broken.png", "wb") as handle:
        handle.write(b"not an image")
    assert (
        main(["prepare", "--from-folder", "ram://in/folder", "--out", "ram://bucket/folder_data", "--shards", "2"]) == 0
    )
    info = read_dataset_info("ram://bucket/folder_data")
    assert info["num_images"] == 6 and info["num_classes"] == 2 and info["skipped"][0]["source_id"] == "bob/broken.png"
    assert len(tf.io.gfile.glob("ram://bucket/folder_data/train-*.tfrecord")) == 2
    assert "6 images of 2 identities in 2 shards at ram://bucket/folder_data" in capsys.readouterr().out

    rec, offsets = io.BytesIO(), []
    for key in range(4):
        offsets.append(rec.tell())
        write_record(rec, pack_header(float(key % 2), key) + _png(60 * key))
    for name, data in (
        ("train.rec", rec.getvalue()),
        ("train.idx", "".join(f"{k}\t{o}\n" for k, o in enumerate(offsets)).encode()),
        ("property", b"2,112,112"),
    ):
        with tf.io.gfile.GFile(f"ram://in/rec/{name}", "wb") as handle:
            handle.write(data)
    assert main(["prepare", "--from-rec", "ram://in/rec", "--out", "ram://bucket/rec_data", "--shards", "1"]) == 0
    assert read_dataset_info("ram://bucket/rec_data")["num_images"] == 4
    assert main(["prepare", "--from-rec", "ram://in/rec", "--out", "ram://bucket/rec_data", "--shards", "2"]) == 0
    assert len(tf.io.gfile.glob("ram://bucket/rec_data/train-*.tfrecord")) == 2  # re-run replaced, not added
    assert not tf.io.gfile.exists("ram://bucket/.rec_data.partial")
    assert os.listdir(tmp_path) == []  # nothing written to a local folder named "ram:"
