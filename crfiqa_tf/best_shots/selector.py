"""`BestShots`: frames in, each tracked person's best shots out, with bounded memory whatever the stream's length.

Per frame: every face is detected (BlazeFace + Face Mesh) and joined to a track (`crfiqa_tf.best_shots.tracker`);
the cheap checks come first — the detector's own score threshold, then the quality components and their reasons
(`crfiqa_tf.components`: pose, sharpness, exposure, eyes, size; ~1 ms a face) — and the quality network runs on at
most one face in `quality_every` of a track (always on a track's first face), only on faces the checks pass. A
scored face joins the track's pool of its `POOL_FACTOR`·`per_track` best faces by quality; the shots are chosen from
the pool best first, skipping any face closer than `min_gap_ms` to one already chosen. Only the pool's crops are
held: memory grows with the number of people in view, not with the number of frames.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from crfiqa_tf.best_shots.tracker import Tracker
from crfiqa_tf.components import load_profile
from crfiqa_tf.faces.measurement import measure_face

# Reasons that make a face not worth the quality network's time (a track's first face is scored regardless).
GATE_REASONS = ("FACE_TOO_SMALL", "FACE_FORWARD", "LOOK_STRAIGHT", "EYES_CLOSED", "BLURRED", "TOO_DARK", "OVEREXPOSED")
SOURCE_MARGIN = 0.25  # the source-frame crop: the face box grown by this share of its size on each side
POOL_FACTOR = 4  # faces kept per track to choose its shots from, per shot wanted


@dataclass
class Shot:
    track_id: int
    frame_index: int
    timestamp_ms: float
    box: tuple[float, float, float, float]
    landmarks: np.ndarray  # [5, 2], source pixels
    detection_score: float
    quality: float
    quality_score: float | None
    reasons: list[str]
    aligned: np.ndarray  # the aligned crop the model scored
    source_crop: np.ndarray  # the frame around the face box


@dataclass
class TrackSummary:
    track_id: int
    first_frame: int
    last_frame: int
    first_ms: float
    last_ms: float
    faces_seen: int
    faces_scored: int
    faces_gated: int  # faces the cheap checks kept from the quality network
    shots: list[Shot]  # best first

    def line(self) -> str:
        """The console summary of the track."""
        seconds = (self.last_ms - self.first_ms) / 1000.0
        best = self.shots[0] if self.shots else None
        kept = (
            f"best quality {best.quality:.4f}"
            + (f" (score {best.quality_score:.1f})" if best.quality_score is not None else "")
            + f" at frame {best.frame_index}; kept {len(self.shots)}"
            if best
            else "no shot kept"
        )
        return (
            f"track {self.track_id}: frames {self.first_frame}-{self.last_frame} ({seconds:.1f} s), "
            f"{self.faces_seen} faces seen, {self.faces_scored} scored, {self.faces_gated} held back by the checks; "
            + kept
        )


@dataclass
class Event:
    kind: str  # "track_started", "shot_kept" or "track_ended"
    track_id: int
    frame_index: int
    timestamp_ms: float
    shot: Shot | None = None
    summary: TrackSummary | None = None


@dataclass
class _TrackState:
    scored: int = 0
    gated: int = 0
    since_scored: int = 0
    pool: list[Shot] = field(default_factory=list)  # the best faces so far, best first
    shots: list[Shot] = field(default_factory=list)  # chosen from the pool


def _source_crop(frame: np.ndarray, box) -> np.ndarray:
    height, width = frame.shape[:2]
    x0, y0, x1, y1 = box
    dx, dy = SOURCE_MARGIN * (x1 - x0), SOURCE_MARGIN * (y1 - y0)
    left, top = max(0, int(x0 - dx)), max(0, int(y0 - dy))
    right, bottom = min(width, int(np.ceil(x1 + dx))), min(height, int(np.ceil(y1 + dy)))
    return frame[top:bottom, left:right].copy()


class BestShots:
    """Keeps each person's best frames of a stream.

    Args:
        scorer: any `crfiqa_tf.inference.base.Scorer` (the TF-free `LiteRTScorer` on a device).
        per_track: shots kept per track (N).
        min_gap_ms: shots of one track at least this far apart (T).
        quality_every: the quality network on at most one face in this many of a track (K; 1 = every face).
        min_score: keep a shot only when its 0–100 quality_score is at least this (needs a calibration).
        components: measure the quality components and use their reasons as checks (on the measured Face Mesh).
        profile: reasons profile JSON for the components (default: the shipped one).
        gate_reasons: the reason codes that keep a face from the quality network.
        max_gap_ms: a track without a face for longer than this ends.
        keep_finished: keep ended tracks for `finish()`; with False they are only handed out in ``track_ended``
            events, so that memory stays bounded on an endless stream.
        aligner: a `crfiqa_tf.align.aligner.FaceAligner` (default: BlazeFace, every face).
        first_track_id: the id of the first track (a resumed run continues the numbering).
    """

    def __init__(
        self,
        scorer,
        per_track: int = 3,
        min_gap_ms: float = 500.0,
        quality_every: int = 1,
        min_score: float | None = None,
        components: bool = True,
        profile: str | None = None,
        gate_reasons=GATE_REASONS,
        max_gap_ms: float = 1000.0,
        keep_finished: bool = True,
        aligner=None,
        first_track_id: int = 1,
    ):
        if per_track < 1 or quality_every < 1 or min_gap_ms < 0:
            raise ValueError("per_track and quality_every must be at least 1, min_gap_ms at least 0")
        if aligner is None:
            from crfiqa_tf.align.aligner import FaceAligner

            aligner = FaceAligner(policy="all", size=scorer.image_size)
        self.scorer, self.aligner = scorer, aligner
        self.per_track, self.min_gap_ms, self.quality_every = per_track, min_gap_ms, quality_every
        self.min_score = min_score
        if min_score is not None:  # the model's own score or a calibration must give a 0–100 score
            size = scorer.image_size
            if scorer.score_crops(np.zeros((1, size, size, 3), np.uint8))[1] is None:
                raise ValueError("min_score compares the 0-100 quality_score: give a calibration (--calibration)")
        self.rules = load_profile(profile) if components else None
        self.gate_reasons = set(gate_reasons)
        self.keep_finished = keep_finished
        self.tracker = Tracker(max_gap_ms=max_gap_ms, first_id=first_track_id)
        self._states: dict[int, _TrackState] = {}
        self.finished: list[TrackSummary] = []
        self._frame_index = 0

    def update(self, frame: np.ndarray, timestamp_ms: float, frame_index: int | None = None) -> list[Event]:
        """Processes one RGB uint8 frame; returns what happened (tracks started, shots kept, tracks ended)."""
        index = self._frame_index if frame_index is None else frame_index
        self._frame_index = index + 1
        found = self.aligner.detect_all(frame)
        tracks, started, ended = self.tracker.step([f.box for f in found], index, timestamp_ms)
        events = [Event("track_started", t.id, index, timestamp_ms) for t in started]
        areas = [f.area for f in found]
        pending = []  # (track id, detection, crop, reasons)
        for face, track in zip(self.aligner.align(frame, found), tracks):
            state = self._states.setdefault(track.id, _TrackState())
            due = state.scored == 0 or state.since_scored + 1 >= self.quality_every
            state.since_scored += 1
            if not due:
                continue
            reasons = []
            if self.rules is not None:
                _, found_reasons = measure_face(frame, face.detection, face.crop, areas, self.rules)
                reasons = [r.code for r in found_reasons]
            if state.scored and self.gate_reasons.intersection(reasons):
                state.gated += 1
                continue
            pending.append((track.id, face, reasons))
        if pending:
            quality, scores, _ = self.scorer.score_crops(np.stack([face.crop for _, face, _ in pending]))
            for row, (track_id, face, reasons) in enumerate(pending):
                state = self._states[track_id]
                state.scored += 1
                state.since_scored = 0
                detection = face.detection
                shot = Shot(
                    track_id,
                    index,
                    timestamp_ms,
                    tuple(float(v) for v in detection.box),
                    np.asarray(detection.landmarks, np.float64),
                    float(detection.score),
                    float(quality[row]),
                    None if scores is None else float(scores[row]),
                    reasons,
                    face.crop,
                    _source_crop(frame, detection.box),
                )
                if self._offer(state, shot):
                    events.append(Event("shot_kept", track_id, index, timestamp_ms, shot=shot))
        for track in ended:
            events.append(self._end(track, index, timestamp_ms))
        return events

    def _offer(self, state: _TrackState, shot: Shot) -> bool:
        """Adds `shot` to the track's pool and chooses the shots again; True when `shot` is one of them."""
        if self.min_score is not None and (shot.quality_score is None or shot.quality_score < self.min_score):
            return False
        state.pool = sorted(state.pool + [shot], key=lambda s: -s.quality)[: POOL_FACTOR * self.per_track]
        chosen: list[Shot] = []
        for candidate in state.pool:
            if all(abs(candidate.timestamp_ms - s.timestamp_ms) >= self.min_gap_ms for s in chosen):
                chosen.append(candidate)
                if len(chosen) == self.per_track:
                    break
        state.shots = chosen
        return shot in chosen

    def _end(self, track, frame_index: int, timestamp_ms: float) -> Event:
        state = self._states.pop(track.id, _TrackState())
        summary = TrackSummary(
            track.id,
            track.first_frame,
            track.last_frame,
            track.first_ms,
            track.last_ms,
            track.faces_seen,
            state.scored,
            state.gated,
            state.shots,
        )
        if self.keep_finished:
            self.finished.append(summary)
        return Event("track_ended", track.id, frame_index, timestamp_ms, summary=summary)

    def finish(self) -> list[TrackSummary]:
        """Ends every live track; returns, in track order, every ended track's summary with `keep_finished`, else
        those of the tracks ended now."""
        now = [self._end(track, track.last_frame, track.last_ms).summary for track in self.tracker.finish()]
        return sorted(self.finished if self.keep_finished else now, key=lambda s: s.track_id)
