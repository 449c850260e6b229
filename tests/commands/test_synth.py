"""crfiqa_tf.commands.synth (`crfiqa-tf synth`): the synthetic identity set as shards and verification pairs."""

import json

from crfiqa_tf.cli import main


def test_synth_writes_shards_and_verification_pairs(tmp_path, capsys):
    out = tmp_path / "synth"
    argv = ["synth", "--out", str(out), "--identities", "4", "--per-identity", "3", "--val-pairs", "10"]
    assert main([*argv, "--shards", "2", "--seed", "3"]) == 0
    info = json.loads((out / "dataset_info.json").read_text())
    assert info["num_images"] == 12 and info["num_classes"] == 4 and info["synthetic"]["seed"] == 3
    assert len(list(out.glob("train-*-of-*.tfrecord"))) == 2 and (out / "verification.bin").exists()
    assert "12 synthetic images of 4 identities" in capsys.readouterr().out
