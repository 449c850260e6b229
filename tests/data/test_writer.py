"""crfiqa_tf.data.writer.write_indexed_shards and `crfiqa-tf prepare --resume`: shards written one at a time, each
recorded when complete; a conversion stopped in-process (locally and on TensorFlow's ram://, the stand-in for gs://)
or killed by SIGINT, SIGTERM and SIGKILL continues at its first incomplete shard with every image exactly once."""

import json
import os
import signal

import numpy as np
import pytest
import tensorflow as tf
from PIL import Image
from support.helpers import assert_resumes, cli_argv, stop_when

from crfiqa_tf.data import schema
from crfiqa_tf.data.writer import InterruptedConversion, Sample, shards_done, staging_dir, write_indexed_shards
from crfiqa_tf.interrupts import StopRequest


def source_ids(out_dir):
    ids = []
    for shard in sorted(tf.io.gfile.glob(f"{out_dir}/train-*")):
        for record in tf.data.TFRecordDataset(shard):
            ids.append(schema.parse_example_bytes(record.numpy())[0])
    return ids


def png(value: int) -> bytes:
    import io

    buffer = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), value % 256, np.uint8)).save(buffer, format="PNG")
    return buffer.getvalue()


class StopAfter(StopRequest):
    """A stop request that arrives after `n` items were loaded (as a Ctrl-C would, mid-shard)."""

    def __init__(self, n):
        super().__init__()
        self.n, self.loaded = n, 0

    def load(self, index):
        self.loaded += 1
        if self.loaded >= self.n:
            self.signal = signal.SIGINT
        return {"source_id": f"s{index}", "reason": "corrupt", "detail": "x"} if index % 10 == 9 else (
            Sample(png(index), index % 3, f"s{index}")
        )  # fmt: skip


@pytest.mark.parametrize("root", ["local", "ram"])
def test_a_stopped_conversion_continues_at_its_first_incomplete_shard(tmp_path, root):
    out = str(tmp_path / "data") if root == "local" else "ram://writer_test/data"
    settings = {"source": "s", "shards": 4}
    stopper = StopAfter(25)  # shard 0 holds items 0, 4, ..., 36: 10 items; two shards complete, the third cut
    with pytest.raises(KeyboardInterrupt):
        write_indexed_shards(stopper.load, 40, out, 4, {"num_classes": 3}, settings, stop=stopper)
    assert shards_done(out) == 2 and not tf.io.gfile.exists(f"{out}/dataset_info.json")
    with pytest.raises(InterruptedConversion, match="add --resume to continue it"):
        write_indexed_shards(stopper.load, 40, out, 4, {}, settings)
    with pytest.raises(InterruptedConversion, match=r"shards: 4 then, 5 now"):
        write_indexed_shards(stopper.load, 40, out, 5, {}, {**settings, "shards": 5}, resume=True)
    resumer = StopAfter(10**6)
    info = write_indexed_shards(resumer.load, 40, out, 4, {"num_classes": 3}, settings, resume=True)
    assert resumer.loaded == 20  # the two complete shards were not read again
    ids = source_ids(out)
    assert sorted(ids) == sorted(f"s{i}" for i in range(40) if i % 10 != 9)  # every image once
    assert info["num_images"] == len(ids) == 36 and len(info["skipped"]) == 4
    written = json.loads(tf.io.gfile.GFile(f"{out}/dataset_info.json").read())
    assert written["num_images"] == 36 and not tf.io.gfile.exists(staging_dir(out))


def test_a_finished_conversion_is_replaced_by_a_new_one(tmp_path):
    out = str(tmp_path / "data")
    load = StopAfter(10**6).load
    write_indexed_shards(load, 12, out, 2, {}, {"source": "a"})
    info = write_indexed_shards(load, 6, out, 3, {}, {"source": "b"})
    assert info["num_images"] == 6 and len(source_ids(out)) == 6


@pytest.mark.slow(reason="five prepare processes, ~30 s")
def test_prepare_killed_at_any_point_and_resumed_has_every_image_once(tmp_path):
    root = tmp_path / "faces"
    for identity in range(10):
        (root / f"id{identity}").mkdir(parents=True)
        for i in range(120):
            (root / f"id{identity}" / f"{i:03d}.png").write_bytes(png(identity * 120 + i))
    (root / "id3" / "broken.png").write_bytes(b"\x89PNG not really")
    expected = sorted(f"id{k}/{i:03d}.png" for k in range(10) for i in range(120))
    for sig, status in ((signal.SIGINT, 130), (signal.SIGTERM, 143), (signal.SIGKILL, -9)):
        out = str(tmp_path / f"data_{sig.name}")
        argv = cli_argv("prepare", "--from-folder", str(root), "--out", out, "--shards", "40")
        returncode, _, _ = stop_when(
            argv, lambda out=out: shards_done(out) >= 3, sig
        )  # a few complete, the next in hand
        assert returncode == status
        assert 3 <= shards_done(out) < 40 and not os.path.exists(out)
        assert_resumes(argv, check_refusal=sig == signal.SIGINT)
        assert sorted(source_ids(out)) == expected  # every image exactly once
        info = json.loads(open(f"{out}/dataset_info.json").read())
        assert info["num_images"] == 1200 and [s["source_id"] for s in info["skipped"]] == ["id3/broken.png"]
