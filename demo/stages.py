"""Runs the embedded demo and writes ``SUMMARY.md`` with every figure and where each artefact is.

Stages: synthetic identity set → train ``synthetic_tiny`` with MirroredStrategy on 2 logical CPUs (verification
on the held-out ``.bin`` as it goes) → method check (does quality rank degradation?) → evaluation (EDC against
random, sharpness and embedding-norm baselines) → calibration to 0–100 → export (SavedModel, TFLite int8, ONNX
with parity reports) → the Beam job over a held-out gallery with broken files → the full-size iResNet-50
(parameters, one training step at batch 8).
"""

from __future__ import annotations

import json
import os
import shutil
import time


def _log(message: str) -> None:
    print(f"[demo] {message}", flush=True)


def synth_stage(out_dir: str, quick: bool) -> dict:
    """Writes the synthetic set at the demo's size (or the quick one)."""
    from crfiqa_tf.data.synthetic import make_synthetic_dataset
    from crfiqa_tf_apps.training.synthetic_run import PROTOCOLS

    identities, per_identity, _ = PROTOCOLS["quick" if quick else "demo"]
    data_dir = os.path.join(out_dir, "synthetic", "train")
    _log(f"1/8 synthetic identity set: {identities} identities × {per_identity} images → {data_dir}")
    info = make_synthetic_dataset(data_dir, identities, per_identity, seed=0, shards=4, val_pairs=40 if quick else 400)
    return {"data_dir": data_dir, "identities": identities, "images": info["num_images"]}


def train_stage(out_dir: str, data_dir: str, quick: bool) -> dict:
    from crfiqa_tf_apps.training.synthetic_run import PROTOCOLS, train_synthetic_tiny

    steps = PROTOCOLS["quick" if quick else "demo"][2]
    run_dir = os.path.join(out_dir, "run")
    _log(f"2/8 training synthetic_tiny for {steps} steps with MirroredStrategy on 2 logical CPUs → {run_dir}")
    # float32 on every CPU: mixed_bfloat16 trains 1.26x faster where the CPU has bfloat16 instructions but ranked
    # quality worse (benchmarks/demo_precision.py)
    return train_synthetic_tiny(data_dir, run_dir, steps, quick=quick)


def method_stage(run_dir: str, data_dir: str) -> dict:
    from crfiqa_tf.evaluation.method_check import method_check
    from crfiqa_tf.model_io import load_keras_model

    _log("3/8 method check: quality against degradation (held-out identities) and against CR")
    return method_check(load_keras_model(run_dir, prefer="training"), data_dir)


def evaluation_stage(out_dir: str, run_dir: str, data_dir: str) -> dict:
    from crfiqa_tf.evaluation.evaluate import evaluate

    _log("4/8 evaluation: EDC / pAUC of CR-FIQA against random, sharpness and embedding-norm baselines")
    result = evaluate(
        run_dir,
        os.path.join(out_dir, "evaluation"),
        bin_path=os.path.join(data_dir, "verification.bin"),
        fmrs=(1e-2, 1e-1),
    )
    return {
        "out_dir": os.path.join(out_dir, "evaluation"),
        "plots": result["plots"],
        "table": result["table"],
        "verification_accuracy": result["verification_accuracy"],
    }


def calibration_stage(out_dir: str, run_dir: str, data_dir: str) -> dict:
    from crfiqa_tf.calibration import fit_with_thresholds, save_calibration
    from crfiqa_tf.data.samples import images_from_shards
    from crfiqa_tf.inference.keras_model import model_outputs
    from crfiqa_tf.model_io import load_keras_model

    _log("5/8 calibration: logistic 0–100 mapping fitted on training-set qualities")
    model = load_keras_model(run_dir)
    _, quality = model_outputs(model, images_from_shards(data_dir, 512, 112))
    calibration = fit_with_thresholds(quality, reference=f"{len(quality)} training images of {data_dir}")
    path = os.path.join(out_dir, "calibration.json")
    save_calibration(calibration, path)
    return {"path": path, **calibration["reference_percentiles"]}


def export_stage(out_dir: str, run_dir: str, data_dir: str, calibration_path: str) -> dict:
    from crfiqa_tf_apps.serving.export_lib import export

    _log("6/8 export: SavedModel (TF Serving layout), TFLite int8 and ONNX, with parity reports")
    result = export(
        run_dir,
        os.path.join(out_dir, "export"),
        quantize=("int8",),
        calibration_path=calibration_path,
        representative=data_dir,
    )
    return {"saved_model": result["saved_model"], "files": result["files"]}


