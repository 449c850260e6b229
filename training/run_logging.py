"""What a run records as it goes: CSV log, TensorBoard scalars and a progress bar, written by the chief only.

The run directory may be on a bucket (gs://), where files cannot be appended to: ``log.csv`` is rewritten whole at
each flush (a run logs a few thousand rows at most), starting from the rows already there when a run resumes."""

from __future__ import annotations

import csv
import io

import tensorflow as tf
from tqdm import tqdm

from crfiqa_tf import paths

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
        self._csv_path = paths.join(run_dir, "log.csv")
        self._csv_text = paths.read_text(self._csv_path) if paths.exists(self._csv_path) else ""
        if not self._csv_text:
            self._csv_text = self._csv_line(COLUMNS)
        self._summary = tf.summary.create_file_writer(paths.join(run_dir, "tensorboard"))
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
            self._csv_text += self._csv_line([row.get(c, "") for c in COLUMNS])
            paths.write_text(self._csv_path, self._csv_text)
            with self._summary.as_default(step=step):
                for key, value in row.items():
                    if key != "step":
                        tf.summary.scalar(f"train/{key}", value)
            self._bar.set_postfix(loss=f"{row['loss']:.3f}", acc=f"{row['accuracy']:.3f}", refresh=False)
        return row

    @staticmethod
    def _csv_line(values) -> str:
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerow(values)
        return buffer.getvalue()

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
            self._summary.close()
