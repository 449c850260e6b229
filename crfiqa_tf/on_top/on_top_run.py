"""A trained on-top run on disk: the head (``on_top.keras``), the matcher it sits on and its preprocessing
(``matcher.json``), and what training saw (``training.json``) — what `train-on-top` writes and its export reads."""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict

from crfiqa_tf import paths
from crfiqa_tf.matchers.matcher_input import MatcherInput

HEAD_FILE, MATCHER_FILE, TRAINING_FILE = "on_top.keras", "matcher.json", "training.json"


def save_run(out_dir: str, head, matcher_path: str, spec: MatcherInput, names: dict, training: dict) -> None:
    paths.makedirs(out_dir)
    with tempfile.TemporaryDirectory() as local:  # Keras writes local files; the run may be remote
        head.save(os.path.join(local, HEAD_FILE))
        paths.copy(os.path.join(local, HEAD_FILE), paths.join(out_dir, HEAD_FILE))
    matcher = {"path": matcher_path, "input": asdict(spec), **names}
    paths.write_text(paths.join(out_dir, MATCHER_FILE), json.dumps(matcher, indent=2))
    paths.write_text(paths.join(out_dir, TRAINING_FILE), json.dumps(training, indent=2))


def load_run(run_dir: str) -> tuple:
    """``(head, matcher path, MatcherInput, names)`` of a run folder; FileNotFoundError naming what is missing."""
    import keras

    import crfiqa_tf.on_top.on_top_model  # noqa: F401 — registers OnTopQuality

    for name in (HEAD_FILE, MATCHER_FILE):
        if not paths.exists(paths.join(run_dir, name)):
            raise FileNotFoundError(f"{run_dir}: no {name} (a folder written by `crfiqa-tf train-on-top`)")
    with tempfile.TemporaryDirectory() as local:
        paths.copy(paths.join(run_dir, HEAD_FILE), os.path.join(local, HEAD_FILE))
        head = keras.saving.load_model(os.path.join(local, HEAD_FILE))
    matcher = json.loads(paths.read_text(paths.join(run_dir, MATCHER_FILE)))
    names = {key: matcher.get(key) for key in ("signature", "input_name", "output_name")}
    return head, matcher["path"], MatcherInput(**matcher["input"]), names
