"""Inference throughput of iResNet-50 at 112×112 on this machine, one run: SavedModel fp32 (and bf16: the same
file through TensorFlow's oneDNN bfloat16 rewrite, `SavedModelScorer(precision="bfloat16")`), TFLite
fp32 / dynamic / int8 (XNNPACK, 2 threads), ONNX Runtime, and PyTorch eager running the official architecture with
the same weights; achieved GFLOP/s against a matmul roofline measured in the same run; file sizes.
Goals: SavedModel ≥ 1.5× PyTorch eager and ≥ 0.9× ONNX Runtime; TFLite int8 ≥ 2.5× SavedModel fp32;
int8 file ≤ 0.27× fp32. Every export is the folded inference form (`crfiqa_tf.models.folding`); the SavedModel
and the int8 TFLite file of the unfolded graph are measured beside them."""

from __future__ import annotations

import os
import tempfile
import time

import numpy as np
import tensorflow as tf

from benchmarks.common import report
from crfiqa_tf import signatures as sig


def images_per_second(predict, batch: int, images: np.ndarray, seconds: float) -> float:
    x = images[:batch]
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        predict(x)
        count += batch
    return count / (time.perf_counter() - start)


def interleaved_rates(backends: dict, batch: int, images: np.ndarray, rounds: int = 5, seconds: float = 1.5) -> dict:
    """Median images/s of each backend over `rounds` rounds, every round visiting every backend in turn.

    On a shared machine the load drifts over minutes; measuring the backends one after another for seconds
    each let that drift decide close ratios. Interleaving exposes every backend to the same drift, and the
    median of the rounds drops the bursts."""
    for predict in backends.values():
        predict(images[:batch])
        predict(images[:batch])
    samples = {name: [] for name in backends}
    for _ in range(rounds):
        for name, predict in backends.items():
            samples[name].append(images_per_second(predict, batch, images, seconds))
    return {name: float(np.median(rates)) for name, rates in samples.items()}


def backbone_gflops(model) -> float:
    """Multiply-adds × 2 of the convolutions and dense layers for one image."""
    flops = 0
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            h, w = layer.output.shape[1:3]
            kh, kw, cin, cout = layer.kernel.shape
            flops += 2 * h * w * kh * kw * cin * cout
        elif kind == "Dense":
            flops += 2 * layer.kernel.shape[0] * layer.kernel.shape[1]
    return flops / 1e9


BF16 = "SavedModel bf16 (oneDNN rewrite of the fp32 model)"


def matmul_gflops(sizes: tuple[int, ...] = (2048, 4096), reps: int = 5) -> float:
    """The roofline: the fastest single float32 matmul of TensorFlow and NumPy (OpenBLAS) over `sizes`.

    The best call, not the mean, and the larger size: a mean over calls of one mid-sized matmul sits well below what
    the convolutions themselves reach on a wide-vector CPU, which would put the backends "above the roofline".
    """
    best = 0.0
    for n in sizes:
        a = np.random.default_rng(0).standard_normal((n, n), dtype=np.float32)
        for matmul in (lambda a=a: tf.matmul(a, a).numpy(), lambda a=a: a @ a):
            matmul()
            for _ in range(reps):
                start = time.perf_counter()
                matmul()
                best = max(best, 2 * n**3 / (time.perf_counter() - start) / 1e9)
    return best


