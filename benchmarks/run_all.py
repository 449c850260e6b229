"""Runs every benchmark (or, with --table-only, none) and rewrites the generated blocks of docs/BENCHMARKS.md (the
table of every result, the detector comparison, the edge comparison, the training step, the gallery cost per
format) from the JSON files in benchmarks/results; each row names the machine and the date it was measured on."""

from __future__ import annotations

import argparse
import glob
import importlib
import json
import os
import subprocess
import sys

from benchmarks.common import goals_line, markdown_table

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BENCHMARKS = [
    "input_pipeline",
    "train_throughput",
    "method_check",
    "inference",
    "prelu_int8",
    "beam_scoring",
    "detectors",
    "edge",
    "demo_precision",
    "components",
    "best_shots",
    "score_photos",
    "small_faces",
    "score_memory",
    "report_scale",
    "real_faces",
]
# Benchmarks that own their docs/BENCHMARKS.md block: a module with MARKER and summary(result); the shared table
# leaves them out.
OWN_BLOCKS = ("real_faces",)
DOC = os.path.join(ROOT, "docs", "BENCHMARKS.md")
START, END = "<!-- BENCHMARKS -->", "<!-- /BENCHMARKS -->"
COST_START, COST_END = "<!-- BEAM_COST -->", "<!-- /BEAM_COST -->"
DETECTORS_START, DETECTORS_END = "<!-- DETECTORS -->", "<!-- /DETECTORS -->"
EDGE_START, EDGE_END = "<!-- EDGE -->", "<!-- /EDGE -->"
TRAINING_START, TRAINING_END = "<!-- TRAINING -->", "<!-- /TRAINING -->"
INFERENCE_START, INFERENCE_END = "<!-- INFERENCE -->", "<!-- /INFERENCE -->"
METHOD_START, METHOD_END = "<!-- METHOD_CHECK -->", "<!-- /METHOD_CHECK -->"
COMPONENTS_START, COMPONENTS_END = "<!-- COMPONENTS -->", "<!-- /COMPONENTS -->"
BEST_SHOTS_START, BEST_SHOTS_END = "<!-- BEST_SHOTS -->", "<!-- /BEST_SHOTS -->"
SCORE_PHOTOS_START, SCORE_PHOTOS_END = "<!-- SCORE_PHOTOS -->", "<!-- /SCORE_PHOTOS -->"
SMALL_FACES_START, SMALL_FACES_END = "<!-- SMALL_FACES -->", "<!-- /SMALL_FACES -->"
REPORT_START, REPORT_END = "<!-- REPORT_SCALE -->", "<!-- /REPORT_SCALE -->"


def _value(row: dict) -> str:
    if "ms" in row:
        return f"{row['ms']:.3g} ms"
    if "frames_per_s" in row:
        return f"{row['frames_per_s']:.3g} frames/s"
    if "photos_per_s" in row:
        return f"{row['photos_per_s']:.3g} photos/s ({row['vs_python_path']:.2f}× the Python path)"
    if "ms_per_photo" in row:
        return f"{row['ms_per_photo']:.3g} ms/photo"
    if "ms_per_face_1_thread" in row:
        return f"{row['ms_per_face_1_thread']:.3g} ms/face (1 thread), {row['ms_per_face_2_thread']:.3g} (2 threads)"
    for key in ("images_per_s", "value"):
        if key in row:
            return f"{row[key]:.3g}" + (" images/s" if key == "images_per_s" else "")
    return ""


