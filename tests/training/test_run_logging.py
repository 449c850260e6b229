"""training.run_logging: averages over the steps since the last flush, ``log.csv`` rewritten whole (a bucket cannot
append) and continued when a run resumes, locally and on ram:// (the stand-in for gs://); a worker that is not the
chief writes nothing."""

import csv
import io

import pytest

from crfiqa_tf import paths
from crfiqa_tf_apps.training.run_logging import COLUMNS, RunLogger

ROW = {"loss": 0.0, "ce": 0.0, "cr_loss": 0.0, "accuracy": 0.0, "mean_cr": 0.0, "mean_quality": 0.0}


def rows(run_dir):
    return list(csv.DictReader(io.StringIO(paths.read_text(paths.join(run_dir, "log.csv")))))


@pytest.mark.parametrize("where", ["local", "ram"])
def test_averages_written_and_continued_on_resume(where, tmp_path):
    run_dir = str(tmp_path / "run") if where == "local" else "ram://run-logging-test/run"
    paths.makedirs(run_dir)
    logger = RunLogger(run_dir, total_steps=4, first_step=0)
    logger.add({**ROW, "loss": 1.0, "accuracy": 0.2})
    logger.add({**ROW, "loss": 3.0, "accuracy": 0.4})
    assert logger.flush(step=2, lr=0.1) == {"step": 2, "lr": 0.1, **ROW, "loss": 2.0, "accuracy": pytest.approx(0.3)}
    assert logger.flush(step=2, lr=0.1) == {}  # nothing since the last flush
    logger.close()
    resumed = RunLogger(run_dir, total_steps=4, first_step=2)
    resumed.add({**ROW, "loss": 0.5})
    resumed.flush(step=4, lr=0.01)
    resumed.close()
    table = rows(run_dir)
    assert list(table[0]) == list(COLUMNS)
    assert [(r["step"], float(r["loss"])) for r in table] == [("2", 2.0), ("4", 0.5)]
    assert paths.isdir(paths.join(run_dir, "tensorboard"))


def test_a_worker_that_is_not_the_chief_writes_nothing(tmp_path):
    logger = RunLogger(str(tmp_path), total_steps=2, first_step=0, enabled=False)
    logger.add({**ROW, "loss": 1.0})
    assert logger.flush(step=1, lr=0.1)["loss"] == 1.0 and len(logger.history) == 1
    logger.scalar("eval/x", 1.0, 1)
    logger.close()
    assert list(tmp_path.iterdir()) == []
