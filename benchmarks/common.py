"""Shared benchmark plumbing: the machine description, the result table, the JSON file."""

from __future__ import annotations

import datetime
import json
import os
import statistics
import subprocess
import sys
import time

import numpy as np

from crfiqa_tf.environment import describe_machine

RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def report(name: str, rows: list[dict], extra: dict | None = None) -> dict:
    """Prints `rows` as a table and writes ``results/<name>.json`` with the machine and the date."""
    result = {
        "benchmark": name,
        "machine": describe_machine(),
        "date": datetime.date.today().isoformat(),
        "rows": rows,
        **(extra or {}),
    }
    columns = list(dict.fromkeys(k for row in rows for k in row))
    widths = {c: max(len(c), *(len(_fmt(r.get(c, ""))) for r in rows)) for c in columns}
    print(f"\n{name} — {result['machine']} — {result['date']}")
    print("  ".join(c.ljust(widths[c]) for c in columns))
    for row in rows:
        print("  ".join(_fmt(row.get(c, "")).ljust(widths[c]) for c in columns))
    for key, value in (extra or {}).items():
        print(f"{key}: {_fmt(value)}")
    os.makedirs(RESULTS, exist_ok=True)
    with open(os.path.join(RESULTS, f"{name}.json"), "w", encoding="utf-8") as handle:
        json.dump(result, handle, indent=2)
    return result


def _fmt(value) -> str:
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)


def exported_r50(work: str, steps: int) -> dict:
    """A trained iResNet-50 at 112 px exported as SavedModel, int8 TFLite and ONNX (reused when `work` has them)."""
    from crfiqa_tf_apps.serving.export_lib import export

    report_path = os.path.join(work, "export", "export_report.json")
    if not os.path.exists(report_path):
        keras_path, data = train_r50(work, steps)
        export(keras_path, os.path.join(work, "export"), quantize=("int8",), representative=data)
    with open(report_path, encoding="utf-8") as handle:
        exported = json.load(handle)
    return {
        "saved_model": exported["saved_model"],
        **{os.path.basename(f["path"]): f["path"] for f in exported["files"]},
    }


def train_r50(tmp: str, steps: int) -> tuple[str, str]:
    """A trained iResNet-50 at 112 px (``model.keras``) and its training shards."""
    import keras

    from crfiqa_tf.config import ModelConfig
    from crfiqa_tf.data.pipeline import make_dataset
    from crfiqa_tf.data.synthetic import make_synthetic_dataset
    from crfiqa_tf.models import build_crfiqa_model

    data = os.path.join(tmp, "train")
    make_synthetic_dataset(data, identities=40, per_identity=12, seed=0, shards=2, val_pairs=4)
    keras.utils.set_random_seed(0)
    config = ModelConfig(depth=50, image_size=112, dropout=0.0, cr_mode="paper", synchronized_bn=False)
    model = build_crfiqa_model(config, 40, backbone_clip_norm=5.0, weight_decay=5e-4)
    model.compile(optimizer=keras.optimizers.SGD(0.02, momentum=0.9))
    dataset = make_dataset(data, 16, training=True, image_size=112, shuffle_buffer=512, seed=0)
    start = time.perf_counter()
    history = model.fit(dataset, steps_per_epoch=steps, epochs=1, verbose=0).history
    seconds = time.perf_counter() - start
    print(f"trained iResNet-50 for {steps} steps in {seconds:.0f} s, loss {history['loss'][-1]:.2f}", flush=True)
    path = os.path.join(tmp, "model.keras")
    model.save(path)
    return path, data


