"""`crfiqa-tf best-shots INPUT --model M --out DIR`: a video file, a folder of frames or a camera → each tracked
person's best shots.

Written under DIR as each track ends (so nothing piles up in memory on a long stream):
``track_<id>/<rank>_frame<index>_aligned.png`` (the 112×112 crop the model scored) and ``..._source.png`` (the
frame around the face), and at the end ``best_shots.csv`` and ``best_shots.json`` with one row per shot: track id,
rank, frame index, timestamp, box, landmarks, detection score, quality, quality_score, reasons and the two files.
One summary line per track on the console; a progress bar for files and folders.
"""

from __future__ import annotations

import csv
import io
import json
import sys

import numpy as np
from PIL import Image
from tqdm import tqdm

from crfiqa_tf import paths
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.best_shots.selector import BestShots, TrackSummary
from crfiqa_tf.best_shots.sources import open_source
from crfiqa_tf.inference.score_files import BOX_COLUMNS

COLUMNS = (
    "track_id",
    "rank",
    "frame_index",
    "timestamp_ms",
    *BOX_COLUMNS,
    "landmarks",
    "detection_score",
    "quality",
    "quality_score",
    "reasons",
    "aligned_path",
    "source_path",
)


def _png(image: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    return buffer.getvalue()


def write_track(summary: TrackSummary, out: str) -> list[dict]:
    """Writes the track's shots' PNGs under `out`; returns their rows."""
    rows = []
    folder = paths.join(out, f"track_{summary.track_id:04d}")
    if summary.shots:
        paths.makedirs(folder)
    for rank, shot in enumerate(summary.shots, start=1):
        stem = paths.join(folder, f"{rank}_frame{shot.frame_index:06d}")
        paths.write_bytes(f"{stem}_aligned.png", _png(shot.aligned))
        paths.write_bytes(f"{stem}_source.png", _png(shot.source_crop))
        rows.append(
            {
                "track_id": shot.track_id,
                "rank": rank,
                "frame_index": shot.frame_index,
                "timestamp_ms": round(shot.timestamp_ms, 1),
                **{name: round(v, 1) for name, v in zip(BOX_COLUMNS, shot.box)},
                "landmarks": " ".join(f"{v:.1f}" for v in shot.landmarks.reshape(-1)),
                "detection_score": round(shot.detection_score, 4),
                "quality": round(shot.quality, 6),
                "quality_score": None if shot.quality_score is None else round(shot.quality_score, 2),
                "reasons": " ".join(shot.reasons),
                "aligned_path": f"{stem}_aligned.png",
                "source_path": f"{stem}_source.png",
            }
        )
    return rows


def run(
    source: str,
    scorer,
    out: str,
    per_track: int = 3,
    min_gap_ms: float = 500.0,
    quality_every: int = 1,
    min_score: float | None = None,
    fps: float = 25.0,
    max_frames: int | None = None,
    profile: str | None = None,
    threads: int | None = None,
    min_face: float | None = DEFAULT_MIN_FACE,
    progress: bool = True,
    log=None,
) -> dict:
    """Runs the selection over `source` and writes its results to `out`; returns the run's counts and rows.
    Summary lines go to `log` (default: standard output)."""
    log = log or sys.stdout
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.blazeface import BlazeFaceDetector

    frames = open_source(source, fps=fps, max_frames=max_frames)
    detector = BlazeFaceDetector(min_face=min_face, **({"threads": threads} if threads else {}))
    aligner = FaceAligner(detector, policy="all", size=scorer.image_size)
    selector = BestShots(
        scorer, per_track, min_gap_ms, quality_every, min_score, profile=profile, keep_finished=False, aligner=aligner
    )
    rows, tracks, undecodable, decoded = [], 0, [], 0

    def ended(summary: TrackSummary) -> None:
        nonlocal tracks
        tracks += 1
        rows.extend(write_track(summary, out))
        print(summary.line(), file=log, flush=True)

    paths.makedirs(out)
    bar = tqdm(frames.frames, total=frames.total, unit="frame", disable=not progress or frames.kind == "camera")
    try:
        for frame in bar:
            if frame.image is None:
                undecodable.append(frame.error)
                continue
            decoded += 1
            for event in selector.update(frame.image, frame.timestamp_ms, frame.index):
                if event.kind == "track_ended":
                    ended(event.summary)
    except KeyboardInterrupt:  # a camera is stopped with Ctrl-C: what was seen is still written
        print("stopped: writing the tracks seen so far", file=log)
    finally:
        bar.close()
    for summary in selector.finish():
        ended(summary)
    rows.sort(key=lambda r: (r["track_id"], r["rank"]))
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, COLUMNS)
    writer.writeheader()
    writer.writerows(rows)
    paths.write_text(paths.join(out, "best_shots.csv"), buffer.getvalue())
    result = {
        "input": frames.name,
        "frames_decoded": decoded,
        "frames_undecodable": len(undecodable),
        "undecodable": undecodable,
        "tracks": tracks,
        "shots": rows,
    }
    paths.write_text(paths.join(out, "best_shots.json"), json.dumps(result, indent=2))
    closing = (
        f"{frames.name}: {decoded} frames, {len(undecodable)} undecodable (skipped), {tracks} tracks, "
        f"{len(rows)} shots written to {out}"
    )
    if not tracks:
        closing += "; no face in the stream"
    print(closing, file=log)
    for error in undecodable:
        print(f"  skipped: {error}", file=log)
    return result
