"""The Beam gallery job per model format against the plain batched loop of the same format, on the same aligned
112×112 images, with a trained iResNet-50 (a short training run on the synthetic set, so that quality has a spread
to rank): images/s, each format's agreement with the float32 SavedModel (Spearman of quality, mean embedding
cosine), the projected vCPU-hours per 10 M images, and peak memory of the job at 1k and 10k images.

    python -m benchmarks.beam_scoring [--images 2000] [--train-steps 60] [--work-dir DIR]

The Beam rate is the marginal one, (N − n) / (t_N − t_n) from a run over N images and one over n = N/10 images:
what 10 M images cost, without the job's fixed start-up (process, pipeline, model load and graph optimisation;
reported apart). Peak memory is the job process's own high-water mark (VmHWM; ru_maxrss would carry over the
launching process's peak across exec).

The int8 model is measured twice: in one process with 2 threads, and as Dataflow runs it, one SDK process per
vCPU with one thread each (the plain loop it is compared with is the 2-thread one). Peak memory of the
multi-process row is the launcher's only.

Goals: Beam int8 ≥ 4× Beam fp32 SavedModel with Spearman ≥ 0.99; Beam/plain ≤ 1.25× for every format; peak RSS
flat (≤ 1.1×) from 1k to 10k images; 10 M images ≤ 50 vCPU-hours with the best format that keeps ρ ≥ 0.99."""

from __future__ import annotations

import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

from benchmarks.common import table_row as common_table_row  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEN_MILLION = 10_000_000
INT8 = "TFLite int8 (LiteRT, XNNPACK, 2 threads)"
# Dataflow's layout: one SDK process per vCPU, each with its own model on one thread (small batches suit one core)
INT8_PER_CORE = "TFLite int8, one worker process per vCPU × 1 thread, batch 8"
PER_CORE_FLAGS = ["--threads", "1", "--max-batch-size", "8", "--direct_num_workers", "2"]
PER_CORE_FLAGS += ["--direct_running_mode", "multi_processing"]


def _write_gallery(folder: str, images: np.ndarray, count: int) -> list[str]:
    from PIL import Image

    os.makedirs(folder, exist_ok=True)
    paths = []
    for index in range(count):
        path = os.path.join(folder, f"{index:06d}.png")
        Image.fromarray(images[index % len(images)]).save(path)
        paths.append(path)
    return paths


