"""Images/s of an iResNet-50 CR-FIQA training step at 112×112 on this machine: Keras fp32 and mixed bfloat16,
next to a PyTorch reference loop (same architecture, batch, SGD, ArcFace-style margin head, loss) measured in the
same run on the CPU. Goal: Keras ≥ 1.0× the PyTorch figure."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keras_images_per_second(policy: str, batch: int, steps: int) -> float:
    import keras

    from crfiqa_tf.models.step_timing import time_training_step

    keras.mixed_precision.set_global_policy(policy)
    return time_training_step(depth=50, batch=batch, steps=steps, warmup_steps=2)["images_per_second"]


def torch_images_per_second(batch: int, steps: int) -> float:
    import torch
    import torch.nn.functional as F

    from benchmarks.torch_reference import IResNet

    torch.manual_seed(0)
    backbone = IResNet(50, dropout=0.4)
    centres = torch.nn.Parameter(torch.randn(512, 1000) * 0.01)
    optimizer = torch.optim.SGD([*backbone.parameters(), centres], lr=0.01, momentum=0.9, weight_decay=5e-4)
    images = torch.rand(batch, 3, 112, 112) * 2 - 1
    labels = torch.randint(0, 1000, (batch,))

    def step():
        embedding, quality = backbone(images)
        cos = F.normalize(embedding) @ F.normalize(centres, dim=0)
        cos = cos.clamp(-1, 1)
        target = cos.gather(1, labels[:, None])
        theta = torch.acos(target.clamp(-1 + 1e-7, 1 - 1e-7))
        logits = 64 * cos.scatter(1, labels[:, None], torch.cos(theta + 0.5))
        masked = cos.detach().scatter(1, labels[:, None], -2.0)
        cr = target.detach() / (masked.max(1, keepdim=True).values + 1 + 1e-9)
        loss = F.cross_entropy(logits, labels) + 10 * F.smooth_l1_loss(quality, cr, beta=0.5)
        optimizer.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(backbone.parameters(), 5)
        optimizer.step()

    backbone.train()
    step()
    step()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    return steps * batch / (time.perf_counter() - start)


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--only", choices=["float32", "mixed_bfloat16", "torch"])
    args = parser.parse_args()
    if args.only:  # one measurement per process: the Keras policy is global and the two runtimes share cores
        value = (
            torch_images_per_second if args.only == "torch" else lambda b, s: keras_images_per_second(args.only, b, s)
        )(args.batch, args.steps)
        print(f"RESULT {value}")
        return {}
    from benchmarks.common import report

    results = {}
    for what in ("torch", "float32", "mixed_bfloat16"):
        out = subprocess.run(
            [
                sys.executable,
                "-m",
                "benchmarks.train_throughput",
                "--only",
                what,
                "--batch",
                str(args.batch),
                "--steps",
                str(args.steps),
            ],
            capture_output=True,
            text=True,
            check=True,
            cwd=ROOT,
        ).stdout
        results[what] = float(out.strip().splitlines()[-1].split()[1])
    rows = [
        {
            "what": f"PyTorch {__import__('torch').__version__} CPU eager, fp32",
            "batch": args.batch,
            "images_per_s": results["torch"],
            "vs_torch": 1.0,
        },
        {
            "what": "Keras/TF fp32",
            "batch": args.batch,
            "images_per_s": results["float32"],
            "vs_torch": results["float32"] / results["torch"],
        },
        {
            "what": "Keras/TF mixed_bfloat16",
            "batch": args.batch,
            "images_per_s": results["mixed_bfloat16"],
            "vs_torch": results["mixed_bfloat16"] / results["torch"],
        },
    ]
    return report("train_throughput", rows, {"goal": "Keras >= 1.0x PyTorch", "gpu": "none on this machine"})


if __name__ == "__main__":
    main()
