"""`crfiqa-tf best-shots INPUT --model M --out DIR`: a video file, a folder of frames or a camera → each tracked
person's best shots.

Written under DIR as each track ends (so nothing piles up in memory on a long stream):
``track_<id>/<rank>_frame<index>_aligned.png`` (the 112×112 crop the model scored) and ``..._source.png`` (the
frame around the face), ``best_shots.csv`` rewritten as each track ends, and at the end ``best_shots.json``, with
one row per shot: track id, rank, frame index, timestamp, box, landmarks, detection score, quality, quality_score,
reasons and the two files. ``--resume`` continues an interrupted run (`run`).
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
from crfiqa_tf.output_rows import BEST_SHOT_COLUMNS, best_shot_row

COLUMNS = BEST_SHOT_COLUMNS


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
        rows.append(best_shot_row(shot, rank, f"{stem}_aligned.png", f"{stem}_source.png"))
    return rows


PROGRESS_FILE = "best_shots.progress.json"
SNAPSHOT_FRAMES = 250  # frames without a live track after which progress is recorded even if no track ended


def _table(rows: list[dict]) -> str:
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, COLUMNS)
    writer.writeheader()
    writer.writerows(sorted(rows, key=lambda r: (r["track_id"], r["rank"])))
    return buffer.getvalue()


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
    resume: bool = False,
    settings: dict | None = None,
) -> dict:
    """Runs the selection over `source` and writes its results to `out`; returns the run's counts and rows.
    Summary lines go to `log` (default: standard output).

    Nothing is lost when the run stops: ``best_shots.csv`` is rewritten as each track ends, and
    ``best_shots.progress.json`` records the rows and the frame reached each time no track is live (the only
    moments from which a run can be continued exactly). Ctrl-C or SIGTERM on a file or folder stops after the frame
    in hand and leaves the run to ``resume``, which skips the frames before the recorded one and continues the track
    numbering, so the finished output has the rows of an uninterrupted run; on a camera Ctrl-C is the way to stop
    and the tracks seen so far are written. `settings` (what the rows depend on) must match on resume; without
    `resume` the output of an interrupted run is refused."""
    log = log or sys.stdout
    from crfiqa_tf.align.aligner import FaceAligner
    from crfiqa_tf.align.blazeface import BlazeFaceDetector
    from crfiqa_tf.interrupts import stop_requests

    settings = dict(settings or {})
    settings.update(source=str(source), per_track=per_track, min_gap_ms=min_gap_ms, quality_every=quality_every)
    settings.update(min_score=min_score, fps=fps, profile=profile, min_face=min_face)
    progress_path = paths.join(out, PROGRESS_FILE)
    state = {"rows": [], "frame": 0, "next_track_id": 1, "decoded": 0, "undecodable": []}
    if paths.exists(progress_path):
        if not resume:
            raise ValueError(f"{out}: an interrupted run is there; add --resume to continue it, or remove {out}")
        recorded = json.loads(paths.read_text(progress_path))
        differences = [
            f"{k}: {recorded['settings'].get(k)!r} then, {settings.get(k)!r} now"
            for k in sorted(set(recorded["settings"]) | set(settings))
            if recorded["settings"].get(k) != settings.get(k)
        ]
        if differences:
            raise ValueError(f"{out}: --resume with other settings than the run there: " + "; ".join(differences))
        state = recorded["state"]
        print(f"resuming {out} at frame {state['frame']} ({len(state['rows'])} shots kept)", file=log)
    frames = open_source(source, fps=fps, max_frames=max_frames)
    detector = BlazeFaceDetector(min_face=min_face, **({"threads": threads} if threads else {}))
    aligner = FaceAligner(detector, policy="all", size=scorer.image_size)
    selector = BestShots(
        scorer,
        per_track,
        min_gap_ms,
        quality_every,
        min_score,
        profile=profile,
        keep_finished=False,
        aligner=aligner,
        first_track_id=state["next_track_id"],
    )
    rows, undecodable, decoded = list(state["rows"]), list(state["undecodable"]), state["decoded"]
    tracks = len({r["track_id"] for r in rows})
    snapshot = {"frame": state["frame"], "rows": len(rows)}

    def ended(summary: TrackSummary) -> None:
        nonlocal tracks
        tracks += 1
        rows.extend(write_track(summary, out))
        paths.write_text(paths.join(out, "best_shots.csv"), _table(rows))
        print(summary.line(), file=log, flush=True)

    def record(next_frame: int) -> None:
        recorded = {
            "rows": rows,
            "frame": next_frame,
            "next_track_id": selector.tracker.next_id,
            "decoded": decoded,
            "undecodable": undecodable,
        }
        paths.write_text_atomically(progress_path, json.dumps({"settings": settings, "state": recorded}))
        snapshot.update(frame=next_frame, rows=len(rows))

    paths.makedirs(out)
    record(state["frame"])
    bar = tqdm(frames.frames, total=frames.total, unit="frame", disable=not progress or frames.kind == "camera")
    with stop_requests() as stop:
        try:
            for frame in bar:
                if frame.index < state["frame"]:
                    continue  # done before the run was interrupted
                if frame.image is None:
                    undecodable.append(frame.error)
                else:
                    decoded += 1
                    for event in selector.update(frame.image, frame.timestamp_ms, frame.index):
                        if event.kind == "track_ended":
                            ended(event.summary)
                if not selector.tracker.live and (
                    len(rows) > snapshot["rows"] or frame.index + 1 - snapshot["frame"] >= SNAPSHOT_FRAMES
                ):
                    record(frame.index + 1)
                if stop.requested:
                    break
        except KeyboardInterrupt:  # a second signal: stop at once
            stop.signal = stop.signal or 2
        finally:
            bar.close()
    if stop.requested and frames.kind != "camera":
        print(
            f"stopped by {stop.name}: {len(rows)} shots of {tracks} tracks kept; the run continues from frame "
            f"{snapshot['frame']} with --resume",
            file=log,
        )
        return {"stopped": stop.name, "exit_status": stop.exit_status, "shots": rows}
    if stop.requested:
        print("stopped: writing the tracks seen so far", file=log)
    for summary in selector.finish():
        ended(summary)
    rows.sort(key=lambda r: (r["track_id"], r["rank"]))
    paths.write_text(paths.join(out, "best_shots.csv"), _table(rows))
    result = {
        "input": frames.name,
        "frames_decoded": decoded,
        "frames_undecodable": len(undecodable),
        "undecodable": undecodable,
        "tracks": tracks,
        "shots": rows,
    }
    paths.write_text(paths.join(out, "best_shots.json"), json.dumps(result, indent=2))
    paths.remove(progress_path)
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
