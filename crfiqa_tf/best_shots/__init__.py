"""Best shots from a camera or a video: faces tracked across frames, each person's best frames kept.

`BestShots` is the streaming API (``update(frame, timestamp_ms) -> events``, ``finish() -> tracks``);
`crfiqa_tf.best_shots.command` is ``crfiqa-tf best-shots``. NumPy, Pillow and LiteRT only (plus OpenCV for video
files and cameras, the ``[video]`` extra): it runs on the TensorFlow-free edge install.
"""

from crfiqa_tf.best_shots.selector import GATE_REASONS, BestShots, Event, Shot, TrackSummary
from crfiqa_tf.best_shots.sources import Frame, FrameSource, SourceError, open_source

__all__ = [
    "GATE_REASONS",
    "BestShots",
    "Event",
    "Frame",
    "FrameSource",
    "Shot",
    "SourceError",
    "TrackSummary",
    "open_source",
]
