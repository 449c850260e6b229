"""Faces linked across frames: each detection joins the live track whose predicted position is nearest, or starts a
new track; a track that sees no face for longer than the gap ends.

A track predicts its face's centre from its last centre and a smoothed velocity (constant-velocity motion), so two
faces whose paths cross keep their identities as long as they move: while they overlap the detector may see only
one of them, the other track coasts on its prediction and picks its face up again on the far side. The cost of
joining a detection to a track is the distance between the detection's centre and the track's predicted centre in
units of the face width (the larger of the two boxes); pairs are taken cheapest first, up to `max_distance`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

VELOCITY_SMOOTHING = 0.5  # weight of the newest velocity measurement


@dataclass
class Track:
    id: int
    box: np.ndarray  # x0, y0, x1, y1 of the last detection
    first_frame: int
    last_frame: int
    first_ms: float
    last_ms: float
    velocity: np.ndarray = field(default_factory=lambda: np.zeros(2))  # centre pixels per millisecond
    faces_seen: int = 1

    @property
    def centre(self) -> np.ndarray:
        return (self.box[:2] + self.box[2:]) / 2

    @property
    def width(self) -> float:
        return float(self.box[2] - self.box[0])

    def predicted_centre(self, timestamp_ms: float) -> np.ndarray:
        return self.centre + self.velocity * (timestamp_ms - self.last_ms)

    def update(self, box: np.ndarray, frame: int, timestamp_ms: float) -> None:
        elapsed = timestamp_ms - self.last_ms
        centre = (box[:2] + box[2:]) / 2
        if elapsed > 0:
            measured = (centre - self.centre) / elapsed
            self.velocity = (1 - VELOCITY_SMOOTHING) * self.velocity + VELOCITY_SMOOTHING * measured
        self.box, self.last_frame, self.last_ms = np.asarray(box, np.float64), frame, timestamp_ms
        self.faces_seen += 1


class Tracker:
    """Assigns each frame's face boxes to tracks.

    Args:
        max_gap_ms: a track without a face for longer than this ends.
        max_distance: the farthest a face may be from a track's predicted centre, in face widths, to join it.
    """

    def __init__(self, max_gap_ms: float = 1000.0, max_distance: float = 1.0, first_id: int = 1):
        self.max_gap_ms, self.max_distance = max_gap_ms, max_distance
        self.live: list[Track] = []
        self._next_id = first_id

    @property
    def next_id(self) -> int:
        """The id the next track will get."""
        return self._next_id

    def step(self, boxes, frame: int, timestamp_ms: float) -> tuple[list[Track], list[Track], list[Track]]:
        """(the track of each box, in box order; the tracks started; the tracks ended) for one frame."""
        boxes = [np.asarray(b, np.float64) for b in boxes]
        pairs = []
        for t, track in enumerate(self.live):
            predicted = track.predicted_centre(timestamp_ms)
            for b, box in enumerate(boxes):
                width = max(track.width, float(box[2] - box[0]), 1.0)
                cost = float(np.linalg.norm((box[:2] + box[2:]) / 2 - predicted)) / width
                if cost <= self.max_distance:
                    pairs.append((cost, t, b))
        assigned: list[Track | None] = [None] * len(boxes)
        taken = set()
        for _, t, b in sorted(pairs):
            if t in taken or assigned[b] is not None:
                continue
            taken.add(t)
            self.live[t].update(boxes[b], frame, timestamp_ms)
            assigned[b] = self.live[t]
        started = []
        for b, box in enumerate(boxes):
            if assigned[b] is None:
                track = Track(self._next_id, box, frame, frame, timestamp_ms, timestamp_ms)
                self._next_id += 1
                self.live.append(track)
                assigned[b], started = track, started + [track]
        ended = [t for t in self.live if timestamp_ms - t.last_ms > self.max_gap_ms]
        self.live = [t for t in self.live if t not in ended]
        return assigned, started, ended

    def finish(self) -> list[Track]:
        """Ends every live track."""
        ended, self.live = self.live, []
        return ended
