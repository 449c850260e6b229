"""What a run records as it goes: CSV log, TensorBoard scalars and a progress bar, written by the chief only."""

from __future__ import annotations

import csv
import os

import tensorflow as tf
from tqdm import tqdm

COLUMNS = ("step", "lr", "loss", "ce", "cr_loss", "accuracy", "mean_cr", "mean_quality")


class RunLogger:
    """Averages per-step logs over `log_every` steps and writes them to ``log.csv`` and TensorBoard."""

    def __init__(self, run_dir: str, total_steps: int, first_step: int, enabled: bool = True):
        self.enabled = enabled
        self._sums: dict[str, float] = {}
        self._count = 0
        self.history: list[dict] = []
        if not enabled:
            return
        self._csv_path = os.path.join(run_dir, "log.csv")
        new = not os.path.exists(self._csv_path)
        self._csv = open(self._csv_path, "a", newline="", encoding="utf-8")
        self._writer = csv.writer(self._csv)
        if new:
            self._writer.writerow(COLUMNS)
        self._summary = tf.summary.create_file_writer(os.path.join(run_dir, "tensorboard"))
        self._bar = tqdm(total=total_steps, initial=first_step, desc="training", unit="step", mininterval=1.0)

    def add(self, logs: dict) -> None:
        for key, value in logs.items():
            self._sums[key] = self._sums.get(key, 0.0) + float(value)
        self._count += 1

    def flush(self, step: int, lr: float) -> dict:
        """Writes the averages since the last flush, returns them."""
        if not self._count:
            return {}
        row = {"step": step, "lr": lr, **{k: v / self._count for k, v in self._sums.items()}}
        self._sums, self._count = {}, 0
        self.history.append(row)
        if self.enabled:
            self._writer.writerow([row.get(c, "") for c in COLUMNS])
            self._csv.flush()
            with self._summary.as_default(step=step):
                for key, value in row.items():
                    if key != "step":
                        tf.summary.scalar(f"train/{key}", value)
            self._bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['accuracy']:.3f}", refresh=False)
        return row

    def scalar(self, name: str, value: float, step: int) -> None:
        if self.enabled:
            with self._summary.as_default(step=step):
                tf.summary.scalar(name, value)
            self._summary.flush()

    def advance(self, steps: int = 1) -> None:
        if self.enabled:
            self._bar.update(steps)

    def close(self) -> None:
        if self.enabled:
            self._bar.close()
            self._csv.close()
            self._summary.close()
