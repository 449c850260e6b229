"""Fault injection: does the suite fail when the feature breaks? Run by hand and before a release, not in CI.

    .venv/bin/python tests/faults.py [--only NAME ...] [--json faults.json]

Each fault is a one-line change to one file, applied in a temporary copy of the tree (tracked and untracked,
not ignored files), with the copy first on PYTHONPATH (the application folders linked under ``crfiqa_tf_apps/``,
as they install) so that the copy's code, not the editable install, is what the tests import. The tests that own
the feature then run against the copy; the fault counts as caught when they fail. The script prints a table and
exits non-zero if any fault went uncaught or a patch no longer applies.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
APPS = ("training", "serving", "beam_jobs", "demo")

# Each fault: its name, the file, the exact text replaced (it must occur once), its replacement, and the tests
# that own the feature (pytest arguments). Kept as one table line per fault: NAME | FILE | TESTS, then OLD and NEW.
FAULT_TABLE = r"""
head pose: roll sign flipped | crfiqa_tf/components/head_pose.py | tests/components/test_components.py -k rotat
  -     return yaw, pitch, -roll
  +     return yaw, pitch, roll
sharpness not contrast-normalised | crfiqa_tf/components/pixels.py | tests/components/test_components.py -k dark
  -     raw = float(laplacian.std()) / contrast if contrast >= 1.0 else 0.0
  +     raw = float(laplacian.std()) / 40.0
grey photo measured as colour | crfiqa_tf/components/compute.py | tests/components/test_components.py -k grey
  -             if len(region) and np.all(region == region[:, :1]):
  +             if False:
a mated pair with two labels counted for its first image's group | crfiqa_tf/evaluation/groups.py | tests/evaluation/test_groups.py
  -     pair_group = np.where(labels[0::2] == labels[1::2], labels[0::2], None)
  +     pair_group = labels[0::2]
best shots: the minimum gap ignored | crfiqa_tf/best_shots/selector.py | tests/best_shots/test_selector.py -k honoured
  -             if all(abs(candidate.timestamp_ms - s.timestamp_ms) >= self.min_gap_ms for s in chosen):
  +             if True:
best shots: quality on every face whatever K | crfiqa_tf/best_shots/selector.py | tests/best_shots/test_selector.py -k honoured
  -             due = state.scored == 0 or state.since_scored + 1 >= self.quality_every
  +             due = True
best shots: the checks do not hold faces back | crfiqa_tf/best_shots/selector.py | tests/best_shots/test_selector.py -k checks
  -             if state.scored and self.gate_reasons.intersection(reasons):
  +             if False:
best shots: no motion model | crfiqa_tf/best_shots/tracker.py | tests/best_shots/test_best_shots.py -k crossing
  -         return self.centre + self.velocity * (timestamp_ms - self.last_ms)
  +         return self.centre
TF replay: kernel H and W swapped | crfiqa_tf/align/tflite_replay.py | tests/align/test_tflite_replay.py -k replayed
  -         kernel = np.transpose(np.asarray(kernel, np.float32), [1, 2, 3, 0])
  +         kernel = np.transpose(np.asarray(kernel, np.float32), [2, 1, 3, 0])
TF replay: the model traced anew at every call | crfiqa_tf/align/tflite_replay.py | tests/align/test_tflite_replay.py -k once
  -         return self._function(tf.convert_to_tensor(x, tf.float32))
  +         return self._run(tf.convert_to_tensor(x, tf.float32))
TF tiles: a tile's right edge judged by the level's height | crfiqa_tf/align/tiling_tf.py | tests/align/test_tiling_tf.py
  -         | ((boxes[..., 2] > SIDE) & (x + SIDE < edge_w))
  +         | ((boxes[..., 2] > SIDE) & (x + SIDE < edge_h))
second look: hints where a face is already seen | crfiqa_tf/align/second_look.py | tests/align/test_second_look.py
  -         if len(seen) and (box_iou(boxes[i], seen) > HINT_IOU).any():
  +         if False:
second look: windows' faces not mapped back to the photo | crfiqa_tf/align/blazeface.py | tests/align/test_second_look.py
  -         ratio = np.full(2, INPUT_SIZE / side, np.float32)
  +         ratio = np.full(2, 1.0, np.float32)
