"""Raw photos → every face scored: the SavedModel's in-graph ``score_photos`` (fp32, and bf16 through TensorFlow's
oneDNN rewrite) against the Python path (BlazeFace + Face Mesh on LiteRT, NumPy alignment, then the same
SavedModel's ``predict_images`` on the crops), on the same photos, batch 1 and 8, in one run.

    python -m benchmarks.score_photos [--work-dir DIR] [--rounds 5]

The model is iResNet-50 at 112 px exported as a SavedModel (untrained weights: the time does not depend on them).
The photos are the packaged sample photos with faces (astronaut, cameraman, grace_hopper, the group of six, the
aligned portrait) and two without (cat, coffee), saved as JPEG; both paths read the same files through
``scorer.score(paths, align=True, faces="all")``, the Python path by the base `Scorer`'s implementation. Each round
visits every path in turn; the figure is the median photos/s over rounds. Goal: in-graph ≥ 1.0× the Python path at
batch 8 on CPU. Without a GPU here (none was lent to this task) the GPU figure is not measured.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

import numpy as np
from PIL import Image

from benchmarks.common import goals_line, markdown_table, report
from crfiqa_tf.faces.face_options import FaceOptions  # noqa: E402

ALL_FACES = FaceOptions(align=True, faces="all")
PHOTOS = ("astronaut", "cameraman", "grace_hopper", "group_of_six", "aligned_portrait", "cat", "coffee", "astronaut")


def _model(work: str) -> str:
    import keras

    from crfiqa_tf.models import CRQualityHead, IResNet
    from crfiqa_tf.models.inference_model import build_inference_model
    from crfiqa_tf_apps.serving.export_saved_model import export_saved_model

    saved = os.path.join(work, "saved_model", "crfiqa", "1")
    if not os.path.exists(os.path.join(saved, "saved_model.pb")):
        keras.utils.set_random_seed(0)
        backbone, head = IResNet(50, 512, form="inference"), CRQualityHead()
        head(backbone(np.zeros((1, 112, 112, 3), np.float32)))
        calibration = {"type": "logistic", "centre": 0.0, "scale": 1.0}
        export_saved_model(build_inference_model(backbone, head, "uint8", "RGB"), work, calibration=calibration)
    return saved


def _photos(work: str) -> list[str]:
    from crfiqa_tf.data.sample_photos import photo

    folder = os.path.join(work, "photos")
    os.makedirs(folder, exist_ok=True)
    paths = []
    for index, name in enumerate(PHOTOS):
        path = os.path.join(folder, f"{index}_{name}.jpg")
        if not os.path.exists(path):
            Image.fromarray(photo(name)).save(path, quality=92)
        paths.append(path)
    return paths


def _detection_only(paths: list[str], rounds: int) -> dict:
    """Milliseconds to find and align the faces of all photos, without the network: the graph's part of
    ``score_photos`` (`faces_of_photos`, one batch) against Pillow decoding + the LiteRT aligner."""
    import tensorflow as tf

    from crfiqa_tf.align import aligner_tf
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.aligner_tf import faces_of_photos
    from crfiqa_tf.image_io import read_image

    pipeline = aligner_tf.FaceAligner()
    graph = tf.function(
        lambda data: faces_of_photos(pipeline, data, "image_bytes"), input_signature=[tf.TensorSpec([None], tf.string)]
    )
    data = tf.constant([open(p, "rb").read() for p in paths])
    aligner = FaceAligner(policy="all")
    calls = {
        "in-graph (TF ops)": lambda: graph(data),
        "LiteRT + NumPy": lambda: [aligner.align(read_image(p)) for p in paths],
    }
    samples = {name: [] for name in calls}
    for call in calls.values():
        call()
    for _ in range(rounds):
        for name, call in calls.items():
            start = time.perf_counter()
            call()
            samples[name].append(1000 * (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in samples.items()}


def main() -> dict:
    from crfiqa_tf.inference.base import Scorer
    from crfiqa_tf.inference.saved_model import IN_GRAPH, SavedModelScorer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", help="keep (and reuse) the SavedModel and the photos here")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or tmp
        saved, paths = _model(work), _photos(work)
        fp32, bf16 = SavedModelScorer(saved), SavedModelScorer(saved, precision="bfloat16")
        paths_of = {
            "in-graph score_photos, SavedModel fp32": lambda batch: fp32.score(paths, batch, options=ALL_FACES),
            "in-graph score_photos, SavedModel bf16 rewrite": lambda batch: bf16.score(paths, batch, options=ALL_FACES),
            "Python path: LiteRT detection + NumPy alignment + predict_images fp32": lambda batch: Scorer.score(
                fp32, paths, batch, options=ALL_FACES
            ),
        }
        faces = {}
        for name, call in paths_of.items():  # warm up (graph optimisation, LiteRT delegates) and count faces
            faces[name] = sum(r.error is None for r in call(8))
            call(1)
        assert fp32.align_path == IN_GRAPH
        rows = []
        for batch in (1, 8):
            samples = {name: [] for name in paths_of}
            for _ in range(args.rounds):
                for name, call in paths_of.items():
                    start = time.perf_counter()
                    call(batch)
                    samples[name].append(len(paths) / (time.perf_counter() - start))
            baseline = statistics.median(samples[next(n for n in paths_of if n.startswith("Python"))])
            for name, rates in samples.items():
                rate = statistics.median(rates)
                rows.append(
                    {
                        "what": f"{name}, batch {batch}",
                        "batch": batch,
                        "photos_per_s": rate,
                        "vs_python_path": rate / baseline,
                        "faces": faces[name],
                    }
                )
        detection = _detection_only(paths, args.rounds)
    in_graph_8 = next(
        r for r in rows if r["batch"] == 8 and r["what"].startswith("in-graph score_photos, SavedModel fp32")
    )
    extra = {
        "photos": len(paths),
        "model": "iResNet-50, 112 px, untrained weights (time only)",
        "gpu": "not measured: no GPU device was lent to this task",
        "detection_ms_for_all_photos": detection,
        "goals": {"in-graph >= 1.0x the Python path at batch 8 (CPU)": in_graph_8["vs_python_path"] >= 1.0},
    }
    return report("score_photos", rows, extra)


MARKER = "SCORE_PHOTOS"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The in-graph photo path against the Python path, from benchmarks/results/score_photos.json."""
    intro = (
        f"`python -m benchmarks.score_photos`, {result['machine']}, {result['date']}: {result['photos']} sample "
        f"photos (JPEG), {result['model']}; the median photos/s over rounds that visit every path in turn. GPU: "
        f"{result['gpu']}."
    )
    header = ["path", "batch", "photos/s", "× the Python path", "faces"]
    table = [
        [r["what"].rsplit(", batch", 1)[0], r["batch"], f"{r['photos_per_s']:.2f}", f"{r['vs_python_path']:.2f}",
         r["faces"]]
        for r in result["rows"]
    ]  # fmt: skip
    lines = [intro, "", *markdown_table(header, table), ""]
    detection = result["detection_ms_for_all_photos"]
    lines.append(
        "- Finding and aligning the faces of all the photos, without the network: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in detection.items())
        + "; the rest of each path is the same network on the same faces."
    )
    lines.append(goals_line(result))
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    value = f"{row['photos_per_s']:.3g} photos/s ({row['vs_python_path']:.2f}× the Python path)"
    return row["what"], value, ""


if __name__ == "__main__":
    main()
