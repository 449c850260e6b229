"""Certainty ratio and the CR-FIQA training loss, as pure functions.

Two definitions of the certainty ratio exist:

- ``"code"`` (default): ``CR = CCS / NNCCS``, exactly what the official training script
  (``train_cr_fiqa.py`` in github.com/fdbtrs/CR-FIQA) regresses; the released CR-FIQA(S)/(L) weights were trained
  with it, so converted weights and models trained here mean the same thing.
- ``"paper"``: ``CR = CCS / (NNCCS + (1 + ε))`` as printed in the CVPR 2023 paper (Eq. 4), whose denominator is
  always positive (NNCCS ≥ −1).

The mismatch is fdbtrs/CR-FIQA issue #7 ("Inconsistency between the paper and codes"); the authors answered there
that the +1 shift is meant for training. The released code and the released weights nevertheless use
``ccs / nnccs``, and a quality head imported with `convert-torch` predicts that quantity, so ``"code"`` is the
default: a model trained here and an imported one then score on the same scale. With ``"code"`` the target is
unbounded when NNCCS nears 0 (likely with few classes, e.g. small synthetic sets); choose ``"paper"`` there.
The target is not clipped in either mode.
"""

from __future__ import annotations

import tensorflow as tf

from crfiqa_tf.config import CR_MODES


def certainty_ratio(ccs, nnccs, mode: str = "code", eps: float = 1e-9):
    """Certainty ratio of class-centre similarity `ccs` to nearest-negative similarity `nnccs`."""
    if mode == "code":
        return ccs / nnccs
    if mode == "paper":
        return ccs / (nnccs + (1.0 + eps))
    raise ValueError(f"cr_mode must be one of {CR_MODES}, got {mode!r}")


def smooth_l1(target, prediction, beta: float = 0.5):
    """Per-element Smooth-L1 (Huber / β) as `torch.nn.SmoothL1Loss(beta)` with no reduction."""
    diff = tf.abs(prediction - target)
    return tf.where(diff < beta, 0.5 * tf.square(diff) / beta, diff - 0.5 * beta)


def cr_fiqa_loss(
    labels,
    logits,
    ccs,
    nnccs,
    quality,
    alpha: float = 10.0,
    beta: float = 0.5,
    cr_mode: str = "code",
):
    """Per-example CR-FIQA loss and its parts.

    ``CE(ArcFace logits, y) + alpha · SmoothL1_beta(stop_gradient(CR), quality)``. The CR target is a stop-gradient
    so the quality head regresses it without pulling the embedding towards easy samples.

    Returns:
        dict of per-example tensors ``{"loss", "ce", "cr_loss", "cr"}`` (shape ``[batch]``); reduce them over the
        global batch with `tf.nn.compute_average_loss` under a distribution strategy.
    """
    logits = tf.cast(logits, tf.float32)
    ce = tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.cast(labels, tf.int32), logits=logits)
    cr = tf.stop_gradient(certainty_ratio(tf.cast(ccs, tf.float32), tf.cast(nnccs, tf.float32), cr_mode))
    cr_loss = smooth_l1(cr, tf.cast(quality, tf.float32), beta)
    return {"loss": ce + alpha * cr_loss, "ce": ce, "cr_loss": cr_loss, "cr": cr}