TF second look: the window's corner rounded | crfiqa_tf/align/second_look_tf.py | tests/align/test_second_look_tf.py
  -     corner = tf.math.floordiv(tf.cast(cells, tf.int64) * second_look.GRID * side, SIDE)
  +     corner = tf.math.floordiv(tf.cast(cells, tf.int64) * second_look.GRID * side + SIDE // 2, SIDE)
TF second look: hints past MAX_LOOKS | crfiqa_tf/align/second_look_tf.py | tests/align/test_second_look_tf.py
  -         lambda i, kept, _: (i < count) & (kept < second_look.MAX_LOOKS),
  +         lambda i, kept, _: (i < count) & (kept < second_look.MAX_LOOKS + 1),
TF similarity: reflections allowed | crfiqa_tf/align/similarity_tf.py | tests/align/test_similarity_tf.py
  -     flip = tf.linalg.det(u) * tf.linalg.det(v) < 0
  +     flip = tf.linalg.det(u) * tf.linalg.det(v) < -2
score_photos: no pixel limit | crfiqa_tf/image_io_tf.py | tests/align/test_aligner_tf.py -k oversized
  -         shape[0] * shape[1] <= max_pixels,
  +         True,
score_photos: faces scattered to other photos | serving/serving_module.py | tests/align/test_aligner_tf.py -k sizes
  -             result[name] = tf.scatter_nd(where, value, shape)
  +             result[name] = tf.scatter_nd(tf.reverse(where, [0]), value, shape)
weight decay x2 | crfiqa_tf/models/crfiqa_model.py | tests/models/test_crfiqa_model.py -k known_answer
  - coefficient = self.weight_decay * loss_scale / replicas
  + coefficient = 2 * self.weight_decay * loss_scale / replicas
weight decay not divided among replicas | crfiqa_tf/models/crfiqa_model.py | tests/models/test_crfiqa_model.py -k known_answer
  - coefficient = self.weight_decay * loss_scale / replicas
  + coefficient = self.weight_decay * loss_scale
CR target: code mode computes the paper's ratio | crfiqa_tf/losses.py | tests/test_losses.py -k modes or parts
  -         return ccs / nnccs\n
  +         return ccs / (nnccs + (1.0 + eps))\n
NNCCS as the mean of the negatives instead of the max | crfiqa_tf/models/margin_head.py | tests/models/test_margin_head.py
  - "nnccs": tf.stop_gradient(tf.reduce_max(negatives, axis=1)),
  + "nnccs": tf.stop_gradient(tf.reduce_mean(tf.where(one_hot, 0.0, cos), axis=1)),
preprocessing without the -0.5 | crfiqa_tf/preprocess.py | tests/test_preprocess.py
  -     x = x - np.float32(0.5)\n
  +     x = x - np.float32(0.0)\n
RGB and BGR swapped | crfiqa_tf/preprocess.py | tests/test_preprocess.py
  -     if order == "BGR":\n        x = x[..., ::-1]
  +     if order == "RGB":\n        x = x[..., ::-1]
int8 output scale ignored | crfiqa_tf/inference/litert.py | tests/inference/test_litert.py -k dequantization
  -     return (value.astype(np.float32) - zero_point) * scale
  +     return value.astype(np.float32) - zero_point
calibration centre shifted | crfiqa_tf/calibration.py | tests/evaluation/test_evaluation_misc.py -k calibration
  - z = (np.asarray(quality, np.float64) - calibration["centre"]) / calibration["scale"]
  + z = (np.asarray(quality, np.float64) - calibration["centre"] - 0.05) / calibration["scale"]
EDC splits ties of equal quality | crfiqa_tf/evaluation/edc.py | tests/evaluation/test_edc.py
  - group_ends = np.flatnonzero(np.diff(quality_sorted)) + 1
  + group_ends = np.arange(1, total)
TAR@FAR threshold off by one | crfiqa_tf/evaluation/verification.py | tests/evaluation/test_verification.py
  - threshold = impostor[allowed] if allowed < len(impostor) else -np.inf
  + threshold = impostor[allowed - 1] if allowed < len(impostor) else -np.inf
Beam drops the decode dead letters | beam_jobs/gallery_transform.py | tests/beam_jobs/test_score_gallery.py -k mixed_folder
  - images, failures = decoded.ok, [decoded[FAILED]]
  + images, failures = decoded.ok, []
resume skips one batch | training/train_lib.py | tests/training/test_train_lib.py -k sigkill
  -         skip_steps=step,
  +         skip_steps=step + 1 if step else 0,
the restricted unpickler allows a global | crfiqa_tf/data/bin_sets.py | tests/data/test_bin_sets.py
  -     ("_codecs", "encode"),\n
  +     ("_codecs", "encode"),\n    ("posix", "system"),\n
alignment: the two eyes swapped | crfiqa_tf/align/mesh_topology.py | tests/align/test_blazeface.py tests/align/test_aligner.py
  - xy[list(LEFT_EYE_CONTOUR)].mean(0),\n            xy[list(RIGHT_EYE_CONTOUR)].mean(0),
  + xy[list(RIGHT_EYE_CONTOUR)].mean(0),\n            xy[list(LEFT_EYE_CONTOUR)].mean(0),
unaligned inputs stretched without a warning | crfiqa_tf/inference/base.py | tests/inference/test_score_files.py
  -     if (height, width) == (size, size):\n        return None
  +     if True:\n        return None
score --calibration ignored | crfiqa_tf/model_io.py | tests/commands/test_calibrate.py -k calibrate_then_score
  -         scorer.calibration = (
  +         _ignored = (
fused BatchNorm keeps the unbiased batch variance | crfiqa_tf/models/fused_layers.py | tests/models/test_fused_layers.py
  - variance = variance * (count - 1.0) / tf.maximum(count, 1.0)
  + variance = variance * 1.0
PReLU gradient at 0 taken as 1 | crfiqa_tf/models/fused_layers.py | tests/models/test_fused_layers.py -k select
  - keras.ops.where(inputs > 0,
  + keras.ops.where(inputs >= 0,
GDConv averages instead of summing | crfiqa_tf/models/mobilefacenet.py | tests/models/test_mobilefacenet.py -k global_depthwise
  - keras.ops.sum(x * weights, axis=(1, 2), keepdims=True)
  + keras.ops.mean(x * weights, axis=(1, 2), keepdims=True)
the MediaPipe NOTICE left out of the wheel | setup.py | tests/project/test_wheel.py -k holds_every
  - "mediapipe/*.pbtxt", "mediapipe/NOTICE.md"],
  + "mediapipe/*.pbtxt"],
folder walks keep image suffixes only | crfiqa_tf/image_io.py | tests/test_image_io.py
  - if not is_hidden(relative_path(folder, path))]
  + if not is_hidden(relative_path(folder, path)) and path.lower().endswith((".jpg", ".png"))]
report: every row counted as a file | crfiqa_tf/report/summary.py | tests/report/test_report.py -k summary_counts
  -         if row.first_of_its_file:
  +         if True:
report: the lowest faces are the highest | crfiqa_tf/report/summary.py | tests/report/test_report.py -k summary_counts
  -         for heap, key in ((self._lowest, -row.quality), (self._highest, row.quality)):
  +         for heap, key in ((self._lowest, row.quality), (self._highest, row.quality)):
measurement: other faces left out of the single-face check | crfiqa_tf/faces/measurement.py | tests/faces/test_measurement.py
  -     areas = [face.area for face in found]
  +     areas = [face.area for face in found[:1]]
graph alignment taken with components | crfiqa_tf/faces/alignment_path.py | tests/faces/test_alignment_path.py
  -     if exported is None or not align or detector != DEFAULT_DETECTOR or components:
  +     if exported is None or not align or detector != DEFAULT_DETECTOR:
the scorers keep an int8 model's own score over the calibration | crfiqa_tf/calibration.py | tests/test_calibration.py
  -     if calibration is not None:\n        return apply_calibration(
  +     if calibration is not None and sig.OUTPUT_QUALITY_SCORE not in outputs:\n        return apply_calibration(
export writes the batching parameters locally | serving/export_saved_model.py | tests/commands/test_export_remote.py
  -     paths.write_text(paths.join(base, "batching_parameters.txt"), BATCHING_PARAMETERS)
  +     open("batching_parameters.txt", "w").write(BATCHING_PARAMETERS)
CIELAB kappa with a digit wrong | crfiqa_tf/components/pixels.py | tests/components/test_pixels.py -k epsilon
  -     k, eps = 24389 / 27.0, 216 / 24389.0
  +     k, eps = 24289 / 27.0, 216 / 24389.0
Beam --input-folder reads hidden files | beam_jobs/gallery_transform.py | tests/beam_jobs/test_score_gallery.py -k input_folder
  - return sorted(path for path in files if not is_hidden(relative_path(folder, path)))
  + return sorted(files)
"""


def parse_faults(table: str) -> list[tuple[str, str, str, str, list[str]]]:
    """(name, file, old, new, pytest arguments) from `FAULT_TABLE` (escapes such as \\n decoded in OLD and NEW)."""
    rows = [line for line in table.strip().splitlines() if line.strip()]
    faults = []
    for head, old, new in zip(rows[0::3], rows[1::3], rows[2::3]):
        name, file, tests = (part.strip() for part in head.split(" | "))
        texts = [line.strip()[2:].encode().decode("unicode_escape") for line in (old, new)]
        files, _, keyword = tests.partition(" -k ")
        faults.append((name, file, texts[0], texts[1], files.split() + (["-k", keyword] if keyword else [])))
    return faults


FAULTS = parse_faults(FAULT_TABLE)


def copy_tree(target: str) -> None:
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode()
    for name in filter(None, listed.split("\0")):
        source = os.path.join(ROOT, name)
        if os.path.isfile(source):
            os.makedirs(os.path.dirname(os.path.join(target, name)), exist_ok=True)
            shutil.copy2(source, os.path.join(target, name))
    os.makedirs(os.path.join(target, "crfiqa_tf_apps"))
    for app in APPS:
        os.symlink(os.path.join("..", app), os.path.join(target, "crfiqa_tf_apps", app))


def inject(tree: str, file: str, old: str, new: str) -> None:
    path = os.path.join(tree, file)
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    if text.count(old) != 1:
        raise SystemExit(f"fault no longer applies: {file} holds the text {text.count(old)} times, not once: {old!r}")
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(text.replace(old, new))


def run_fault(fault, timeout: int) -> dict:
    name, file, old, new, tests = fault
    with tempfile.TemporaryDirectory(prefix="crfiqa-fault-") as tree:
        copy_tree(tree)
        inject(tree, file, old, new)
        env = {**os.environ, "PYTHONPATH": tree + os.pathsep + os.environ.get("PYTHONPATH", "")}
        start = time.time()
        try:
            result = subprocess.run(
                [sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", *tests],
                cwd=tree,
                env=env,
                capture_output=True,
                text=True,
                timeout=timeout,
            )
            outcome = result.stdout.strip().splitlines()[-1] if result.stdout.strip() else result.stderr[-300:]
            caught = result.returncode == 1  # tests failed (2-5: collection/usage errors, not a catch)
            failed = [line.split()[1] for line in result.stdout.splitlines() if line.startswith("FAILED ")]
            outcome = f"{failed[0]} failed" if failed else outcome
        except subprocess.TimeoutExpired:
            outcome, caught = f"timed out after {timeout} s", False
    return {
        "fault": name,
        "file": file,
        "tests": " ".join(tests),
        "caught": caught,
        "outcome": outcome,
        "seconds": round(time.time() - start, 1),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", nargs="+", help="run only faults whose name contains one of these words")
    parser.add_argument("--json", help="write the results here")
    parser.add_argument("--timeout", type=int, default=900, help="seconds per fault")
    args = parser.parse_args()
    faults = [f for f in FAULTS if not args.only or any(word in f[0] for word in args.only)]
    results = []
    for fault in faults:
        results.append(run_fault(fault, args.timeout))
        row = results[-1]
        print(f"{'CAUGHT' if row['caught'] else 'MISSED'}  {row['fault']:<62} {row['outcome']}")
        sys.stdout.flush()
    missed = [r["fault"] for r in results if not r["caught"]]
    print(f"\n{len(results) - len(missed)} of {len(results)} faults caught" + (f"; missed: {missed}" if missed else ""))
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump(results, handle, indent=2)
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
