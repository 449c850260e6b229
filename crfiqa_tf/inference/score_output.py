"""Where `crfiqa-tf score --out` puts its rows: written as each batch is scored, so that a run stopped at any point
(Ctrl-C, SIGTERM, kill -9, a lost SSH session, a full disk) keeps what it scored, and ``--resume`` continues it.

The rules:

- The format follows the extension of ``--out``: ``.jsonl`` is JSON Lines, anything else CSV.
- A local ``--out`` is appended to and flushed to disk after every batch. Beside it, ``OUT.progress.json`` holds
  the run's settings and the length of the output after the last whole batch, written (atomically) only once that
  batch's rows are on disk. A finished run removes it.
- A remote ``--out`` (``gs://``, ``s3://``, ``ram://``: objects cannot be appended to) is written as parts,
  ``.OUT.parts/part-NNNNN`` beside it, each holding `PART_ROWS` rows or more, written whole as they fill (an
  interruption loses at most the part being filled), with the settings in ``.OUT.parts/run.json``. A finished
  run joins them into ``OUT`` and removes the parts.
- ``--resume`` continues an interrupted run: the output is cut back to its last whole batch (a torn line from a
  kill -9, or rows written after the last recorded batch, are dropped and scored again), every input that has rows
  in what is kept is skipped, and the rest are appended in input order, so the finished output has the rows of an
  uninterrupted run in the same order. A resume whose settings (model, ``--align``, ``--faces``, detector,
  ``--min-face``, components, profile, calibration, precision) differ from the run it continues is refused with
  the differences named.
- Without ``--resume`` the output of an interrupted run is never appended to or replaced: the run is refused,
  naming ``--resume``. A finished output (no progress file, no parts) is replaced, as before.
"""

from __future__ import annotations

import csv
import io
import json
import os

from crfiqa_tf import paths

PART_ROWS = 1000  # rows per part of a remote output


class ResumeError(ValueError):
    """A resume that cannot continue the run it names, or a new run over an interrupted one."""


def is_jsonl(out: str) -> bool:
    return out.lower().endswith(".jsonl")


def format_rows(rows: list[dict], columns: tuple, jsonl: bool, header: bool) -> str:
    """`rows` as CSV (with the header line when `header`) or JSON Lines, every line ending in a newline."""
    if jsonl:
        return "".join(json.dumps({c: row.get(c, "") for c in columns}) + "\n" for row in rows)
    buffer = io.StringIO(newline="")
    writer = csv.DictWriter(buffer, columns, restval="", extrasaction="ignore", lineterminator="\n")
    if header:
        writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


def parse_rows(text: str, jsonl: bool, columns: tuple | None = None) -> list[dict]:
    """Rows of `format_rows`' text; CSV without a header line (a part of a remote output) needs its `columns`."""
    if jsonl:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    return list(csv.DictReader(io.StringIO(text, newline=""), fieldnames=columns))


def _differences(recorded: dict, settings: dict) -> list[str]:
    keys = sorted(set(recorded) | set(settings))
    return [
        f"{k}: {recorded.get(k)!r} then, {settings.get(k)!r} now" for k in keys if recorded.get(k) != settings.get(k)
    ]