def table() -> str:
    lines = [START, "", "| benchmark | measurement | result | note | machine, date |", "|---|---|---|---|---|"]
    for path in sorted(glob.glob(os.path.join(ROOT, "benchmarks", "results", "*.json"))):
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        if result["benchmark"] in OWN_BLOCKS:
            continue
        for row in result["rows"]:
            extra = f"vs PyTorch {row['vs_torch']:.2f}×" if "vs_torch" in row else row.get("goal", "")
            if "baseline" in row:
                extra = f"{row['vs_torch']:.2f}× {row['baseline']}"
            if "of_roofline" in row:
                extra = f"{row['gflop_per_s']:.0f} GFLOP/s, {row['of_roofline']:.2f} of the fp32 matmul roofline"
            if "overhead_vs_plain" in row:
                extra = f"{row['overhead_vs_plain']:.2f}× the plain loop's time, peak RSS {row['peak_rss_mib']:.0f} MiB"
                if "spearman_vs_fp32" in row:
                    extra += f"; Spearman vs fp32 {row['spearman_vs_fp32']:.4f}"
            elif "peak_rss_mib" in row:
                extra = f"peak RSS {row['peak_rss_mib']:.0f} MiB"
            if "held_out_cr" in row:  # method check: the same ranking by CR against held-out identity centres
                goal = "" if row.get("goal", "-") == "-" else f"{row['goal']}; "
                extra = f"{goal}by held-out CR: {row['held_out_cr']:.3g}"
            if "int8_relative_error" in row:
                extra = f"invocations/s; int8 error {row['int8_relative_error']:.3f}; TFLite ops {row['tflite_ops']}"
            if "ms_per_photo" in row:
                extra = (
                    f"missed {row['missed']} of {row['faces_expected']} faces, {row['false_faces']} false; LFW "
                    f"{row['lfw_faces_found']}/100 faces, {row['lfw_non_faces_flagged']}/100 non-faces flagged"
                )
            if "recall_20px_and_over" in row:
                extra = (
                    f"{row['ms_640x480']:.1f} ms per 640×480 frame, {row['ms_12mp']:.0f} ms per 12 MP photo; "
                    f"{row['false_faces_face_free']} false faces on face-free frames; VOC {row['voc_found']}"
                )
            if "size_mb" in row:
                extra = f"int8 file {row['size_mb']:.2f} MB"
            if "training_minutes" in row:
                gains = ", ".join(f"{v:.4f} ({k.split(':')[0]})" for k, v in row.items() if "random - CR-FIQA" in k)
                extra = (
                    f"{row['steps']} steps in {row['training_minutes']:.1f} min; method-check Spearman "
                    f"{row['spearman']:.3f}; EDC pAUC gain over random {gains}; verification "
                    f"{row['verification_accuracy']:.3f}"
                )
            label = row.get("what") or f"{row['backend']}, batch {row['batch']}"
            lines.append(
                f"| {result['benchmark']} | {label} | {_value(row)} | {extra} | {result['machine']}, {result['date']} |"
            )
        # the run's ratios and goals, once (not repeated on every row)
        ratios = [
            f"{k}: {v:.3g}" if isinstance(v, float) else f"{k}: {v}"
            for k, v in result.items()
            if ("_vs_" in k and isinstance(v, float)) or k.startswith(("ratio", "memory_ratio")) or k.endswith("goal")
        ]
        if ratios:
            lines.append(
                f"| {result['benchmark']} | ratios (same run) | | {'; '.join(ratios)} | "
                f"{result['machine']}, {result['date']} |"
            )
    return "\n".join(lines + ["", END])


