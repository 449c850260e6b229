"""The Beam gallery job against a plain batched loop over the same SavedModel, on the same 2,000 synthetic images
(goal: overhead ≤ 1.25×); 1 vs 2 workers; peak memory (RSS of the job's process tree) at 1,000 vs 10,000 images
(goal: flat within 10 %). The model is a small iResNet-18 at 56 px (the demo's) so the job's overhead is visible."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _write_gallery(folder: str, count: int, size: int) -> None:
    from PIL import Image

    from crfiqa_tf.data.samples import synthetic_images

    os.makedirs(folder, exist_ok=True)
    block = synthetic_images(200, size, seed=1)
    for index in range(count):
        Image.fromarray(block[index % len(block)]).save(os.path.join(folder, f"{index:06d}.png"))


def _job(gallery: str, model: str, output: str, extra: list[str]) -> tuple[float, float]:
    """Runs the job in a fresh process; returns (seconds, peak RSS in MiB of that process and its children)."""
    argv = ["--input-glob", gallery + "/*.png", "--model", model, "--output", output, "--format", "parquet", *extra]
    code = (
        "import resource, sys, time, json\n"
        "from crfiqa_tf_apps.beam_jobs.score_gallery import run\n"
        "start = time.perf_counter()\n"
        f"run({argv!r})\n"
        "elapsed = time.perf_counter() - start\n"
        "peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,"
        " resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024\n"
        "print('RESULT', json.dumps([elapsed, peak]))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return tuple(json.loads(out.strip().splitlines()[-1].split(" ", 1)[1]))


def _plain_loop(gallery: str, model: str) -> float:
    from crfiqa_tf.inference.saved_model import SavedModelScorer

    paths = sorted(os.path.join(gallery, f) for f in os.listdir(gallery))
    scorer = SavedModelScorer(model)
    scorer.score(paths[:64], batch_size=64)
    start = time.perf_counter()
    scorer.score(paths, batch_size=64)
    return time.perf_counter() - start


def main() -> dict:
    import keras

    from benchmarks.common import report
    from crfiqa_tf.config import ModelConfig
    from crfiqa_tf.models import build_crfiqa_model
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model

    keras.utils.set_random_seed(0)
    model = build_crfiqa_model(ModelConfig(depth=18, embedding_dim=128, image_size=56, synchronized_bn=False), 10)
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        saved = export_saved_model(model.inference_model(), tmp)
        small, large = os.path.join(tmp, "g1000"), os.path.join(tmp, "g10000")
        _write_gallery(small, 1000, 56)
        _write_gallery(large, 10000, 56)
        two_k = os.path.join(tmp, "g2000")
        _write_gallery(two_k, 2000, 56)
        plain = _plain_loop(two_k, saved)
        rows.append(
            {"what": "plain batched loop (SavedModelScorer, batch 64)", "images": 2000, "images_per_s": 2000 / plain}
        )
        for workers in (1, 2):
            extra = ["--max-batch-size", "64", "--min-batch-size", "64"]
            if workers == 2:
                extra += ["--direct_num_workers", "2", "--direct_running_mode", "multi_processing"]
            seconds, peak = _job(two_k, saved, os.path.join(tmp, f"out{workers}", "s"), extra)
            rows.append(
                {
                    "what": f"Beam job, FnApiRunner, {workers} worker(s)",
                    "images": 2000,
                    "images_per_s": 2000 / seconds,
                    "overhead_vs_plain": seconds / plain,
                    "peak_rss_mib": peak,
                }
            )
        memory = {}
        for folder, count in ((small, 1000), (large, 10000)):
            seconds, peak = _job(folder, saved, os.path.join(tmp, f"mem{count}", "s"), [])
            memory[count] = peak
            rows.append(
                {
                    "what": "Beam job, 1 worker (memory)",
                    "images": count,
                    "images_per_s": count / seconds,
                    "peak_rss_mib": peak,
                }
            )
    return report(
        "beam_scoring",
        rows,
        {
            "overhead_goal": "<= 1.25x",
            "memory_ratio_10000_vs_1000": memory[10000] / memory[1000],
            "memory_goal": "flat within 10%",
            "parent_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        },
    )


if __name__ == "__main__":
    main()
