"""What an on-top head takes from the matcher: its raw embeddings of aligned faces, and with a mirror-averaged head
those of each face's mirror image too (`OnTopQuality`'s ``mirror``). The TF form runs inside
`crfiqa_tf.on_top.matcher_quality_model.MatcherQualityModel`; the two are tested equal."""

from __future__ import annotations

import numpy as np


def mirror_images(faces):
    """Aligned faces ``[N, H, W, C]`` flipped left to right (the aligned template is symmetric, so the mirror image
    of an aligned face is the aligned mirror face)."""
    return np.ascontiguousarray(np.asarray(faces)[:, :, ::-1, :])


def head_inputs(matcher, faces, mirror: bool, batch_size: int = 64) -> np.ndarray:
    """`matcher`'s raw embeddings of `faces` ``[N, D]``; with `mirror`, ``[N, 2, D]``: each face, then its mirror
    image. `matcher` is a `crfiqa_tf.matchers.matcher.Matcher` (any format it loads)."""
    raw = matcher.raw_embeddings(faces, batch_size)
    if not mirror:
        return raw
    return np.stack([raw, matcher.raw_embeddings(mirror_images(faces), batch_size)], axis=1)
