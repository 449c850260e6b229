"""The field's comparison protocols over labelled faces: LFW-style ``pairs.txt`` (LFW, CALFW, CPLFW and XQLFW use
it) and all-vs-all over identity labels (every mated pair, every or a seeded sample of non-mated pairs), which EDC at
FMR 1e-3 needs: a few thousand non-mated pairs cannot place a threshold there."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf import paths


@dataclass(frozen=True)
class LFWPair:
    first: str  # path relative to the images root: ``name/name_0001.jpg``
    second: str
    mated: bool


def lfw_photo(name: str, number: str, source: str, line: int, extension: str = "jpg") -> str:
    if not number.isdigit():
        raise ValueError(f"{source}:{line}: image number must be an integer, got {number!r}")
    return f"{name}/{name}_{int(number):04d}.{extension}"


def read_lfw_pairs(path: str, extension: str = "jpg") -> list[LFWPair]:
    """The pairs of an LFW-format file: a header (``N``, or ``folds N`` in View 2), then ``name n1 n2`` for a mated
    pair and ``name1 n1 name2 n2`` for a non-mated one (LFW's README, section 3c); tabs or spaces."""
    lines = paths.read_text(path).splitlines()
    pairs = []
    for number, line in enumerate(lines[1:], start=2):
        fields = line.split()
        if not fields:
            continue
        if len(fields) == 3:
            name, a, b = fields
            pairs.append(
                LFWPair(lfw_photo(name, a, path, number, extension), lfw_photo(name, b, path, number, extension), True)
            )
        elif len(fields) == 4:
            first, a, second, b = fields
            pairs.append(
                LFWPair(
                    lfw_photo(first, a, path, number, extension), lfw_photo(second, b, path, number, extension), False
                )
            )
        else:
            raise ValueError(f"{path}:{number}: expected 'name n1 n2' or 'name1 n1 name2 n2', got {line.strip()!r}")
    if not lines or not all(field.isdigit() for field in lines[0].split()):
        raise ValueError(f"{path}:1: expected a header of pair counts ('N' or 'folds N'), got {lines[:1]}")
    if not pairs:
        raise ValueError(f"{path}: no pairs")
    return pairs


@dataclass
class ComparisonSet:
    """Comparison scores of a labelled set: every mated pair ``(first, second)`` with its score, and non-mated
    scores (all of them, or a seeded sample)."""

    mated_first: np.ndarray  # [M] index of a sample
    mated_second: np.ndarray  # [M]
    mated_scores: np.ndarray  # [M]
    nonmated_scores: np.ndarray  # [K]
    nonmated_total: int  # how many non-mated pairs the set has (K when all are kept)


def all_vs_all(embeddings, labels, nonmated: int | None = None, seed: int = 0, block: int = 2048) -> ComparisonSet:
    """Every mated pair and the non-mated scores of L2-normalised `embeddings` with identity `labels`.

    Args:
        nonmated: keep a seeded uniform sample of this many non-mated scores (None: all of them).
        block: rows compared at once (memory: block × N floats).
    """
    embeddings = np.asarray(embeddings, np.float32)
    labels = np.asarray(labels)
    if embeddings.ndim != 2 or len(embeddings) != len(labels):
        raise ValueError(f"embeddings [N, D] and labels [N] must match, got {embeddings.shape} and {labels.shape}")
    count = len(labels)
    first, second, mated, others = [], [], [], []
    for start in range(0, count, block):
        rows = np.arange(start, min(start + block, count))
        scores = embeddings[rows] @ embeddings.T  # [b, N]
        upper = np.arange(count)[None, :] > rows[:, None]  # each pair once
        same = labels[rows][:, None] == labels[None, :]
        r, c = np.nonzero(upper & same)
        first.append(rows[r])
        second.append(c)
        mated.append(scores[r, c])
        others.append(scores[upper & ~same])
    nonmated_scores = np.concatenate(others) if others else np.zeros(0, np.float32)
    total = int(nonmated_scores.size)
    if nonmated is not None and nonmated < total:
        keep = np.random.default_rng(seed).choice(total, size=nonmated, replace=False)
        nonmated_scores = nonmated_scores[np.sort(keep)]
    return ComparisonSet(
        np.concatenate(first) if first else np.zeros(0, np.int64),
        np.concatenate(second) if second else np.zeros(0, np.int64),
        np.concatenate(mated) if mated else np.zeros(0, np.float32),
        nonmated_scores,
        total,
    )


def cap_per_identity(labels, limit: int, seed: int = 0) -> np.ndarray:
    """Indices of at most `limit` samples per identity (a seeded choice, in their original order), so that a few
    people with hundreds of photos (LFW's best-known have 530) do not make up most of the mated pairs."""
    if limit < 2:
        raise ValueError(f"at most {limit} photos per identity leaves no mated pair; give 2 or more")
    labels = np.asarray(labels)
    rng = np.random.default_rng(seed)
    keep = []
    for label in np.unique(labels):
        members = np.flatnonzero(labels == label)
        keep.append(members if len(members) <= limit else rng.choice(members, size=limit, replace=False))
    return np.sort(np.concatenate(keep)) if keep else np.zeros(0, np.int64)
