"""Edge: a MobileFaceNet-edge student distilled from an iResNet-50 CR-FIQA teacher, both int8 TFLite on LiteRT/XNNPACK.

    python -m benchmarks.edge [--work-dir DIR] [--distill-steps 400] [--faces 2000]

The teacher is the trained iResNet-50 of benchmarks/beam_scoring.py (synthetic identities, 112 px; reused from
``--work-dir``), run as its int8 TFLite file, which is also the student's teacher in `crfiqa-tf distill` on
``--faces`` unlabeled synthetic faces. The paper's MobileFaceNet (full width, PReLU) is exported int8 untrained, for
its latency only (int8 latency does not depend on the weights' values). Measured in one process: file sizes; latency
per face at one thread (a phone core) and two, the median of 5 medians of 10 single-face calls, the models taking
turns; BlazeFace + Face Mesh detection and 5-point alignment per frame at
one thread on the sample photos; the whole frame → score path per face at one thread; the Spearman of the student's
quality against the teacher's on held-out synthetic faces (fresh identities) and on the faces of the real sample
photos; the EDC pAUC (FMR 1e-3, the teacher's embeddings as the recognition system) of both qualities on held-out
synthetic pairs.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time

import numpy as np
from PIL import Image

from benchmarks.common import exported_r50, goals_line, markdown_table, median_ms, report

GOALS = {"size_mb": 2.0, "speedup_1_thread": 15.0, "spearman_vs_teacher": 0.9, "frame_to_score_ms": 50.0}


STUDENT = "mobilefacenet-edge"


def _int8(keras_file: str, exported: str, faces: str) -> str:
    """`keras_file` exported as int8 TFLite into `exported` (reused when there)."""
    from crfiqa_tf_apps.serving.export_lib import export

    path = os.path.join(exported, "tflite", "crfiqa_int8.tflite")
    if not os.path.exists(path):
        export(keras_file, exported, formats=("tflite",), quantize=("int8",), representative=faces)
    return path


def _student(work: str, teacher: str, faces: str, steps: int) -> str:
    """The distilled student exported as int8 TFLite (reused when `work` has it)."""
    from crfiqa_tf_apps.training.distill_lib import DistillSettings, distill

    out = os.path.join(work, f"edge_{STUDENT}")
    if not os.path.exists(os.path.join(out, "summary.json")):
        start = time.perf_counter()
        settings = DistillSettings(teacher=teacher, images=faces, out=out, steps=steps, batch_size=32, student=STUDENT)
        distill(settings, progress=False)
        print(f"distilled {steps} steps in {time.perf_counter() - start:.0f} s", flush=True)
    return _int8(os.path.join(out, "inference.keras"), os.path.join(work, f"edge_{STUDENT}_export"), faces)


def _paper_variant(work: str, faces: str) -> str:
    """The paper's MobileFaceNet (512-d, like the student) with the quality head, untrained, as int8 TFLite."""
    import keras

    from crfiqa_tf.model_io import save_keras_model
    from crfiqa_tf.models import CRQualityHead, MobileFaceNet
    from crfiqa_tf.models.inference_model import build_inference_model

    keras_file = os.path.join(work, "edge_mobilefacenet_untrained.keras")
    if not os.path.exists(keras_file):
        keras.utils.set_random_seed(0)
        backbone, head = MobileFaceNet.variant("mobilefacenet", 512), CRQualityHead()
        head(backbone(np.zeros((1, 112, 112, 3), np.float32)))
        save_keras_model(build_inference_model(backbone, head, "uint8", "RGB"), keras_file)
    return _int8(keras_file, os.path.join(work, "edge_mobilefacenet_untrained_export"), faces)


def _faces_folder(folder: str, count: int, seed: int) -> str:
    from crfiqa_tf.data.samples import synthetic_images

    if not os.path.isdir(folder):
        os.makedirs(folder)
        for index, image in enumerate(synthetic_images(count, 112, seed=seed)):
            Image.fromarray(image).save(os.path.join(folder, f"{index:05d}.png"))
    return folder


def _real_faces(aligner) -> list[np.ndarray]:
    from crfiqa_tf.data.sample_photos import PHOTOS, available, photo

    crops = []
    for name in (n for n in PHOTOS if n in available()):
        crops += [face.crop for face in aligner.align(photo(name))]
    return crops


def _pauc(quality: np.ndarray, teacher_embeddings: np.ndarray, issame: np.ndarray) -> float:
    from crfiqa_tf.evaluation.edc import edc_curve, pair_quality
    from crfiqa_tf.evaluation.verification import cosine_scores

    scores = cosine_scores(teacher_embeddings)
    pairs = pair_quality(quality[0::2], quality[1::2])
    return float(edc_curve(scores[issame], pairs[issame], scores[~issame], fmr=1e-3).pauc[0.2])