def main() -> dict:
    import torch

    from benchmarks.torch_reference import IResNet as TorchIResNet
    from crfiqa_tf.convert.torch_weights import convert_state_dict
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.inference.litert import LiteRTScorer
    from crfiqa_tf.inference.onnx import OnnxScorer
    from crfiqa_tf.inference.saved_model import SavedModelScorer
    from crfiqa_tf_apps.serving.export_onnx import export_onnx
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model
    from crfiqa_tf_apps.serving.export_tflite import export_tflite

    torch.manual_seed(0)
    torch_model = TorchIResNet(50).eval()
    keras_model = convert_state_dict({k: v.numpy() for k, v in torch_model.state_dict().items()}, "iresnet50")
    images = synthetic_images(32, 112, seed=3)
    gflops = backbone_gflops(keras_model.get_layer("iresnet50"))
    roofline = matmul_gflops()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        # The shipped SavedModel is folded with constant weights; variables and the unfolded graph beside it.
        unfolded = export_saved_model(keras_model, os.path.join(tmp, "unfolded"), fold=False)
        with_variables = export_saved_model(keras_model, os.path.join(tmp, "variables"), freeze=False)
        saved = export_saved_model(keras_model, tmp)
        backends = {
            "SavedModel fp32": SavedModelScorer(saved).predict,
            "SavedModel fp32, weights as variables": SavedModelScorer(with_variables).predict,
            "SavedModel fp32, unfolded graph": SavedModelScorer(unfolded).predict,
            BF16: SavedModelScorer(saved, precision="bfloat16").predict,
        }
        fp32_out, bf16_out = backends["SavedModel fp32"](images), backends[BF16](images)
        bf16_parity = {
            "max_abs_quality_diff": float(np.abs(fp32_out["quality"] - bf16_out["quality"]).max()),
            "mean_embedding_cosine": float(np.sum(fp32_out["embedding"] * bf16_out["embedding"], axis=1).mean()),
        }
        sizes = {"SavedModel fp32": sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(saved) for f in fs)}
        for mode in sig.TFLITE_MODES:
            path = export_tflite(saved, tmp, mode, images)
            backends[f"TFLite {mode} (XNNPACK, 2 threads)"] = LiteRTScorer(path, num_threads=2).predict
            sizes[f"TFLite {mode} (XNNPACK, 2 threads)"] = os.path.getsize(path)
        path = export_tflite(unfolded, os.path.join(tmp, "unfolded"), "int8", images)
        backends["TFLite int8 (XNNPACK, 2 threads), unfolded graph"] = LiteRTScorer(path, num_threads=2).predict
        onnx_path = export_onnx(saved, tmp)
        backends["ONNX Runtime"] = OnnxScorer(onnx_path).predict
        sizes["ONNX Runtime"] = os.path.getsize(onnx_path)

        def torch_predict(x):
            with torch.no_grad():
                t = torch.from_numpy(((x.astype(np.float32) / 255 - 0.5) / 0.5).transpose(0, 3, 1, 2).copy())
                return torch_model(t)

        backends[f"PyTorch {torch.__version__} eager"] = torch_predict
        torch.set_num_threads(2)
        for batch in (1, 32):
            for name, rate in interleaved_rates(backends, batch, images).items():
                rows.append(
                    {
                        "backend": name,
                        "batch": batch,
                        "images_per_s": rate,
                        "gflop_per_s": rate * gflops,
                        "of_roofline": rate * gflops / roofline,
                        "file_mib": sizes.get(name, 0) / 2**20,
                    }
                )
    by = {(r["backend"], r["batch"]): r["images_per_s"] for r in rows}
    torch_name = [n for n in backends if n.startswith("PyTorch")][0]
    ratios = (
        {f"savedmodel_vs_torch_b{b}": by[("SavedModel fp32", b)] / by[(torch_name, b)] for b in (1, 32)}
        | {f"savedmodel_vs_onnx_b{b}": by[("SavedModel fp32", b)] / by[("ONNX Runtime", b)] for b in (1, 32)}
        | {
            f"tflite_int8_vs_savedmodel_b{b}": by[("TFLite int8 (XNNPACK, 2 threads)", b)] / by[("SavedModel fp32", b)]
            for b in (1, 32)
        }
    )
    ratios |= {f"savedmodel_bf16_vs_fp32_b{b}": by[(BF16, b)] / by[("SavedModel fp32", b)] for b in (1, 32)}
    ratios |= {f"savedmodel_bf16_vs_torch_b{b}": by[(BF16, b)] / by[(torch_name, b)] for b in (1, 32)}
    ratios["savedmodel_constants_vs_variables_b1"] = (
        by[("SavedModel fp32", 1)] / by[("SavedModel fp32, weights as variables", 1)]
    )
    ratios["savedmodel_folded_vs_unfolded_b1"] = by[("SavedModel fp32", 1)] / by[("SavedModel fp32, unfolded graph", 1)]
    ratios["tflite_int8_folded_vs_unfolded_b1"] = (
        by[("TFLite int8 (XNNPACK, 2 threads)", 1)] / by[("TFLite int8 (XNNPACK, 2 threads), unfolded graph", 1)]
    )
    ratios["int8_file_vs_fp32"] = sizes["TFLite int8 (XNNPACK, 2 threads)"] / sizes["TFLite fp32 (XNNPACK, 2 threads)"]
    return report(
        "inference",
        rows,
        {
            "gflop_per_image": gflops,
            "matmul_roofline_gflop_per_s": roofline,
            **ratios,
            "bf16_vs_fp32_parity": bf16_parity,
            "gpu": "none on this machine",
        },
    )