def beam_cost_table() -> str:
    """The README's cost table per model format, from benchmarks/results/beam_scoring.json."""
    with open(os.path.join(ROOT, "benchmarks", "results", "beam_scoring.json"), encoding="utf-8") as handle:
        result = json.load(handle)
    formats = [row for row in result["rows"] if "vcpu_hours_per_10m" in row]
    lines = [
        COST_START,
        "",
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
    return "\n".join(lines + ["", COST_END])


def _result(name: str) -> dict:
    with open(os.path.join(ROOT, "benchmarks", "results", f"{name}.json"), encoding="utf-8") as handle:
        return json.load(handle)


def detectors_table() -> str:
    """The detector comparison, from benchmarks/results/detectors.json."""
    result = _result("detectors")
    faceless = sum(v.endswith("/0") for v in result["rows"][0]["per_photo"].values())
    intro = (
        f"`python -m benchmarks.detectors`, {result['machine']}, {result['date']}: the sample photos of "
        f"`crfiqa_tf/data/sample_photos.py` ({len(result['photos'])} photos, {result['rows'][0]['faces_expected']} "
        f"faces, {faceless} photos without any), scikit-image's LFW subset (100 faces, 100 non-faces; 25×25 grey, "
        "upscaled 4×) and the landmark error on insightface's own aligned portrait against the template, as a "
        "fraction of the inter-ocular distance."
    )
    header = ["detector", "missed faces", "false faces", "LFW faces found", "LFW non-faces flagged"]
    header += ["landmark error (IOD)", "ms per photo"]
    table = [
        [
            r["what"],
            f"{r['missed']} of {r['faces_expected']}",
            r["false_faces"],
            f"{r['lfw_faces_found']}/100",
            f"{r['lfw_non_faces_flagged']}/100",
            f"{r['landmark_error_iod']:.3f}",
            f"{r['ms_per_photo']:.0f}",
        ]
        for r in result["rows"]
    ]
    lines = [DETECTORS_START, "", intro, "", *markdown_table(header, table)]
    ratio = next(v for k, v in result.items() if k.startswith("ratio_ms_"))
    lines += [
        "",
        f"The two detectors' five points lie {result['landmark_agreement_iod']:.3f} inter-ocular distances apart on "
        f"average on the faces both found; MTCNN takes {ratio:.1f}× BlazeFace's time per photo.",
    ]
    return "\n".join(lines + ["", DETECTORS_END])


def small_faces_table() -> str:
    """Recall by face size and by share of the frame, from benchmarks/results/small_faces.json."""
    result = _result("small_faces")
    rows = result["rows"]
    intro = (
        f"`python -m benchmarks.small_faces`, {result['machine']}, {result['date']}: {result['composites']} composites "
        "of the packaged photos (each portrait and the group photo scaled to a given distance between the eyes of "
        "its largest face, pasted at a seeded random place of a face-free photo stretched to 640×480, 1280×960 and "
        "4000×3000; 12 face-free frames among them) and dlib's annotated PASCAL VOC photos "
        f"({result['voc_photos']} photos). Tiles at the default `--min-face` {result['default_min_face']:g}: "
        f"{result['tiles_640x480']} per 640×480 frame, {result['tiles_12mp']} per 12 MP photo."
    )
    eye_bins = list(rows[0]["by_inter_eye"])
    share_bins = list(rows[0]["by_share_of_height"])
    header = ["detector", "found, eyes ≥ 20 px", *(f"eyes {b}" for b in eye_bins)]
    header += ["false faces (composites / face-free)", "VOC found", "VOC false", "second looks / frame"]
    header += ["ms 640×480", "ms 12 MP"]
    table = [
        [
            r["what"],
            f"{r['found_20px_and_over']} ({100 * r['recall_20px_and_over']:.1f} %)",
            *(r["by_inter_eye"][b] for b in eye_bins),
            f"{r['false_faces_composites']} / {r['false_faces_face_free']}",
            r["voc_found"],
            r["voc_false_faces"],
            "" if r.get("second_looks_per_frame") is None else f"{r['second_looks_per_frame']:.2f}",
            f"{r['ms_640x480']:.1f}",
            f"{r['ms_12mp']:.0f}",
        ]
        for r in rows
    ]
    shares = [[r["what"], *(r["by_share_of_height"][b] for b in share_bins)] for r in rows]
    walking = [
        f"{r['what']}: frame {w['first_frame']} of {w['of_frames']} (face box {100 * w['face_share']:.0f} % of the "
        f"height, {w['eye_px']:.0f} px between the eyes)"
        if w.get("first_frame") is not None
        else f"{r['what']}: never"
        for r in rows
        for w in [r["walking_towards_the_camera"]]
    ]
    lines = [SMALL_FACES_START, "", intro, "", *markdown_table(header, table), ""]
    lines += ["By the distance between the eyes as a share of the frame's height:", ""]
    lines += [*markdown_table(["detector", *share_bins], shares), ""]
    lines += [
        "A face walking towards a 640×480 camera (box from 8 % to 40 % of the height over 60 frames) is first found "
        "— and its best-shots track started — at " + "; ".join(walking) + ".",
        "",
        f"Time per 640×480 frame, tiled ÷ whole frame: {result['ratio_ms_640x480_tiled_vs_whole']:.2f}× (one face of "
        "40 px between the eyes), "
        f"{result.get('ratio_ms_640x480_composites_tiled_vs_whole', float('nan')):.2f}× (the mean over the 640×480 "
        f"composites); per 12 MP photo: {result['ratio_ms_12mp_tiled_vs_whole']:.2f}× (same process).",
        "",
        goals_line(result),
    ]
    return "\n".join(lines + ["", SMALL_FACES_END])


def edge_table() -> str:
    """The edge comparison, from benchmarks/results/edge.json."""
    result = _result("edge")
    intro = (
        f"`python -m benchmarks.edge`, {result['machine']}, {result['date']}: the student "
        f"(`{result.get('student', 'mobilefacenet')}`) distilled for "
        f"{result['distill_steps']} steps on {result['distill_faces']} unlabeled synthetic faces from the iResNet-50 "
        "teacher (int8) of `beam_scoring`; all int8 TFLite on LiteRT with XNNPACK; per face the median of 5 medians of "
        "10 single-face calls, the models taking turns. The paper's MobileFaceNet is untrained: its row gives latency "
        "only."
    )
    header = ["model", "int8 file (MB)", "ms per face, 1 thread", "ms per face, 2 threads"]
    table = [
        [r["what"], f"{r['size_mb']:.2f}", f"{r['ms_per_face_1_thread']:.2f}", f"{r['ms_per_face_2_thread']:.2f}"]
        for r in result["rows"]
    ]
    lines = [EDGE_START, "", intro, "", *markdown_table(header, table)]
    detect = result["detect_align_ms_per_frame_1_thread"]
    pauc = result["pauc_0.2_fmr_1e-3"]
    lines += [
        "",
        f"- Student speed-up at one thread: {result['ratio_speed_student_vs_teacher_1_thread']:.1f}×.",
        "- BlazeFace + Face Mesh + alignment per frame at one thread: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in detect.items())
        + f"; the whole frame → score path per face: {result['frame_to_score_ms_per_face_1_thread']:.0f} ms.",
        f"- Spearman of the student's quality with the teacher's: "
        f"{result['spearman_student_vs_teacher_synthetic_held_out']:.3f} on 512 held-out synthetic faces, "
        f"{result['spearman_student_vs_teacher_real_faces']:.3f} on the {result['real_faces']} faces of the sample "
        "photos.",
        f"- EDC pAUC at 20 % rejected (FMR 1e-3, the teacher's embeddings as the recognition system; lower is "
        f"better): teacher {pauc['teacher']:.4f}, student {pauc['student']:.4f}.",
        goals_line(result),
    ]
    return "\n".join(lines + ["", EDGE_END])


def training_summary() -> str:
    """The training-step figures in words, from benchmarks/results/train_throughput{,_gpu}.json."""
    result = _result("train_throughput")
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
    gpu = _result("train_throughput_gpu")
    rows = "; ".join(f"{row['what']}: {row['images_per_s']:.0f} images/s" for row in gpu["rows"])
    batch = gpu["rows"][0]["batch"]
    gpu_line = f"On {gpu['machine']} ({gpu['date']}, batch {batch}): {rows}. Keras: {gpu['keras_rows']}."
    return "\n".join([TRAINING_START, "", cpu, "", gpu_line, "", TRAINING_END])


def inference_summary() -> str:
    """The inference goals in words, from benchmarks/results/inference.json."""
    result = _result("inference")
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
        INFERENCE_START,
        "",
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
        "",
        INFERENCE_END,
    ]
    return "\n".join(lines)


