"""Training CR-FIQA on top of a frozen matcher, from its embeddings alone (computed once: a Beam job can compute
them for millions of faces; here they are arrays)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class OnTopSettings:
    """Args:
    hidden: the quality head's hidden units (0: one linear unit).
    members: quality heads averaged, each from its own initial weights (with learned centres, its own class centres:
        `OnTopQuality`).
    mirror: the head's input is the mirror-averaged embedding and the mirror agreement: embeddings ``[N, 2, D]``
        (`head_inputs`).
    epochs, batch_size, learning_rate: Adam over the embeddings.
    cr_mode, alpha, beta: the CR loss (`crfiqa_tf.losses`).
    centres: ``"learned"`` (ArcFace margin heads on the head's features, the paper's way) or ``"leave-one-out"``
        (the identity means of the matcher's embeddings of the faces themselves, each without the sample:
        `crfiqa_tf.on_top.matcher_centres`).
    seed: initial weights and shuffling."""

    # the official head (one linear unit), the paper's CR and learned centres by default; the settings chosen on
    # LFW's validation people are in docs/guides/own-matcher.md (benchmarks/real_faces.py)
    hidden: int = 0
    epochs: int = 40
    batch_size: int = 256
    learning_rate: float = 1e-2
    cr_mode: str = "paper"
    alpha: float = 10.0
    beta: float = 0.5
    seed: int = 0
    members: int = 1
    mirror: bool = False
    centres: str = "learned"

    def __post_init__(self):
        from crfiqa_tf.config import CENTRES, CR_MODES

        if self.hidden < 0 or self.epochs < 1 or self.batch_size < 1 or not self.learning_rate > 0 or self.members < 1:
            raise ValueError(f"on-top settings out of range: {self}")
        if self.cr_mode not in CR_MODES:
            raise ValueError(f"on-top cr_mode must be one of {', '.join(CR_MODES)}, got {self.cr_mode!r}")
        if self.centres not in CENTRES:
            raise ValueError(f"on-top centres must be one of {', '.join(CENTRES)}, got {self.centres!r}")


def train_on_top(embeddings, labels, settings: OnTopSettings = OnTopSettings(), fits_centres=None):
    """An `OnTopQuality` model trained on raw matcher `embeddings` ``[N, D]`` (``[N, 2, D]`` with
    ``settings.mirror``: each face, then its mirror image, as `crfiqa_tf.on_top.head_inputs.head_inputs` gives them)
    with identity `labels` ``[N]``
    (any hashable values; made contiguous here). `fits_centres` (bool ``[N]``, default all) marks the samples whose
    classification loss fits the class centres: augmented copies (a cross-quality copy) get a CR target against
    the centres without pulling them; a copy left unchanged gets none (`unchanged_copies`). Returns the model and
    its per-epoch history."""
    import keras
    import tensorflow as tf

    from crfiqa_tf.losses import certainty_ratio
    from crfiqa_tf.on_top.matcher_centres import leave_one_out_similarities
    from crfiqa_tf.on_top.on_top_model import OnTopQuality
    from crfiqa_tf.on_top.target_weights import cr_target_weights, unchanged_copies

    embeddings = np.asarray(embeddings, np.float32)
    _, labels, counts = np.unique(np.asarray(labels), return_inverse=True, return_counts=True)
    shape = "[N, 2, D] (each face, then its mirror image)" if settings.mirror else "[N, D]"
    if embeddings.ndim != (3 if settings.mirror else 2) or (settings.mirror and embeddings.shape[1] != 2):
        raise ValueError(f"embeddings must be {shape}, got {embeddings.shape}")
    if len(embeddings) != len(labels):
        raise ValueError(f"embeddings {shape} and labels [N] must match, got {embeddings.shape} and {labels.shape}")
    centre_weights = np.ones(len(labels), np.float32) if fits_centres is None else np.asarray(fits_centres, np.float32)
    if centre_weights.shape != (len(labels),):
        raise ValueError(f"fits_centres must have one flag per embedding ({len(labels)}), got {centre_weights.shape}")
    comparison = embeddings[:, 0] if settings.mirror else embeddings  # what the matcher compares: the face
    weights = cr_target_weights(labels, centre_weights) * ~unchanged_copies(comparison, labels, centre_weights > 0)
    if not weights.any():
        raise ValueError("every identity has one sample: the certainty ratio needs identities with several")
    keras.utils.set_random_seed(settings.seed)
    if settings.centres == "leave-one-out":
        ccs, nnccs = leave_one_out_similarities(comparison, labels, centre_weights > 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            given_cr = np.asarray(certainty_ratio(ccs, nnccs, settings.cr_mode), np.float32)
        given_cr = np.where(weights > 0, given_cr, 0.0).astype(np.float32)  # no target: weight 0, and finite
        targets = given_cr[weights > 0]
        if not np.isfinite(targets).all():
            raise ValueError(
                f"cr_mode {settings.cr_mode!r} divides by NNCCS, and some samples have no negative centre or one at "
                "cosine 0: use cr_mode 'paper' with leave-one-out centres"
            )
        shift, scale = float(targets.mean()), float(max(targets.std(), 1e-6))
    else:  # the margin heads give the CR as they learn
        given_cr = np.zeros(len(labels), np.float32)
        shift, scale = 0.0, 1.0
    model = OnTopQuality(
        embeddings.shape[-1],
        len(counts),
        settings.hidden,
        settings.alpha,
        settings.beta,
        settings.cr_mode,
        settings.members,
        settings.mirror,
        settings.centres,
        shift,
        scale,
        agreement=settings.mirror,
    )
    model.build()
    model.standardise.adapt(model.head_features(embeddings))
    model.compile(optimizer=keras.optimizers.Adam(settings.learning_rate))
    dataset = (
        tf.data.Dataset.from_tensor_slices((embeddings, labels.astype(np.int32), weights, centre_weights, given_cr))
        .shuffle(len(labels), seed=settings.seed, reshuffle_each_iteration=True)
        .batch(settings.batch_size)
    )
    history = model.fit(dataset, epochs=settings.epochs, verbose=0)
    return model, history.history
