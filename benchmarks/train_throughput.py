"""Images/s of an iResNet-50 CR-FIQA training step at 112×112 on this machine, Keras against a PyTorch reference
loop (same architecture, batch, SGD with coupled weight decay, ArcFace margin head, CR loss) in the same run, like
with like: Keras fp32 (plain and XLA-compiled) against PyTorch fp32 eager, Keras mixed_bfloat16 (plain and XLA)
against PyTorch's bfloat16 CPU autocast; each Keras step also with the stock Keras BatchNorm and PReLU in place of
crfiqa_tf.models.fused_layers (the before of that change). Each figure comes from its own process (the Keras dtype
policy is global and the runtimes share the cores).
Goals: Keras fp32 ≥ 1.0× PyTorch fp32, Keras bf16 ≥ 1.0× PyTorch bf16.

``--gpu`` measures on the machine's CUDA GPU instead (results/train_throughput_gpu.json): PyTorch fp32, bf16 and
fp16 autocast (with a gradient scaler) and, where TensorFlow is installed and sees the GPU, Keras fp32 and
mixed_float16; where it is not, the JSON says so instead of a Keras figure."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

from benchmarks.common import load_result
from benchmarks.common import table_row as common_table_row  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def keras_images_per_second(
    policy: str, batch: int, steps: int, xla: bool = False, keras_layers: bool = False
) -> float:
    """`keras_layers`: the backbone's BatchNorm and PReLU computed as the stock Keras layers compute them (the
    baseline of crfiqa_tf.models.fused_layers), patched in this process only."""
    import keras

    from crfiqa_tf.models.fused_layers import FusedBatchNormalization, SelectPReLU
    from crfiqa_tf.models.step_timing import time_training_step

    if keras_layers:
        FusedBatchNormalization.call = keras.layers.BatchNormalization.call
        SelectPReLU.call = keras.layers.PReLU.call
    keras.mixed_precision.set_global_policy(policy)
    return time_training_step(depth=50, batch=batch, steps=steps, warmup_steps=2, jit_compile=xla)["images_per_second"]


def torch_images_per_second(batch: int, steps: int, autocast: str | None = None, device: str = "cpu") -> float:
    """`autocast`: None (fp32), "bfloat16" or "float16" (with a gradient scaler, as PyTorch's AMP recipe)."""
    import torch
    import torch.nn.functional as F

    from benchmarks.torch_reference import IResNet

    torch.manual_seed(0)
    backbone = IResNet(50, dropout=0.4).to(device)
    centres = torch.nn.Parameter(torch.randn(512, 1000, device=device) * 0.01)
    optimizer = torch.optim.SGD([*backbone.parameters(), centres], lr=0.01, momentum=0.9, weight_decay=5e-4)
    images = torch.rand(batch, 3, 112, 112, device=device) * 2 - 1
    labels = torch.randint(0, 1000, (batch,), device=device)
    dtype = getattr(torch, autocast or "float32")
    scaler = torch.amp.GradScaler(device, enabled=autocast == "float16")

    def step():
        with torch.autocast(device, dtype=dtype, enabled=autocast is not None):
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
        scaler.scale(loss).backward()
        scaler.unscale_(optimizer)
        torch.nn.utils.clip_grad_norm_(backbone.parameters(), 5)
        scaler.step(optimizer)
        scaler.update()

    def synchronize():
        if device != "cpu":
            torch.cuda.synchronize()

    backbone.train()
    step()
    step()
    synchronize()
    start = time.perf_counter()
    for _ in range(steps):
        step()
    synchronize()
    return steps * batch / (time.perf_counter() - start)


def gpu_rows(batch: int, steps: int) -> dict:
    """The --gpu measurements, in this process (one device, nothing else running on it)."""
    import torch

    from benchmarks.common import report

    name = torch.cuda.get_device_name()
    rows = []
    for label, autocast in (("fp32", None), ("bf16 autocast", "bfloat16"), ("fp16 autocast + GradScaler", "float16")):
        rate = torch_images_per_second(batch, steps, autocast, device="cuda")
        rows.append({"what": f"PyTorch {torch.__version__} CUDA eager, {label}", "batch": batch, "images_per_s": rate})
    torch.cuda.empty_cache()  # the Keras runs below take the GPU in processes of their own
    keras_note = "measured"
    try:
        import tensorflow as tf

        if not tf.config.list_physical_devices("GPU"):  # lists devices without taking their memory
            raise ImportError("TensorFlow is installed but sees no GPU")
    except ImportError as error:
        keras_note = f"not measured: {error}"
    else:
        for what in GPU_MEASUREMENTS:
            rate = _in_own_process(what, batch, steps)
            rows.append({"what": GPU_MEASUREMENTS[what][0], "batch": batch, "images_per_s": rate})
    extra = {"machine": f"{name}, {os.cpu_count()} CPU cores (device machine)", "keras_rows": keras_note}
    return report("train_throughput_gpu", rows, extra)


def _in_own_process(what: str, batch: int, steps: int) -> float:
    """Images/s of measurement `what`, run by ``--only`` in a fresh process."""
    command = [sys.executable, "-m", "benchmarks.train_throughput", "--only", what]
    command += ["--batch", str(batch), "--steps", str(steps)]
    out = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT).stdout
    return float(out.strip().splitlines()[-1].split()[1])