def _within(rows: dict, kind: str) -> str:
    row = rows.get(f"within {kind} only", {})
    cr = row.get("held_out_cr")
    return "-" if not row else f"{row['value']:.2f} / " + ("-" if cr is None else f"{cr:.2f}")


def method_check_summary() -> str:
    """Every method-check run side by side, from benchmarks/results/method_check*.json."""
    header = ["run", "identities × images", "steps", "settings", "training (min)", "Spearman", "by held-out CR"]
    header += ["within jpeg (head / held-out CR)", "within noise (head / held-out CR)", "machine, date"]
    table = []
    for path in sorted(glob.glob(os.path.join(ROOT, "benchmarks", "results", "method_check*.json"))):
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        rows = {row["what"].strip(): row for row in result["rows"]}
        overall = rows["Spearman(quality, -degradation), held-out identities"]
        protocol, training = result.get("protocol", {}), result.get("training", {})
        size = f"{protocol['identities']} × {protocol['images'] // protocol['identities']}" if protocol else "60 × 40"

        table.append(
            [
                f"`{result['benchmark']}`",
                size,
                training.get("steps", "-"),
                ", ".join(protocol.get("overrides", [])) or "-",
                f"{training['minutes']:.0f}" if "minutes" in training else "-",
                f"{overall['value']:.3f}",
                f"{overall['held_out_cr']:.3f}" if "held_out_cr" in overall else "-",
                _within(rows, "jpeg"),
                _within(rows, "noise"),
                f"{result['machine']}, {result['date']}",
            ]
        )
    return "\n".join([METHOD_START, "", *markdown_table(header, table), "", METHOD_END])