def beam_stage(out_dir: str, data_dir: str, saved_model: str, calibration: str, quick: bool) -> dict:
    from PIL import Image

    from crfiqa_tf.data.bin_sets import load_bin
    from crfiqa_tf.image_io import resize_rgb
    from crfiqa_tf.model_io import input_size
    from crfiqa_tf.report import build_report
    from crfiqa_tf_apps.beam_jobs.score_gallery import run

    _log("7/8 Beam job (FnApiRunner) over a held-out gallery that includes broken files, and its review report")
    gallery = os.path.join(out_dir, "gallery")
    os.makedirs(gallery)
    images, _ = load_bin(os.path.join(data_dir, "verification.bin"))
    size = input_size(saved_model)  # aligned faces at the model's own size, as a gallery prepared for it would be
    for index, image in enumerate(images[: 20 if quick else 300]):
        Image.fromarray(resize_rgb(image, size)).save(os.path.join(gallery, f"face_{index:04d}.png"))
    with open(os.path.join(gallery, "truncated.jpg"), "wb") as handle:
        handle.write(b"\xff\xd8\xff\xe0" + bytes(40))
    with open(os.path.join(gallery, "empty.png"), "wb"):
        pass
    with open(os.path.join(gallery, "readme.txt"), "w", encoding="utf-8") as handle:
        handle.write("not an image")
    output = os.path.join(out_dir, "beam", "scores")
    counters = run(["--input-folder", gallery, "--model", saved_model, "--output", output, "--format", "parquet"])
    report = os.path.join(out_dir, "report.html")
    figures = build_report([output], report, calibration=calibration, title="crfiqa-tf demo: the Beam run's gallery")
    report_figures = {key: figures[key] for key in ("files", "faces", "errors", "thumbnails", "bytes")}
    return {"gallery": gallery, "output_prefix": output, **counters, "report": report, "report_figures": report_figures}


def model_step_stage(quick: bool) -> dict:
    """Builds iResNet-50 (iResNet-18 at 32 px when quick), times one training step at batch 8."""
    from crfiqa_tf.models.step_timing import time_training_step

    depth, size = (18, 32) if quick else (50, 112)
    _log(f"8/8 iResNet-{depth} at {size}×{size}: parameters and one training step at batch 8")
    timing = time_training_step(depth, size, batch=8, steps=1, num_classes=100)
    return {"depth": depth, "image_size": size, **timing}