def main() -> dict:
    parser = argparse.ArgumentParser()
    parser.add_argument("--batch", type=int, default=16)
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--only", choices=list(MEASUREMENTS | GPU_MEASUREMENTS))
    parser.add_argument("--gpu", action="store_true", help="measure on the CUDA GPU (see the module docstring)")
    args = parser.parse_args()
    if args.gpu:
        return gpu_rows(args.batch, args.steps)
    if args.only:  # one measurement per process: the Keras policy is global and the two runtimes share cores
        print(f"RESULT {(MEASUREMENTS | GPU_MEASUREMENTS)[args.only][1](args.batch, args.steps)}")
        return {}
    from benchmarks.common import report

    results = {what: _in_own_process(what, args.batch, args.steps) for what in MEASUREMENTS}
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
            "gpu": "results/train_throughput_gpu.json (python -m benchmarks.train_throughput --gpu)",
        },
    )


MEASUREMENTS = {  # name: (row label, images/s for (batch, steps))
    "torch": ("PyTorch {torch} CPU eager, fp32", lambda b, s: torch_images_per_second(b, s)),
    "float32": ("Keras/TF fp32", lambda b, s: keras_images_per_second("float32", b, s)),
    "float32_xla": ("Keras/TF fp32, XLA-compiled step", lambda b, s: keras_images_per_second("float32", b, s, True)),
    "float32_keras_layers": (
        "Keras/TF fp32, stock Keras BatchNorm and PReLU",
        lambda b, s: keras_images_per_second("float32", b, s, keras_layers=True),
    ),
    "torch_bf16": ("PyTorch {torch} CPU eager, bf16 autocast", lambda b, s: torch_images_per_second(b, s, "bfloat16")),
    "mixed_bfloat16": ("Keras/TF mixed_bfloat16", lambda b, s: keras_images_per_second("mixed_bfloat16", b, s)),
    "mixed_bfloat16_xla": (
        "Keras/TF mixed_bfloat16, XLA-compiled step",
        lambda b, s: keras_images_per_second("mixed_bfloat16", b, s, True),
    ),
    "mixed_bfloat16_keras_layers": (
        "Keras/TF mixed_bfloat16, stock Keras BatchNorm and PReLU",
        lambda b, s: keras_images_per_second("mixed_bfloat16", b, s, keras_layers=True),
    ),
}

GPU_MEASUREMENTS = {  # --gpu, where TensorFlow sees the GPU
    "gpu_float32": ("Keras/TF fp32 (GPU)", lambda b, s: keras_images_per_second("float32", b, s)),
    "gpu_mixed_float16": ("Keras/TF mixed_float16 (GPU)", lambda b, s: keras_images_per_second("mixed_float16", b, s)),
}


MARKER = "TRAINING"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The training-step figures in words, from benchmarks/results/train_throughput{,_gpu}.json."""
    rate = {row["what"]: row["images_per_s"] for row in result["rows"]}
    vs = {row["what"]: row["vs_torch"] for row in result["rows"]}
    stock = " stock Keras BatchNorm and PReLU"
    cpu = (
        f"On {result['machine']} ({result['date']}; iResNet-50, 112×112, batch {result['rows'][0]['batch']}, each "
        f"figure in its own process) Keras fp32 ran at {vs['Keras/TF fp32']:.2f}× PyTorch fp32 and Keras "
        f"`mixed_bfloat16` at {vs['Keras/TF mixed_bfloat16']:.2f}× PyTorch's bf16 CPU autocast; with the"
        f"{stock} instead of `crfiqa_tf/models/fused_layers.py`, {vs['Keras/TF fp32,' + stock]:.2f}× and "
        f"{vs['Keras/TF mixed_bfloat16,' + stock]:.2f}× (the fused layers: "
        f"{rate['Keras/TF mixed_bfloat16'] / rate['Keras/TF mixed_bfloat16,' + stock]:.2f}× the stock layers in bf16, "
        f"{rate['Keras/TF fp32'] / rate['Keras/TF fp32,' + stock]:.2f}× in fp32). The XLA-compiled step: "
        f"{vs['Keras/TF fp32, XLA-compiled step']:.2f}× and {vs['Keras/TF mixed_bfloat16, XLA-compiled step']:.2f}×."
    )
    gpu = load_result("train_throughput_gpu")
    rows = "; ".join(f"{row['what']}: {row['images_per_s']:.0f} images/s" for row in gpu["rows"])
    batch = gpu["rows"][0]["batch"]
    gpu_line = f"On {gpu['machine']} ({gpu['date']}, batch {batch}): {rows}. Keras: {gpu['keras_rows']}."
    return "\n".join([cpu, "", gpu_line])


def table_row(row: dict) -> tuple[str, str, str]:
    label, value, note = common_table_row(row)
    if "baseline" in row:
        note = f"{row['vs_torch']:.2f}× {row['baseline']}"
    elif "vs_torch" in row:
        note = f"vs PyTorch {row['vs_torch']:.2f}×"
    return label, value, note


if __name__ == "__main__":
    main()
