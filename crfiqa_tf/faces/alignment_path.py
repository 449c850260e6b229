"""The one decision of where faces are found: inside an exported SavedModel (its ``score_photos`` signature: the
whole face pipeline as TF ops) or by the LiteRT/Python aligner (`crfiqa_tf.faces.measurement`).

The graph path is taken only when it gives what the options ask for: alignment with the default detector (the
graph replays BlazeFace), no components (the graph does not return the measured Face Mesh they need), and the
smallest face the export looks for (``score_photos.json``'s ``min_face``; exports from before the tiles had none and
looked at the whole frame only). `SavedModelScorer.score` and the Beam job ask it; each reads the export's settings
with its own filesystem layer (`crfiqa_tf.paths`, Beam's ``FileSystems``).
"""

from __future__ import annotations

from crfiqa_tf.align.detection import DEFAULT_DETECTOR


def uses_graph_alignment(
    exported: dict | None, *, align: bool, detector: str, components: bool, min_face: float | None
) -> bool:
    """`exported`: the SavedModel's ``score_photos`` settings (``{"min_face": ...}``, ``{}`` for an export that has
    the signature without the file), None when it has no ``score_photos``."""
    if exported is None or not align or detector != DEFAULT_DETECTOR or components:
        return False
    return exported.get("min_face") == min_face