class ScoreOutput:
    """The rows of one ``score --out`` run. `done` is the set of inputs whose rows the output already holds (a
    resumed run's), `kept_rows` those rows (for the closing line's counts).

    Args:
        out: the output path, local or remote.
        columns: the CSV columns (JSON Lines keys), in order.
        settings: what the rows depend on; a resume must give the same.
        resume: continue the interrupted run at `out`.
    """

    def __init__(self, out: str, columns: tuple, settings: dict, resume: bool = False):
        self.out, self.columns, self.settings = out, tuple(columns), dict(settings)
        self.jsonl, self.remote = is_jsonl(out), paths.is_remote(out)
        self.progress = out + ".progress.json"
        # ".NAME.parts" beside NAME: hidden (a later folder walk skips it), and not a name NAME is a prefix of
        # (TensorFlow's ram:// would take NAME for a file that exists).
        self.parts = paths.join(paths.dirname(out), "." + paths.basename(out) + ".parts")
        self.done: set[str] = set()
        self.kept_rows: list[dict] = []
        self._pending: list[dict] = []
        self._part_index = 0
        interrupted = paths.exists(self.parts) if self.remote else os.path.exists(self.progress)
        if interrupted and not resume:
            raise ResumeError(
                f"{out}: an interrupted run's output is there; add --resume to continue it, or remove "
                f"{self.parts if self.remote else out + ' and ' + self.progress} to start again"
            )
        if interrupted:
            self._continue()
        else:
            self._start()

    # -- start and resume ---------------------------------------------------------------------------------------

    def _record(self) -> dict:
        return {"settings": self.settings, "columns": list(self.columns)}

    def _start(self) -> None:
        if self.remote:
            paths.makedirs(paths.dirname(self.out))
            paths.makedirs(self.parts)
            paths.write_text(paths.join(self.parts, "run.json"), json.dumps(self._record(), indent=2))
            return
        folder = os.path.dirname(os.path.abspath(self.out))
        os.makedirs(folder, exist_ok=True)
        with open(self.out, "w", encoding="utf-8", newline="") as handle:
            handle.write("" if self.jsonl else format_rows([], self.columns, False, header=True))
            handle.flush()
            os.fsync(handle.fileno())
        self._write_progress(os.path.getsize(self.out))

    def _check(self, recorded: dict, where: str) -> None:
        differences = _differences(recorded.get("settings", {}), self.settings)
        if differences:
            raise ResumeError(f"{self.out}: --resume with other settings than {where}: " + "; ".join(differences))
        self.columns = tuple(recorded.get("columns", self.columns))

    def _continue(self) -> None:
        if self.remote:
            self._check(json.loads(paths.read_text(paths.join(self.parts, "run.json"))), "the run in " + self.parts)
            for part in self._part_files():
                self._remember(parse_rows(paths.read_text(part), self.jsonl, self.columns))
                self._part_index += 1
            return
        with open(self.progress, encoding="utf-8") as handle:
            progress = json.load(handle)
        self._check(progress, "the run recorded in " + self.progress)
        length = int(progress["length"])
        with open(self.out, "r+b") as handle:
            handle.truncate(length)  # a torn line, or rows after the last recorded batch, are scored again
            handle.seek(0)
            text = handle.read().decode("utf-8")
        self._remember(parse_rows(text, self.jsonl))

    def _remember(self, rows: list[dict]) -> None:
        self.kept_rows += rows
        self.done.update(row["path"] for row in rows)

    def _part_files(self) -> list[str]:
        return sorted(p for p in paths.glob(paths.join(self.parts, "part-*")))

    # -- writing ------------------------------------------------------------------------------------------------

    def _write_progress(self, length: int) -> None:
        paths.write_text_atomically(self.progress, json.dumps({**self._record(), "length": length}))

    def write_batch(self, rows: list[dict]) -> None:
        """One batch's rows (all rows of each of its inputs): on disk before this returns (local), or in the part
        being filled (remote)."""
        if self.remote:
            self._pending += rows
            if len(self._pending) >= PART_ROWS:
                self._flush_part()
            return
        with open(self.out, "a", encoding="utf-8", newline="") as handle:
            handle.write(format_rows(rows, self.columns, self.jsonl, header=False))
            handle.flush()
            os.fsync(handle.fileno())
            length = handle.tell()
        self._write_progress(length)

    def _flush_part(self) -> None:
        if not self._pending:
            return
        name = paths.join(self.parts, f"part-{self._part_index:05d}")
        paths.write_text(name, format_rows(self._pending, self.columns, self.jsonl, header=False))
        self._part_index += 1
        self._pending = []

    def stop(self) -> None:
        """An interrupted run: what is pending is written (remote) and the output is left to be resumed."""
        if self.remote:
            self._flush_part()

    def finish(self) -> None:
        """The run is complete: the output becomes one plain file and the progress record or parts go."""
        if not self.remote:
            os.remove(self.progress)
            return
        self._flush_part()
        text = "" if self.jsonl else format_rows([], self.columns, False, header=True)
        text += "".join(paths.read_text(part) for part in self._part_files())
        paths.write_text(self.out, text)
        paths.remove_tree(self.parts)