def components_summary() -> str:
    """The quality-components timings, from benchmarks/results/components.json."""
    result = _result("components")
    intro = (
        f"`python -m benchmarks.components`, {result['machine']}, {result['date']}: in a process without TensorFlow "
        f"(LiteRT + NumPy, as the `[edge]` install), {result['models']}; the median over repeats."
    )
    table = [[row["what"], f"{row['ms']:.2f}"] for row in result["rows"]]
    cited = result["ofiq_cited"]
    lines = [COMPONENTS_START, "", intro, "", *markdown_table(["measurement", "ms"], table), ""]
    lines.append(
        f"- OFIQ for comparison (cited, not run): {cited['cli_seconds_per_image']} s per image from its command "
        f"line; {cited['jetson_orin_all_measures_ms']} ms for all its measures on a Jetson Orin."
    )
    sample = result.get("sample_faces")
    if sample:
        span = {
            name: f"{low:.3g}–{high:.3g}" for name, (low, high) in sample.items() if name != "pitch_of_frontal_faces"
        }
        lines.append(
            f"- The {result['faces_timed']} faces of the sample photos, which the default thresholds were set against: "
            f"mean luminance {span['luminance_mean']} (linear); sharpness {span['sharpness']}, "
            f"{span['sharpness_blur_1px']} after a Gaussian blur of σ = 1 px at the crop's scale, "
            f"{span['sharpness_blur_2px']} after σ = 2 px (BLURRED below 0.3)"
            + (
                "; pitch of the frontal faces {:+.1f}° to {:+.1f}°".format(*sample["pitch_of_frontal_faces"])
                if sample["pitch_of_frontal_faces"]
                else ""
            )
            + "."
        )
    mesh = result.get("mesh_step_ms_per_face", {})
    if "face_mesh_model_ms" in result:
        lines.append(
            "- The Face Mesh step alone, per face: "
            + ", ".join(f"{name} {ms:.1f} ms" for name, ms in mesh.items())
            + f" (one Face Mesh run: {result['face_mesh_model_ms']:.1f} ms; runs per face: "
            + ", ".join(f"{name} {runs:.1f}" for name, runs in result.get("mesh_runs_per_face", {}).items())
            + ": the square the canonical face spans on the face's five points and its mirror, again on the square "
            "of the mesh's own points until it settles; BlazeFace's detection runs one more of its own, not counted "
            "here)."
        )
    agreement = result.get("detector_agreement")
    if agreement:
        worst = agreement["largest_differences"]
        lines.append(
            f"- BlazeFace's and MTCNN's faces, on the {agreement['faces_compared']} faces of the sample photos both "
            f"find: pose within {worst['pose_degrees']:.1f}°, inter-eye distance within "
            f"{100 * worst['inter_eye_relative']:.1f} %, mean luminance within {worst['luminance_mean']:.3f}, "
            f"sharpness within {100 * worst['sharpness_relative']:.1f} %; the same reasons on "
            f"{agreement['same_reasons']} of {agreement['faces_compared']}"
            + "".join(
                f"; {d['code']} on {d['photo']}: {d['component']} {d['blazeface']:.1f} against {d['mtcnn']:.1f}"
                for d in agreement["differing"]
            )
            + "."
        )
    lines.append(goals_line(result))
    return "\n".join(lines + ["", COMPONENTS_END])