def _beam_job(gallery: str, model: str, output: str, extra: list[str]) -> tuple[float, float]:
    """Runs the job in a fresh process; returns (seconds, peak RSS of that process in MiB)."""
    argv = ["--input-glob", gallery + "/*.png", "--model", model, "--output", output, "--format", "parquet", *extra]
    code = (
        "import time, json\n"
        "from crfiqa_tf_apps.beam_jobs.score_gallery import run\n"
        "start = time.perf_counter()\n"
        f"run({argv!r})\n"
        "elapsed = time.perf_counter() - start\n"
        "status = open('/proc/self/status').read().split('VmHWM:')[1].split()[0]\n"
        "print('RESULT', json.dumps([elapsed, int(status) / 1024]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True)
    if out.returncode:
        raise RuntimeError(f"Beam job failed:\n{out.stderr[-4000:]}")
    return tuple(json.loads(out.stdout.strip().splitlines()[-1].split(" ", 1)[1]))


def _beam_qualities(output: str) -> dict[str, float]:
    import pyarrow.parquet as pq

    rows = {}
    folder = os.path.dirname(output)
    for name in sorted(os.listdir(folder)):
        if name.endswith(".parquet"):
            with open(os.path.join(folder, name), "rb") as handle:
                for row in pq.read_table(io.BytesIO(handle.read())).to_pylist():
                    rows[row["path"]] = row["quality"]
    return rows


def _unit(embedding: np.ndarray) -> np.ndarray:
    return embedding / np.maximum(np.linalg.norm(embedding, axis=1, keepdims=True), 1e-12)


def _plain_loop(paths: list[str], scorer) -> tuple[float, np.ndarray, np.ndarray]:
    scorer.score(paths[:64], batch_size=64)
    start = time.perf_counter()
    records = scorer.score(paths, batch_size=64, with_embeddings=True)
    seconds = time.perf_counter() - start
    return seconds, np.array([r.quality for r in records]), np.stack([r.embedding for r in records])


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--images", type=int, default=2000)
    parser.add_argument("--train-steps", type=int, default=60)
    parser.add_argument("--work-dir", help="keep the trained and exported model here, and reuse it on re-runs")
    args = parser.parse_args()

    from benchmarks.common import exported_r50, report
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.evaluation.rank_correlation import spearman
    from crfiqa_tf.model_io import load_scorer

    vcpus = os.cpu_count() or 1
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or os.path.join(tmp, "model")
        files = exported_r50(work, args.train_steps)
        formats = {
            "SavedModel fp32": (files["saved_model"], {}, []),
            "SavedModel bf16 (oneDNN rewrite)": (
                files["saved_model"],
                {"precision": "bfloat16"},
                ["--precision", "bfloat16"],
            ),
            INT8: (files["crfiqa_int8.tflite"], {"threads": 2}, ["--threads", "2"]),
            INT8_PER_CORE: (files["crfiqa_int8.tflite"], {"threads": 2}, PER_CORE_FLAGS),
            "ONNX Runtime fp32": (files["crfiqa.onnx"], {}, []),
        }
        images = synthetic_images(min(args.images, 2000), 112, seed=7)
        gallery, small = os.path.join(tmp, "gallery"), os.path.join(tmp, "gallery_small")
        paths = _write_gallery(gallery, images, args.images)
        small_count = max(args.images // 10, 64)
        _write_gallery(small, images, small_count)
        reference = None
        for index, (name, (model, options, flags)) in enumerate(formats.items()):
            plain_seconds, quality, embedding = _plain_loop(paths, load_scorer(model, **options))
            if reference is None:
                reference = (quality, _unit(embedding))
            output = os.path.join(tmp, f"out{index}", "scores")
            flags = ["--min-batch-size", "8" if name == INT8_PER_CORE else "64", *flags]
            small_seconds, _ = _beam_job(small, model, os.path.join(tmp, f"small{index}", "scores"), flags)
            beam_seconds, peak = _beam_job(gallery, model, output, flags)
            beam = _beam_qualities(output)
            marginal = (beam_seconds - small_seconds) / (args.images - small_count)  # seconds per image
            beam_ips = 1.0 / marginal
            rows.append(
                {
                    "what": name,
                    "images": args.images,
                    "plain_images_per_s": args.images / plain_seconds,
                    "images_per_s": beam_ips,
                    "overhead_vs_plain": marginal / (plain_seconds / args.images),
                    "fixed_seconds": small_seconds - small_count * marginal,
                    "whole_run_images_per_s": args.images / beam_seconds,
                    "peak_rss_mib": peak,
                    "spearman_vs_fp32": spearman(quality, reference[0]),
                    "cosine_vs_fp32": float(np.mean(np.sum(_unit(embedding) * reference[1], axis=1))),
                    "beam_vs_plain_max_abs_quality": float(
                        max(abs(beam[p] - q) for p, q in zip(paths, quality)) if len(beam) == len(paths) else np.inf
                    ),
                    "vcpu_hours_per_10m": TEN_MILLION / beam_ips / 3600 * vcpus,
                }
            )
            print(rows[-1], flush=True)
        int8 = formats[INT8][0]
        memory = {}
        for count in (1000, 10000):
            folder = os.path.join(tmp, f"memory{count}")
            _write_gallery(folder, images, count)
            seconds, memory[count] = _beam_job(folder, int8, os.path.join(tmp, f"mem{count}", "s"), ["--threads", "2"])
            rows.append(
                {
                    "what": "Beam job, TFLite int8 (memory)",
                    "images": count,
                    "images_per_s": count / seconds,
                    "peak_rss_mib": memory[count],
                }
            )
    by_name = {row["what"]: row for row in rows}
    fp32 = by_name["SavedModel fp32"]
    int8_row = max((by_name[INT8], by_name[INT8_PER_CORE]), key=lambda row: row["images_per_s"])
    faithful = [row for row in rows[: len(formats)] if row["spearman_vs_fp32"] >= 0.99]
    best = min(faithful, key=lambda row: row["vcpu_hours_per_10m"])
    return report(
        "beam_scoring",
        rows,
        {
            "vcpus": vcpus,
            "ratio_int8_vs_fp32_beam": int8_row["images_per_s"] / fp32["images_per_s"],
            "int8_goal": ">= 4x the fp32 SavedModel in Beam, Spearman >= 0.99",
            "overhead_goal": "Beam/plain <= 1.25x for every format",
            "memory_ratio_10000_vs_1000": memory[10000] / memory[1000],
            "memory_goal": "flat within 10%",
            "best_format": best["what"],
            "best_vcpu_hours_per_10m": best["vcpu_hours_per_10m"],
            "cost_goal": "<= 50 vCPU-hours per 10 M images with the best format at Spearman >= 0.99",
        },
    )


MARKER = "BEAM_COST"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The README's cost table per model format, from benchmarks/results/beam_scoring.json."""
    formats = [row for row in result["rows"] if "vcpu_hours_per_10m" in row]
    lines = [
        f"`python -m benchmarks.beam_scoring`, {result['machine']}, {result['date']}: a trained iResNet-50, "
        f"{formats[0]['images']} aligned 112×112 PNGs, the Beam job on FnApiRunner (one worker process unless the "
        "row says otherwise). Beam images/s is the marginal rate, without the job's fixed start-up "
        f"({min(r['fixed_seconds'] for r in formats):.0f}–{max(r['fixed_seconds'] for r in formats):.0f} s, "
        f"`fixed_seconds` in the JSON); vCPU-hours per 10 M images = 10 M ÷ (Beam images/s) ÷ 3600 × "
        f"{result['vcpus']} vCPUs.",
        "",
        "| format | Beam images/s | plain loop images/s | Beam ÷ plain time | Spearman vs fp32 "
        "| embedding cosine vs fp32 | vCPU-hours per 10 M images |",
        "|---|---|---|---|---|---|---|",
    ]
    for row in formats:
        lines.append(
            f"| {row['what']} | {row['images_per_s']:.1f} | {row['plain_images_per_s']:.1f} | "
            f"{row['overhead_vs_plain']:.2f}× | {row['spearman_vs_fp32']:.4f} | {row['cosine_vs_fp32']:.4f} | "
            f"{row['vcpu_hours_per_10m']:.0f} |"
        )
    lines += [
        "",
        f"Cheapest format that keeps Spearman ≥ 0.99 with the fp32 SavedModel: {result['best_format']}, "
        f"{result['best_vcpu_hours_per_10m']:.0f} vCPU-hours per 10 M images (goal ≤ 50); int8 in Beam runs "
        f"{result['ratio_int8_vs_fp32_beam']:.1f}× the fp32 SavedModel (goal ≥ 4×). Peak memory of the int8 job: "
        f"{result['memory_ratio_10000_vs_1000']:.2f}× from 1,000 to 10,000 images (goal ≤ 1.1×).",
    ]
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    label, value, note = common_table_row(row)
    if "overhead_vs_plain" in row:
        note = f"{row['overhead_vs_plain']:.2f}× the plain loop's time, peak RSS {row['peak_rss_mib']:.0f} MiB"
        if "spearman_vs_fp32" in row:
            note += f"; Spearman vs fp32 {row['spearman_vs_fp32']:.4f}"
    return label, value, note


if __name__ == "__main__":
    main()