def main() -> dict:
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.blazeface import BlazeFaceDetector
    from crfiqa_tf.data.bin_sets import load_bin
    from crfiqa_tf.data.sample_photos import photo
    from crfiqa_tf.data.samples import synthetic_images
    from crfiqa_tf.data.synthetic import make_synthetic_dataset
    from crfiqa_tf.evaluation.rank_correlation import spearman
    from crfiqa_tf.inference.litert import LiteRTScorer

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", help="keep (and reuse) the teacher, the faces and the student here")
    parser.add_argument("--train-steps", type=int, default=60, help="teacher training steps (as beam_scoring)")
    parser.add_argument("--distill-steps", type=int, default=400)
    parser.add_argument("--faces", type=int, default=2000, help="unlabeled faces the student learns from")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = args.work_dir or tmp
        teacher_path = exported_r50(work, args.train_steps)["crfiqa_int8.tflite"]
        faces = _faces_folder(os.path.join(work, "edge_faces"), args.faces, seed=71)
        student_path = _student(work, teacher_path, faces, args.distill_steps)
        models = {
            "iResNet-50 int8 (teacher)": teacher_path,
            "MobileFaceNet-edge int8 (student)": student_path,
            "MobileFaceNet, paper's (untrained; latency only)": _paper_variant(work, faces),
        }
        one = synthetic_images(1, 112, seed=5)
        rows, latency = [], {}
        for threads in (1, 2):
            # the models take turns, 5 rounds of 10 calls each, so that a slow spell of this shared machine falls on
            # all of them rather than on one
            scorers = {name: LiteRTScorer(path, num_threads=threads) for name, path in models.items()}
            times = {name: [] for name in models}
            for _ in range(5):
                for name, scorer in scorers.items():
                    times[name].append(median_ms(lambda s=scorer: s.predict(one), repeats=10, warmup=2))
            for name in models:
                latency[name, threads] = statistics.median(times[name])
        for name, path in models.items():
            row = {"what": name, "size_mb": os.path.getsize(path) / 1e6}
            row.update({f"ms_per_face_{t}_thread": latency[name, t] for t in (1, 2)})
            rows.append(row)
        teacher, student = LiteRTScorer(teacher_path, 1), LiteRTScorer(student_path, 1)

        aligner = FaceAligner(BlazeFaceDetector(threads=1), policy="largest")
        frames = {name: photo(name) for name in ("astronaut", "grace_hopper", "group_of_six")}
        detect_ms = {name: median_ms(lambda f=frame: aligner.align(f), repeats=10) for name, frame in frames.items()}
        astronaut = frames["astronaut"]
        frame_to_score = median_ms(lambda: student.predict(aligner.align(astronaut)[0].crop[None]), repeats=10)

        held_out = synthetic_images(512, 112, seed=72)
        spearman_synthetic = spearman(student.predict(held_out)["quality"], teacher.predict(held_out)["quality"])
        real = np.stack(_real_faces(FaceAligner(BlazeFaceDetector(threads=1), policy="all")))
        spearman_real = spearman(student.predict(real)["quality"], teacher.predict(real)["quality"])

        pairs_dir = os.path.join(work, "edge_pairs")
        if not os.path.isdir(pairs_dir):
            make_synthetic_dataset(pairs_dir, 4, 2, seed=73, shards=1, val_identities=200, val_pairs=1000)
        images, issame = load_bin(os.path.join(pairs_dir, "verification.bin"))
        teacher_out, student_out = teacher.predict(images), student.predict(images)
        pauc = {
            "teacher": _pauc(teacher_out["quality"], teacher_out["embedding"], issame),
            "student": _pauc(student_out["quality"], teacher_out["embedding"], issame),
        }
        with open(os.path.join(os.path.dirname(student_path), "..", "export_report.json"), encoding="utf-8") as f:
            student_parity = json.load(f)["files"][0]["parity"]

    speedup = latency["iResNet-50 int8 (teacher)", 1] / latency["MobileFaceNet-edge int8 (student)", 1]
    student_row = rows[1]
    extra = {
        "student": STUDENT,
        "distill_steps": args.distill_steps,
        "distill_faces": args.faces,
        "detect_align_ms_per_frame_1_thread": detect_ms,
        "frame_to_score_ms_per_face_1_thread": frame_to_score,
        "spearman_student_vs_teacher_synthetic_held_out": spearman_synthetic,
        "spearman_student_vs_teacher_real_faces": spearman_real,
        "real_faces": int(len(real)),
        "pauc_0.2_fmr_1e-3": pauc,
        "student_int8_vs_fp32_parity": student_parity,
        "ratio_speed_student_vs_teacher_1_thread": speedup,
        "goals": {
            "student int8 <= 2 MB": student_row["size_mb"] <= GOALS["size_mb"],
            ">= 15x faster than iResNet-50 int8 at 1 thread": speedup >= GOALS["speedup_1_thread"],
            "Spearman with teacher >= 0.9 (synthetic held-out)": spearman_synthetic >= GOALS["spearman_vs_teacher"],
            "frame -> score <= 50 ms per face at 1 thread": frame_to_score <= GOALS["frame_to_score_ms"],
        },
    }
    return report("edge", rows, extra)


MARKER = "EDGE"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """The edge comparison, from benchmarks/results/edge.json."""
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
    lines = [intro, "", *markdown_table(header, table)]
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
    return "\n".join(lines)


def table_row(row: dict) -> tuple[str, str, str]:
    value = f"{row['ms_per_face_1_thread']:.3g} ms/face (1 thread), {row['ms_per_face_2_thread']:.3g} (2 threads)"
    return row["what"], value, f"int8 file {row['size_mb']:.2f} MB"


if __name__ == "__main__":
    main()
