"""The figures of a review report, gathered in one pass over any number of rows in bounded memory.

Counts are exact. The quality_score histogram is exact (fixed 0–100 bins); a raw-quality histogram (results
without a calibration) is drawn from a uniform reservoir sample of `SAMPLE` values, and the report says so. The
lowest and highest faces are kept by a streaming selection (two heaps of N). Groups beyond `MAX_GROUPS` are counted
together as one "(other groups)" row; failures beyond `MAX_FAILURES_LISTED` are counted by kind, not listed.
"""

from __future__ import annotations

import heapq
import itertools
import posixpath
import random
from collections import Counter
from dataclasses import dataclass, field

from crfiqa_tf.report.results import ResultRow

SCORE_BINS = 50  # 2 points each over 0–100
SAMPLE = 100_000
MAX_GROUPS = 5_000
MAX_FAILURES_LISTED = 200
OTHER_GROUPS = "(other groups)"


@dataclass
class GroupFigures:
    files: int = 0
    faces: int = 0
    errors: int = 0
    quality_sum: float = 0.0
    score_sum: float = 0.0
    scores: int = 0
    with_reasons: int = 0
    below_threshold: int = 0

    @property
    def mean_quality(self) -> float | None:
        return self.quality_sum / self.faces if self.faces else None

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.scores if self.scores else None


@dataclass
class Summary:
    """Everything the page shows of a stream of rows. `threshold`: a raw quality below which a face counts as
    rejected in the group table (the calibration's 10 % point, when given)."""

    extremes: int = 12
    group_by: str | None = None
    threshold: float | None = None
    seed: int = 0
    rows: int = 0
    files: int = 0
    faces: int = 0
    warnings: int = 0
    errors: Counter = field(default_factory=Counter)  # (stage, cause) → count
    failures: list = field(default_factory=list)  # the first MAX_FAILURES_LISTED failure rows
    reasons: Counter = field(default_factory=Counter)
    instructions: dict = field(default_factory=dict)  # reason code → its instruction
    score_bins: list = field(default_factory=lambda: [0] * SCORE_BINS)
    scored: int = 0  # faces with a quality_score
    quality_sample: list = field(default_factory=list)
    quality_min: float | None = None
    quality_max: float | None = None
    groups: dict = field(default_factory=dict)
    _lowest: list = field(default_factory=list)  # max-heap by quality (negated): the N lowest
    _highest: list = field(default_factory=list)  # min-heap: the N highest
    _order: itertools.count = field(default_factory=itertools.count)

    def __post_init__(self):
        self._random = random.Random(self.seed)

    def group_of(self, row: ResultRow) -> str:
        if self.group_by:
            value = row.columns.get(self.group_by)
            return "(none)" if value in (None, "") else str(value)
        folder = posixpath.dirname(row.path.replace("\\", "/"))
        return folder or "."

    def _group(self, row: ResultRow) -> GroupFigures:
        name = self.group_of(row)
        if name not in self.groups and len(self.groups) >= MAX_GROUPS:
            name = OTHER_GROUPS
        return self.groups.setdefault(name, GroupFigures())

    def add(self, row: ResultRow) -> None:
        self.rows += 1
        group = self._group(row)
        if row.first_of_its_file:
            self.files += 1
            group.files += 1
        if row.warning:
            self.warnings += 1
        if row.error:
            self.errors[(row.stage or "score", row.error)] += 1
            group.errors += 1
            if len(self.failures) < MAX_FAILURES_LISTED:
                self.failures.append(row)
            return
        if row.quality is None:
            return
        self.faces += 1
        quality = row.quality
        group.faces += 1
        group.quality_sum += quality
        if self.threshold is not None and quality < self.threshold:
            group.below_threshold += 1
        self.quality_min = quality if self.quality_min is None else min(self.quality_min, quality)
        self.quality_max = quality if self.quality_max is None else max(self.quality_max, quality)
        if len(self.quality_sample) < SAMPLE:
            self.quality_sample.append(quality)
        else:  # reservoir sampling (Algorithm R): every value kept with probability SAMPLE / faces
            slot = self._random.randrange(self.faces)
            if slot < SAMPLE:
                self.quality_sample[slot] = quality
        if row.quality_score is not None:
            self.scored += 1
            group.scores += 1
            group.score_sum += row.quality_score
            self.score_bins[min(int(row.quality_score / (100 / SCORE_BINS)), SCORE_BINS - 1)] += 1
        if row.reasons:
            group.with_reasons += 1
            self.reasons.update(row.reasons)
            for code, text in zip(row.reasons, row.instructions):
                self.instructions.setdefault(code, text)
        self._keep_extreme(row)

    def _keep_extreme(self, row: ResultRow) -> None:
        order = next(self._order)
        if self.extremes <= 0:
            return
        slim = ResultRow(  # no columns: N rows of each end, whatever the row count
            row.path,
            row.quality,
            row.quality_score,
            row.face_index,
            row.detection_score,
            row.box,
            row.landmarks,
            row.reasons,
            row.instructions,
            row.warning,
            origin=row.origin,
        )
        for heap, key in ((self._lowest, -row.quality), (self._highest, row.quality)):
            entry = (key, -order, slim)
            if len(heap) < self.extremes:
                heapq.heappush(heap, entry)
            elif entry[:2] > heap[0][:2]:
                heapq.heapreplace(heap, entry)

    @property
    def lowest(self) -> list[ResultRow]:
        """The N lowest faces, lowest first (ties: the first read first)."""
        return [entry[2] for entry in sorted(self._lowest, key=lambda e: (-e[0], -e[1]))]

    @property
    def highest(self) -> list[ResultRow]:
        """The N highest faces, highest first (ties: the first read first)."""
        return [entry[2] for entry in sorted(self._highest, key=lambda e: (-e[0], -e[1]))]

    @property
    def sampled(self) -> bool:
        return self.faces > len(self.quality_sample)
