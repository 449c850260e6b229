"""Images/s of an iResNet-50 CR-FIQA training step at 112×112 on this machine, Keras against a PyTorch reference
loop (same architecture, batch, SGD with coupled weight decay, ArcFace margin head, CR loss) in the same run, like
with like: Keras fp32 (plain and XLA-compiled) against PyTorch fp32 eager, Keras mixed_bfloat16 (plain and XLA)
against PyTorch's bfloat16 CPU autocast. Each figure comes from its own process (the Keras dtype policy is global
and the runtimes share the cores). Goals: Keras fp32 ≥ 1.0× PyTorch fp32, Keras bf16 ≥ 1.0× PyTorch bf16."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keras_images_per_second(policy: str, batch: int, steps: int, xla: bool = False) -> float:
    import keras

    from crfiqa_tf.models.step_timing import time_training_step

    keras.mixed_precision.set_global_policy(policy)
    return time_training_step(depth=50, batch=batch, steps=steps, warmup_steps=2, jit_compile=xla)["images_per_second"]


def torch_images_per_second(batch: int, steps: int, bfloat16: bool = False) -> float:
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
        with torch.autocast("cpu", dtype=torch.bfloat16, enabled=bfloat16):
            embedding, quality = backbone(images)
        embedding, quality = embedding.float(), quality.float()  # the margin head in fp32, as in Keras
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
    parser.add_argument("--only", choices=list(MEASUREMENTS))
    args = parser.parse_args()
    if args.only:  # one measurement per process: the Keras policy is global and the two runtimes share cores
        print(f"RESULT {MEASUREMENTS[args.only][1](args.batch, args.steps)}")
        return {}
    from benchmarks.common import report

    results = {}
    for what in MEASUREMENTS:
        command = [sys.executable, "-m", "benchmarks.train_throughput", "--only", what]
        command += ["--batch", str(args.batch), "--steps", str(args.steps)]
        out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
        results[what] = float(out.strip().splitlines()[-1].split()[1])
    torch_version = __import__("torch").__version__
    rows = []
    for what, (label, _) in MEASUREMENTS.items():
        baseline = "torch_bf16" if "bfloat16" in what else "torch"
        row = {"what": label.format(torch=torch_version), "batch": args.batch, "images_per_s": results[what]}
        row["vs_torch"] = results[what] / results[baseline]
        row["baseline"] = MEASUREMENTS[baseline][0].format(torch=torch_version)
        rows.append(row)
    best_fp32 = max(results["float32"], results["float32_xla"]) / results["torch"]
    best_bf16 = max(results["mixed_bfloat16"], results["mixed_bfloat16_xla"]) / results["torch_bf16"]
    return report(
        "train_throughput",
        rows,
        {
            "ratio_best_keras_fp32_vs_torch_fp32": best_fp32,
            "ratio_best_keras_bf16_vs_torch_bf16": best_bf16,
            "goal": "Keras fp32 >= 1.0x PyTorch fp32; Keras bf16 >= 1.0x PyTorch bf16 autocast",
            "gpu": "none lent to this session (device status: can_start_another false)",
        },
    )


MEASUREMENTS = {  # name: (row label, images/s for (batch, steps))
    "torch": ("PyTorch {torch} CPU eager, fp32", lambda b, s: torch_images_per_second(b, s)),
    "float32": ("Keras/TF fp32", lambda b, s: keras_images_per_second("float32", b, s)),
    "float32_xla": ("Keras/TF fp32, XLA-compiled step", lambda b, s: keras_images_per_second("float32", b, s, True)),
    "torch_bf16": ("PyTorch {torch} CPU eager, bf16 autocast", lambda b, s: torch_images_per_second(b, s, True)),
    "mixed_bfloat16": ("Keras/TF mixed_bfloat16", lambda b, s: keras_images_per_second("mixed_bfloat16", b, s)),
    "mixed_bfloat16_xla": (
        "Keras/TF mixed_bfloat16, XLA-compiled step",
        lambda b, s: keras_images_per_second("mixed_bfloat16", b, s, True),
    ),
}


if __name__ == "__main__":
    main()
