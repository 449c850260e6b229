"""crfiqa_tf.commands.convert_torch (`crfiqa-tf convert-torch`): official iResNet weights (a PyTorch state dict
written here) converted to a model folder."""

import torch

from crfiqa_tf.cli import main


def test_convert_torch_command_for_iresnet34(tmp_path, capsys):
    from benchmarks.torch_reference import IResNet as TorchIResNet

    torch.manual_seed(0)
    torch.save(TorchIResNet(34).eval().state_dict(), tmp_path / "r34.pth")
    out = tmp_path / "converted"
    assert main(["convert-torch", str(tmp_path / "r34.pth"), "--arch", "iresnet34", "--out", str(out)]) == 0
    assert (out / "inference.keras").exists() and "next: crfiqa-tf export" in capsys.readouterr().out
