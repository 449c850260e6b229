"""Conversion of official-layout PyTorch checkpoints, against a PyTorch iResNet written from the official code."""

import io
import os
import pickle

import numpy as np
import pytest
import torch

from benchmarks.torch_reference import IResNet as TorchIResNet
from crfiqa_tf.convert.torch_weights import CheckpointError, convert_checkpoint, convert_state_dict, load_state_dict


def _randomised(depth, seed=0):
    torch.manual_seed(seed)
    model = TorchIResNet(depth)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, (torch.nn.BatchNorm2d, torch.nn.BatchNorm1d)):
                module.running_mean.uniform_(-0.1, 0.1)
                module.running_var.uniform_(0.5, 1.5)
                module.bias.uniform_(-0.1, 0.1)
                if module is not model.features:
                    module.weight.uniform_(0.5, 1.5)
            if isinstance(module, torch.nn.PReLU):
                module.weight.uniform_(0.1, 0.4)
    return model.eval()


@pytest.mark.slow
@pytest.mark.parametrize("depth", [18, 50])
def test_converted_outputs_equal_pytorch(depth, tmp_path):
    model = _randomised(depth)
    path = tmp_path / "backbone.pth"
    torch.save({f"module.{k}": v for k, v in model.state_dict().items()}, path)  # DataParallel-style keys
    keras_model = convert_state_dict(load_state_dict(str(path)), f"iresnet{depth}")
    images = np.random.default_rng(depth).integers(0, 256, (2, 112, 112, 3), dtype=np.uint8)
    x = (images.astype(np.float32) / 255.0 - 0.5) / 0.5
    with torch.no_grad():
        embedding, quality = model(torch.from_numpy(x.transpose(0, 3, 1, 2).copy()))
    out = keras_model(images)
    torch_embedding = embedding.numpy() / np.linalg.norm(embedding.numpy(), axis=1, keepdims=True)
    np.testing.assert_allclose(out["embedding"], torch_embedding, atol=1e-4)
    np.testing.assert_allclose(out["quality"], quality.numpy()[:, 0], atol=1e-4, rtol=1e-4)


def test_missing_key_and_wrong_shape_are_named(tmp_path):
    state = _randomised(18).state_dict()
    del state["layer2.1.bn1.running_mean"]
    state["fc.bias"] = torch.zeros(7)
    path = tmp_path / "broken.pth"
    torch.save(state, path)
    with pytest.raises(CheckpointError, match=r"missing keys \['layer2.1.bn1.running_mean'\].*fc.bias"):
        convert_state_dict(load_state_dict(str(path)), "iresnet18")


class _Payload:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_checkpoint_that_carries_code_is_refused(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.pth"
    torch.save({"conv1.weight": torch.zeros(1), "payload": _Payload(marker)}, path, pickle_protocol=2)
    with pytest.raises(CheckpointError, match="refused"):
        load_state_dict(str(path))
    assert not marker.exists()
    plain = tmp_path / "plain.pkl"
    plain.write_bytes(pickle.dumps(_Payload(marker)))
    with pytest.raises(CheckpointError, match="refused"):
        load_state_dict(str(plain))
    assert not marker.exists()


@pytest.mark.slow
def test_convert_reads_and_writes_remote_paths_and_gives_the_models_outputs(tmp_path, monkeypatch):
    """The checkpoint and the out folder on ram:// (TensorFlow's in-memory file system, the stand-in for gs://)."""
    import tensorflow as tf

    monkeypatch.chdir(tmp_path)  # a remote path handed to os.* would leave a local "ram:" folder here

    from crfiqa_tf.model_io import load_inference_model

    torch_model = _randomised(18, seed=4)
    buffer = io.BytesIO()
    torch.save(torch_model.state_dict(), buffer)
    remote = "ram://checkpoints/r18.pth"
    with tf.io.gfile.GFile(remote, "wb") as handle:
        handle.write(buffer.getvalue())
    out = convert_checkpoint(remote, "iresnet18", "ram://converted/r18")
    assert out == "ram://converted/r18/inference.keras" and tf.io.gfile.exists(out)
    assert os.listdir(tmp_path) == []
    images = np.random.default_rng(2).integers(0, 256, (2, 112, 112, 3), dtype=np.uint8)
    with torch.no_grad():
        embedding, quality = torch_model(torch.from_numpy(images.transpose(0, 3, 1, 2) / 127.5 - 1.0).float())
    out = load_inference_model("ram://converted/r18")(images)
    np.testing.assert_allclose(out["embedding"], torch.nn.functional.normalize(embedding).numpy(), atol=1e-4)
    np.testing.assert_allclose(out["quality"], quality.numpy()[:, 0], atol=1e-4, rtol=1e-4)
    with pytest.raises(FileNotFoundError, match="checkpoint not found: ram://checkpoints/none.pth"):
        convert_checkpoint("ram://checkpoints/none.pth", "iresnet18", "ram://converted/none")


def test_a_convert_folder_is_accepted_by_evaluate_and_export_refuses_int8_without_representative_faces(tmp_path):
    """The folder `convert-torch --out` writes is a model path for `evaluate` and `export`; a converted model has no
    training data on record, so int8 export without --representative stops before any work, saying what to pass."""
    import io as _io

    from PIL import Image

    from crfiqa_tf.cli import main
    from crfiqa_tf.data.bin_sets import write_bin
    from crfiqa_tf.data.samples import synthetic_images

    path = tmp_path / "r18.pth"
    torch.save(_randomised(18).state_dict(), path)
    convert_checkpoint(str(path), "iresnet18", str(tmp_path / "converted"))
    folder = str(tmp_path / "converted")
    bins = []
    for image in synthetic_images(20, 112, seed=3):
        buffer = _io.BytesIO()
        Image.fromarray(image).save(buffer, "PNG")
        bins.append(buffer.getvalue())
    write_bin(str(tmp_path / "pairs.bin"), bins, [True, False] * 5)  # 10 pairs: the 10 verification folds
    assert (
        main(["evaluate", "--model", folder, "--bin", str(tmp_path / "pairs.bin"), "--out", str(tmp_path / "ev")]) == 0
    )
    assert os.path.exists(tmp_path / "ev" / "pauc.md")
    with pytest.raises(SystemExit, match="int8 export of .*converted needs --representative: a folder of aligned"):
        main(["export", "--model", folder, "--out", str(tmp_path / "export"), "--formats", "tflite"])
    assert not os.path.exists(tmp_path / "export")