def best_shots_summary() -> str:
    """Frames per second of the best-shot loop and its memory, from benchmarks/results/best_shots.json."""
    result = _result("best_shots")
    intro = (
        f"`python -m benchmarks.best_shots`, {result['machine']}, {result['date']}: {result['frame']} frames, "
        f"{result['models']}; in a process without TensorFlow; the median of three passes."
    )
    header = ["model", "threads", "faces", "quality every", "frames/s"]
    table = [
        [r["model"], r["threads"], r["faces"], r["quality_every"], f"{r['frames_per_s']:.1f}"] for r in result["rows"]
    ]
    memory = result["memory_mib_by_frames"]
    lines = [BEST_SHOTS_START, "", intro, "", *markdown_table(header, table), ""]
    lines.append(
        "- Memory (Python-visible allocations, NumPy's included) over a stream of one face: "
        + ", ".join(f"{m['mib']:.2f} MiB after {m['frames']} frames" for m in (memory[0], memory[-1]))
        + f" (growth {result['memory_growth_mib']:+.2f} MiB)."
    )
    lines.append(goals_line(result))
    return "\n".join(lines + ["", BEST_SHOTS_END])


def score_photos_summary() -> str:
    """The in-graph photo path against the Python path, from benchmarks/results/score_photos.json."""
    result = _result("score_photos")
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
    lines = [SCORE_PHOTOS_START, "", intro, "", *markdown_table(header, table), ""]
    detection = result["detection_ms_for_all_photos"]
    lines.append(
        "- Finding and aligning the faces of all the photos, without the network: "
        + ", ".join(f"{name} {ms:.0f} ms" for name, ms in detection.items())
        + "; the rest of each path is the same network on the same faces."
    )
    lines.append(goals_line(result))
    return "\n".join(lines + ["", SCORE_PHOTOS_END])


def report_scale_summary() -> str:
    from benchmarks.report_scale import summary

    return "\n".join([REPORT_START, "", *summary(_result("report_scale")), "", REPORT_END])


def _replace_block(text: str, start: str, end: str, block: str) -> str:
    if start not in text:
        raise SystemExit(f"docs/BENCHMARKS.md has no {start} marker")
    head, rest = text.split(start, 1)
    tail = rest.split(end, 1)[1] if end in rest else rest
    return head + block + tail


def rewrite_doc() -> None:
    with open(DOC, encoding="utf-8") as handle:
        text = handle.read()
    # every block is built before the file is opened for writing, so a failure cannot truncate it
    text = _replace_block(text, START, END, table())
    text = _replace_block(text, COST_START, COST_END, beam_cost_table())
    text = _replace_block(text, DETECTORS_START, DETECTORS_END, detectors_table())
    text = _replace_block(text, SMALL_FACES_START, SMALL_FACES_END, small_faces_table())
    text = _replace_block(text, EDGE_START, EDGE_END, edge_table())
    text = _replace_block(text, TRAINING_START, TRAINING_END, training_summary())
    text = _replace_block(text, INFERENCE_START, INFERENCE_END, inference_summary())
    text = _replace_block(text, METHOD_START, METHOD_END, method_check_summary())
    text = _replace_block(text, COMPONENTS_START, COMPONENTS_END, components_summary())
    text = _replace_block(text, BEST_SHOTS_START, BEST_SHOTS_END, best_shots_summary())
    text = _replace_block(text, SCORE_PHOTOS_START, SCORE_PHOTOS_END, score_photos_summary())
    text = _replace_block(text, REPORT_START, REPORT_END, report_scale_summary())
    for name in OWN_BLOCKS:
        module = importlib.import_module(f"benchmarks.{name}")
        text = _replace_block(
            text, f"<!-- {module.MARKER} -->", f"<!-- /{module.MARKER} -->", module.summary(_result(name))
        )
    with open(DOC, "w", encoding="utf-8") as handle:
        handle.write(text)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--table-only", action="store_true", help="only rewrite docs/BENCHMARKS.md's blocks")
    args = parser.parse_args()
    if not args.table_only:
        for name in BENCHMARKS:
            subprocess.run([sys.executable, "-m", f"benchmarks.{name}"], check=True, cwd=ROOT)
    rewrite_doc()


if __name__ == "__main__":
    main()
