"""Peak memory of `crfiqa-tf score --out` over folders of 1,000, 10,000 and 50,000 small images: flat, because rows
are written as each batch is scored and the closing line's counts are running totals.

    python -m benchmarks.score_memory

Each size runs `crfiqa-tf score FOLDER --model MODEL.keras --out rows.csv --batch-size 256` in a fresh process
that reports its own peak resident set size (``ru_maxrss``) when it exits; the model is a small untrained CR-FIQA
network (iResNet-18 at 32×32, what is measured is the command, not the network). The images are 16×16 PNGs.
"""

from __future__ import annotations

import os
import tempfile

import numpy as np
from PIL import Image

from benchmarks.common import cli_peak_rss, report

SIZES = (1000, 10000, 50000)


def tiny_model(path: str) -> None:
    import keras

    from crfiqa_tf.models import ArcFaceMarginHead, CRFIQAModel, CRQualityHead, IResNet

    keras.utils.set_random_seed(0)
    backbone = IResNet(18, 16, input_shape=(32, 32, 3))
    model = CRFIQAModel(backbone, ArcFaceMarginHead(4), CRQualityHead())
    model.inference_model().save(path)


def folder_of(root: str, count: int) -> str:
    folder = os.path.join(root, f"images_{count}")
    os.makedirs(folder)
    rng = np.random.default_rng(count)
    for i in range(count):
        Image.fromarray(rng.integers(0, 256, (16, 16, 3), dtype=np.uint8)).save(os.path.join(folder, f"{i:06d}.png"))
    return folder


def main() -> dict:
    rows = []
    with tempfile.TemporaryDirectory() as work:
        model = os.path.join(work, "tiny.keras")
        tiny_model(model)
        for count in SIZES:
            folder = folder_of(work, count)
            out = os.path.join(work, f"rows_{count}.csv")
            seconds, peak = cli_peak_rss("score", folder, "--model", model, "--batch-size", "256", "--out", out)
            with open(out, encoding="utf-8") as handle:
                written = sum(1 for _ in handle) - 1
            rows.append(
                {"what": f"score, {count} images", "images": count, "rows": written, "peak_rss_mib": peak,
                 "seconds": seconds}
            )  # fmt: skip
    ratio = rows[-1]["peak_rss_mib"] / rows[0]["peak_rss_mib"]
    extra = {
        f"memory_ratio_{SIZES[-1]}_vs_{SIZES[0]}": ratio,
        "goals": {f"peak memory at {SIZES[-1]} within 10 % of its peak at {SIZES[0]}": ratio <= 1.10},
    }
    return report("score_memory", rows, extra)


if __name__ == "__main__":
    main()
