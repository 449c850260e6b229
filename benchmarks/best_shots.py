"""Best shots on the edge: frames per second of the whole loop (detection, tracking, quality components and checks,
the quality network) at 640×480, and its memory over a long stream, TensorFlow-free.

    python -m benchmarks.best_shots [--work-dir DIR] [--frames 60] [--long-frames 3000]

The models are the edge student (MobileFaceNet-edge) and iResNet-50, int8 TFLite with untrained weights
(`benchmarks.common.latency_models`: latency does not depend on the weights). The timing runs in a child process
that never imports TensorFlow (checked), as on the ``[edge]`` install, through `crfiqa_tf.BestShots.update`:

- frames/s for one and three faces drifting across a 640×480 frame (faces cut from the packaged sample photos),
  each model at one and two threads (detector and network alike), the quality network on every face and on one in
  five (``quality_every``); the median of three passes over the same frames;
- memory: Python-visible allocations (tracemalloc, NumPy's included) after every 500 frames of a long stream of one
  face with the student, ``keep_finished=False`` as the command runs it; the growth from the first measurement to
  the last should be ~0 however long the stream.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time

import numpy as np

from benchmarks.common import goals_line, markdown_table

GOAL_FPS = 30.0
WIDTH, HEIGHT = 640, 480
SPRITES = (("grace_hopper", (150, 40, 450, 340)), ("astronaut", (120, 0, 340, 220)), ("group_of_six", None))


def _faces(count: int) -> list[np.ndarray]:
    from PIL import Image

    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.data.sample_photos import photo

    sprites = []
    for name, box in SPRITES[:count]:
        image = Image.fromarray(photo(name))
        if box is None:  # the largest face of the group photo with its surroundings
            (face,) = FaceAligner(policy="largest").detect(np.asarray(image))
            x0, y0, x1, y1 = face.box
            pad = 0.6 * (x1 - x0)
            box = (int(x0 - pad), int(y0 - pad), int(x1 + pad), int(y1 + pad))
        sprites.append(np.asarray(image.crop(box).resize((150, 150), Image.BILINEAR)))
    return sprites


def frames(faces: int, count: int) -> list[np.ndarray]:
    """`count` frames with `faces` faces side by side, each swaying ±20 px."""
    sprites = _faces(faces)
    out = []
    for i in range(count):
        frame = np.full((HEIGHT, WIDTH, 3), 90, np.uint8)
        for k, sprite in enumerate(sprites):
            x = 30 + k * 200 + int(20 * np.sin(i / 10 + k))
            y = 40 + (k % 2) * 240 if faces > 1 else 160
            frame[y : y + 150, x : x + 150] = sprite
        out.append(frame)
    return out


def measure(models: dict[str, str], count: int, long_count: int) -> dict:
    """The timings and the memory curve (run in a process without TensorFlow)."""
    import tracemalloc

    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.blazeface import BlazeFaceDetector
    from crfiqa_tf.best_shots import BestShots
    from crfiqa_tf.inference.litert import LiteRTScorer

    rows = []
    clips = {faces: frames(faces, count) for faces in (1, 3)}
    for threads in (1, 2):
        aligner = FaceAligner(BlazeFaceDetector(threads=threads), policy="all")
        for model, path in models.items():
            scorer = LiteRTScorer(path, num_threads=threads)
            for faces, clip in clips.items():
                for every in (1, 5):
                    passes = []
                    for _ in range(3):
                        selector = BestShots(scorer, quality_every=every, aligner=aligner, keep_finished=False)
                        start = time.perf_counter()
                        for i, frame in enumerate(clip):
                            selector.update(frame, 40.0 * i)
                        passes.append(len(clip) / (time.perf_counter() - start))
                        tracks = selector.finish()
                    assert len(tracks) == faces, (model, faces, len(tracks))
                    rows.append(
                        {
                            "what": f"{model}, {threads} thread(s), {faces} face(s), quality every {every}",
                            "model": model,
                            "threads": threads,
                            "faces": faces,
                            "quality_every": every,
                            "frames_per_s": statistics.median(passes),
                        }
                    )
    # Memory over a long stream: one face, the student, as `crfiqa-tf best-shots` runs it.
    scorer = LiteRTScorer(models["student"], num_threads=2)
    aligner = FaceAligner(BlazeFaceDetector(threads=2), policy="all")
    selector = BestShots(scorer, aligner=aligner, keep_finished=False)
    clip = frames(1, 100)
    tracemalloc.start()
    memory = []
    for i in range(long_count):
        selector.update(clip[i % len(clip)], 40.0 * i)
        if (i + 1) % 500 == 0:
            memory.append({"frames": i + 1, "mib": tracemalloc.get_traced_memory()[0] / 2**20})
    tracemalloc.stop()
    assert "tensorflow" not in sys.modules, "the measured loop imported TensorFlow"
    return {"rows": rows, "memory": memory}


def main() -> dict:
    from benchmarks.common import latency_models, measure_in_child, report

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--work-dir", help="keep (and reuse) the int8 models here")
    parser.add_argument("--frames", type=int, default=60, help="frames per timed pass")
    parser.add_argument("--long-frames", type=int, default=3000, help="frames of the memory stream")
    parser.add_argument("--measure", help=argparse.SUPPRESS)  # child process: JSON of the models to time
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(json.loads(args.measure), args.frames, args.long_frames)))
        return {}
    with tempfile.TemporaryDirectory() as tmp:
        models = latency_models(args.work_dir or tmp)
        measured = measure_in_child(
            "benchmarks.best_shots", models, "--frames", str(args.frames), "--long-frames", str(args.long_frames)
        )
    rows = measured["rows"]
    memory = measured["memory"]
    target = next(
        r["frames_per_s"]
        for r in rows
        if (r["model"], r["threads"], r["faces"], r["quality_every"]) == ("student", 1, 1, 1)
    )
    growth = memory[-1]["mib"] - memory[0]["mib"]
    extra = {
        "frame": f"{WIDTH}x{HEIGHT}",
        "models": "int8 TFLite, untrained weights (latency only): MobileFaceNet-edge student and iResNet-50",
        "tensorflow_imported": False,
        "memory_mib_by_frames": memory,
        "memory_growth_mib": growth,
        "goals": {
            ">= 30 frames/s, one face, one thread, student, quality every face": target >= GOAL_FPS,
            "memory flat over the long stream (growth < 1 MiB)": growth < 1.0,
        },
    }
    return report("best_shots", rows, extra)


MARKER = "BEST_SHOTS"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """Frames per second of the best-shot loop and its memory, from benchmarks/results/best_shots.json."""
    intro = (
        f"`python -m benchmarks.best_shots`, {result['machine']}, {result['date']}: {result['frame']} frames, "
        f"{result['models']}; in a process without TensorFlow; the median of three passes."
    )
    header = ["model", "threads", "faces", "quality every", "frames/s"]
    table = [
        [r["model"], r["threads"], r["faces"], r["quality_every"], f"{r['frames_per_s']:.1f}"] for r in result["rows"]
    ]
    memory = result["memory_mib_by_frames"]
    lines = [intro, "", *markdown_table(header, table), ""]
    lines.append(
        "- Memory (Python-visible allocations, NumPy's included) over a stream of one face: "
        + ", ".join(f"{m['mib']:.2f} MiB after {m['frames']} frames" for m in (memory[0], memory[-1]))
        + f" (growth {result['memory_growth_mib']:+.2f} MiB)."
    )
    lines.append(goals_line(result))
    return "\n".join(lines)


if __name__ == "__main__":
    main()