def write_summary(out_dir: str, f: dict) -> str:
    data, train, method, step = f["data"], f["train"], f["method"], f["model_step"]
    verification = ", ".join(f"step {v['step']}: {v['verification']:.3f}" for v in train["verification"])
    lines = [
        "# crfiqa-tf demo summary",
        "",
        f"Machine: {f['machine']}. Total time {f['minutes']:.1f} min ("
        + ", ".join(f"{name} {seconds:.0f} s" for name, seconds in f["stage_seconds"].items())
        + ").",
        "",
        "## Data",
        f"- synthetic identity set: {data['identities']} identities, {data['images']} images → `{data['data_dir']}`",
        f"- held-out verification pairs: `{data['data_dir']}/verification.bin`",
        "",
        "## Training (synthetic_tiny, MirroredStrategy)",
        f"- {train['steps']} steps, {train['replicas']} replicas, global batch {train['global_batch']}, "
        f"{train['compute_dtype']} compute, {train['minutes']:.1f} min ({train['images_per_second']:.1f} images/s)",
        f"- loss {train['first_loss']:.2f} → {train['last_loss']:.2f}; "
        f"accuracy {train['first_accuracy']:.3f} → {train['last_accuracy']:.3f}",
        f"- verification accuracy (10-fold) on held-out identities: {verification}",
        f"- run directory `{train['run_dir']}`: config.yaml, log.csv, tensorboard/, checkpoints/, model.keras, "
        "inference.keras",
        "",
        "## Method check",
        f"- Spearman(quality, −degradation) on {method['held_out_images']} held-out images: "
        f"{method['spearman_quality_vs_neg_degradation']:.3f} (goal ≥ 0.6); within each kind: "
        + ", ".join(f"{kind} {part['spearman']:.2f}" for kind, part in method["per_kind"].items()),
        f"- the same ranking by each held-out image's CR against held-out identity centres (the head never sees "
        f"it; what the embedding allows): {method['spearman_held_out_cr_vs_neg_degradation']:.3f}; within each "
        "kind: " + ", ".join(f"{kind} {part['spearman_held_out_cr']:.2f}" for kind, part in method["per_kind"].items()),
        f"- Spearman(quality, own CR) on {method['fresh_training_identity_images']} fresh images of training "
        f"identities: {method['spearman_quality_vs_cr']:.3f}",
        "",
        "## Evaluation (EDC, threshold fixed before discarding)",
        f"- plots: {', '.join(f'`{p}`' for p in f['evaluation']['plots'])}",
        f"- table: `{f['evaluation']['out_dir']}/pauc.md`",
        "",
        "| method | FMR | pAUC@0.2 | pAUC@0.2 − best | pAUC@0.3 |",
        "|---|---|---|---|---|",
        *(
            f"| {r['method']} | {r['fmr']:g} | {r['pauc@0.2']:.4f} | {r['pauc@0.2-best']:.4f} | {r['pauc@0.3']:.4f} |"
            for r in f["evaluation"]["table"]
        ),
        "",
        "## Calibration",
        f"- `{f['calibration']['path']}`: training-set quality percentiles 5/50/95 = "
        f"{f['calibration']['5']:.3f} / {f['calibration']['50']:.3f} / {f['calibration']['95']:.3f} → 5 / 50 / 95",
        "",
        "## Export",
        f"- SavedModel (TF Serving layout): `{f['export']['saved_model']}`",
        *(
            f"- `{x['path']}`: {x['parity']['size_bytes'] / 2**20:.1f} MiB, max |Δquality| "
            f"{x['parity']['max_abs_diff_quality']:.2e}, Spearman {x['parity']['spearman_quality']:.4f}, mean cosine "
            f"{x['parity']['mean_cosine_embedding']:.4f} (sidecar `{x['path']}.json`)"
            for x in f["export"]["files"]
        ),
        "",
        "## Beam job",
        f"- gallery `{f['beam']['gallery']}` → `{f['beam']['output_prefix']}-*.parquet` (failures in "
        f"`{f['beam']['output_prefix']}-failures-*.jsonl`)",
        f"- read {f['beam']['read']} = scored {f['beam']['scored']} + failed "
        f"{f['beam']['failed_decode'] + f['beam']['failed_align'] + f['beam']['failed_inference']}",
        f"- review report `{f['beam']['report']}` ({f['beam']['report_figures']['bytes'] / 1024:.0f} KiB, offline): "
        f"{f['beam']['report_figures']['files']} files, {f['beam']['report_figures']['faces']} faces, "
        f"{f['beam']['report_figures']['errors']} errors",
        "",
        "## Model core",
        f"- iResNet-{step['depth']} at {step['image_size']}×{step['image_size']}: {step['parameters']:,} parameters "
        "(backbone + quality head)",
        f"- one training step at batch 8: {step['seconds_per_step']:.2f} s",
        "",
    ]
    path = os.path.join(out_dir, "SUMMARY.md")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write("\n".join(lines))
    with open(os.path.join(out_dir, "summary.json"), "w", encoding="utf-8") as handle:
        json.dump(f, handle, indent=2, default=float)
    return path


def run_demo(out_dir: str = "demo_out", quick: bool = False) -> str:
    """Runs every stage into `out_dir` (replaced if present) and returns the path of SUMMARY.md."""
    from crfiqa_tf.environment import describe_machine

    start = time.perf_counter()
    if os.path.isdir(out_dir):
        shutil.rmtree(out_dir)
    os.makedirs(out_dir)
    figures = {"machine": describe_machine(), "stage_seconds": {}}

    def timed(name, stage, *args):
        began = time.perf_counter()
        figures[name] = stage(*args)
        figures["stage_seconds"][name] = time.perf_counter() - began
        return figures[name]

    data_dir = timed("data", synth_stage, out_dir, quick)["data_dir"]
    run_dir = timed("train", train_stage, out_dir, data_dir, quick)["run_dir"]
    timed("method", method_stage, run_dir, data_dir)
    timed("evaluation", evaluation_stage, out_dir, run_dir, data_dir)
    calibration = timed("calibration", calibration_stage, out_dir, run_dir, data_dir)["path"]
    saved_model = timed("export", export_stage, out_dir, run_dir, data_dir, calibration)["saved_model"]
    report = timed("beam", beam_stage, out_dir, data_dir, saved_model, calibration, quick)["report"]
    timed("model_step", model_step_stage, quick)
    figures["minutes"] = (time.perf_counter() - start) / 60
    path = write_summary(out_dir, figures)
    _log(f"summary written to {path}")
    _log(f"review report of the Beam run (open it in a browser): {os.path.abspath(report)}")
    return path