def latency_models(work: str) -> dict[str, str]:
    """Untrained int8 TFLite files of the edge student (MobileFaceNet-edge) and iResNet-50, both with the quality
    head, for latency only (int8 latency does not depend on the weights' values); reused when `work` has them."""
    import keras
    from PIL import Image

    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.model_io import save_keras_model
    from crfiqa_tf.models import CRQualityHead, IResNet, MobileFaceNet
    from crfiqa_tf.models.inference_model import build_inference_model
    from crfiqa_tf_apps.serving.export_lib import export

    faces = os.path.join(work, "latency_faces")
    if not os.path.isdir(faces):
        os.makedirs(faces)
        for index, image in enumerate(synthetic_images(64, 112, seed=81)):
            Image.fromarray(image).save(os.path.join(faces, f"{index:03d}.png"))
    builders = {
        "student": lambda: MobileFaceNet.variant("mobilefacenet-edge", 512),
        "iresnet50": lambda: IResNet(50, 512, form="inference"),
    }
    models = {}
    for name, build in builders.items():
        exported = os.path.join(work, f"latency_{name}")
        path = os.path.join(exported, "tflite", "crfiqa_int8.tflite")
        if not os.path.exists(path):
            keras.utils.set_random_seed(0)
            backbone, head = build(), CRQualityHead()
            head(backbone(np.zeros((1, 112, 112, 3), np.float32)))
            keras_file = os.path.join(work, f"latency_{name}.keras")
            save_keras_model(build_inference_model(backbone, head, "uint8", "RGB"), keras_file)
            export(keras_file, exported, formats=("tflite",), quantize=("int8",), representative=faces)
        models[name] = path
    return models


def median_ms(call, repeats: int = 50, warmup: int = 5) -> float:
    """Median milliseconds of `call` over `repeats` calls, after `warmup` untimed ones."""
    for _ in range(warmup):
        call()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        times.append(time.perf_counter() - start)
    return 1000 * statistics.median(times)


def measure_in_child(module: str, models: dict, *args: str) -> dict:
    """Runs ``python -m MODULE --measure JSON(models) ARGS`` — the benchmark's own TensorFlow-free measuring side —
    and returns the JSON it prints last; raises with the child's stderr when it fails."""
    child = subprocess.run(
        [sys.executable, "-m", module, "--measure", json.dumps(models), *args],
        capture_output=True,
        text=True,
        cwd=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    )
    if child.returncode:
        raise SystemExit(f"{module}: the measuring process failed:\n{child.stderr[-3000:]}")
    return json.loads(child.stdout.strip().splitlines()[-1])


PEAK_RSS_CHILD = (
    "import resource, sys\n"
    "from crfiqa_tf.cli import main\n"
    "status = main(sys.argv[1:])\n"
    "print('peak_rss_kib', resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    "sys.exit(status)\n"
)


def cli_peak_rss(*argv: str) -> tuple[float, float]:
    """Runs ``crfiqa-tf ARGV`` in a fresh process; its wall seconds and its own peak resident set size in MiB
    (``ru_maxrss``, read by the process as it exits)."""
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-c", PEAK_RSS_CHILD, *argv], capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - start
    peak = next(int(line.split()[1]) for line in done.stdout.splitlines() if line.startswith("peak_rss_kib"))
    return seconds, peak / 1024


RESULTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "results")


def load_result(name: str) -> dict:
    """benchmarks/results/NAME.json, as `report` wrote it."""
    with open(os.path.join(RESULTS, f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def markdown_table(header: list[str], rows: list[list]) -> list[str]:
    """The lines of a Markdown pipe table (docs/BENCHMARKS.md's blocks)."""
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    return lines + ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]


def goals_line(result: dict) -> str:
    """A benchmark's goals, each met or missed, as one docs line."""
    return (
        "- Goals: " + "; ".join(f"{goal}: {'met' if met else 'missed'}" for goal, met in result["goals"].items()) + "."
    )


def table_row(row: dict) -> tuple[str, str, str]:
    """(measurement, result, note) of one result row in docs/BENCHMARKS.md's table of every result; a benchmark
    whose rows say more defines its own ``table_row`` (benchmarks/run_all.py calls it)."""
    value = ""
    for key, unit in (("ms", " ms"), ("frames_per_s", " frames/s"), ("images_per_s", " images/s"), ("value", "")):
        if key in row:
            value = f"{row[key]:.3g}{unit}"
            break
    note = row.get("goal", "")
    if "peak_rss_mib" in row:
        note = f"peak RSS {row['peak_rss_mib']:.0f} MiB"
    return row.get("what", ""), value, note