MARKER = "INFERENCE"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The inference goals in words, from benchmarks/results/inference.json."""
    rows = {(row["backend"], row["batch"]): row for row in result["rows"]}
    torch = next(name for name, batch in rows if name.startswith("PyTorch") and batch == 1)
    roofline = result["matmul_roofline_gflop_per_s"]
    fp32_b1 = [(row["gflop_per_s"], name) for (name, batch), row in rows.items() if batch == 1 and "bf16" not in name]
    best_fp32 = max((g, n) for g, n in fp32_b1 if "int8" not in n and "dynamic" not in n and n != torch)

    def goal(text: str, met: bool, figures: str) -> str:
        return f"{text} — {'met' if met else '**missed**'} ({figures})"

    r = result
    goals = [
        goal(
            "TFLite int8 ≥ 2.5× the SavedModel",
            min(r["tflite_int8_vs_savedmodel_b1"], r["tflite_int8_vs_savedmodel_b32"]) >= 2.5,
            f"{r['tflite_int8_vs_savedmodel_b1']:.2f}× at batch 1, {r['tflite_int8_vs_savedmodel_b32']:.2f}× at "
            f"batch 32; the folded int8 graph {r['tflite_int8_folded_vs_unfolded_b1']:.2f}× the unfolded one",
        ),
        goal("int8 file ≤ 0.27× fp32", r["int8_file_vs_fp32"] <= 0.27, f"{r['int8_file_vs_fp32']:.3f}×"),
        goal(
            "SavedModel ≥ 0.9× ONNX Runtime",
            min(r["savedmodel_vs_onnx_b1"], r["savedmodel_vs_onnx_b32"]) >= 0.9,
            f"{r['savedmodel_vs_onnx_b1']:.2f}× at batch 1, {r['savedmodel_vs_onnx_b32']:.2f}× at batch 32",
        ),
        goal(
            "SavedModel fp32 ≥ 1.5× PyTorch eager",
            min(r["savedmodel_vs_torch_b1"], r["savedmodel_vs_torch_b32"]) >= 1.5,
            f"{r['savedmodel_vs_torch_b1']:.2f}× at batch 1, {r['savedmodel_vs_torch_b32']:.2f}× at batch 32",
        ),
    ]
    needed = 1.5 * rows[(torch, 1)]["gflop_per_s"]
    bound = (
        f"PyTorch eager runs batch 1 at {rows[(torch, 1)]['gflop_per_s']:.0f} GFLOP/s, so 1.5× of it needs "
        f"{needed:.0f} GFLOP/s against this machine's fp32 matmul roofline of {roofline:.0f} GFLOP/s (the best single "
        f"TensorFlow or OpenBLAS matmul, same run); the best fp32 backend at batch 1 reached {best_fp32[0]:.0f} "
        f"({best_fp32[1]})."
    )
    parity = r["bf16_vs_fp32_parity"]
    bf16 = (
        f"The same SavedModel through TensorFlow's oneDNN bfloat16 rewrite (`--precision bfloat16`): "
        f"{r['savedmodel_bf16_vs_torch_b1']:.2f}× PyTorch at batch 1 and {r['savedmodel_bf16_vs_torch_b32']:.2f}× at "
        f"batch 32 ({r['savedmodel_bf16_vs_fp32_b1']:.2f}× / {r['savedmodel_bf16_vs_fp32_b32']:.2f}× the float32 "
        f"SavedModel), quality within {parity['max_abs_quality_diff']:.1e} and mean embedding cosine "
        f"{parity['mean_embedding_cosine']:.5f} against float32."
    )
    lines = [
        f"Inference goals (iResNet-50, {r['gflop_per_image']:.1f} GFLOP per image; `python -m benchmarks.inference`, "
        f"{r['machine']}, {r['date']}; backends interleaved over five rounds, median taken):",
        "",
        *(f"- {line}." for line in goals),
        "",
        (
            "Where the PyTorch goal is missed at batch 1 in float32, the machine bounds it: "
            if needed > roofline
            else "Batch 1 in float32: "
        )
        + bound,
        "",
        bf16,
    ]
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    note = f"vs PyTorch {row['vs_torch']:.2f}×" if "vs_torch" in row else ""
    if "of_roofline" in row:
        note = f"{row['gflop_per_s']:.0f} GFLOP/s, {row['of_roofline']:.2f} of the fp32 matmul roofline"
    return f"{row['backend']}, batch {row['batch']}", f"{row['images_per_s']:.3g} images/s", note


if __name__ == "__main__":
    main()
