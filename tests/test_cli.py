"""crfiqa_tf.cli, the front door: every command module is listed and reached, unknown flags are refused, and
TensorFlow's C++ lines stay out unless asked. Each command's own tests are in test_<command>.py (test_synth,
test_train, test_export, test_client, test_score, test_evaluate, test_calibrate, test_convert_torch,
test_score_gallery, test_best_shots, test_report, test_demo, test_prepare, test_tf_config; distill in
test_distill_lib)."""

import os

import pytest

from crfiqa_tf.cli import COMMANDS, build_parser, main


def test_every_command_module_is_listed_with_its_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["--help"])
    assert done.value.code == 0
    listing = capsys.readouterr().out
    for name in COMMANDS:
        assert name.replace("_", "-") in listing, name
    parser = build_parser()
    assert sorted(parser._subparsers._group_actions[0].choices) == sorted(n.replace("_", "-") for n in COMMANDS)


def test_unknown_flags_are_refused_naming_them(capsys):
    with pytest.raises(SystemExit) as done:
        main(["synth", "--out", "x", "--identities", "2", "--per-identity", "2", "--no-such-flag"])
    assert done.value.code == 2 and "unrecognized arguments: --no-such-flag" in capsys.readouterr().err


def test_score_gallery_takes_its_flags_and_hands_what_they_leave_to_beam(monkeypatch):
    from crfiqa_tf_apps.beam_jobs import score_gallery

    handed = {}
    monkeypatch.setattr(score_gallery, "run_job", lambda options, beam_args: handed.update(o=options, beam=beam_args))
    argv = ["score-gallery", "--input-glob", "g/*.png", "--model", "m.tflite", "--runner", "DataflowRunner"]
    assert main([*argv, "--output", "o", "--verbose", "--project=p", "--format", "csv", "--align"]) == 0
    assert handed["beam"] == ["--runner", "DataflowRunner", "--project=p"]  # --verbose is the CLI's own
    options = handed["o"]
    given = (options.inputs.globs, options.model, options.output, options.format)
    assert given == (("g/*.png",), "m.tflite", "o", "csv")
    assert options.face_options.align


def test_tensorflow_cpp_lines_stay_out_unless_asked(tmp_path):
    import re
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "TF_CPP_MIN_LOG_LEVEL"}
    argv = [sys.executable, "-m", "crfiqa_tf.cli", "synth", "--identities", "4", "--per-identity", "2"]
    argv += ["--val-pairs", "4", "--shards", "1"]
    cpp_line = re.compile(r"^[IW]\d{4} ", re.MULTILINE)  # TensorFlow's C++ INFO / WARNING prefix
    quiet = subprocess.run([*argv, "--out", str(tmp_path / "a")], env=env, capture_output=True, text=True)
    assert quiet.returncode == 0 and "8 synthetic images" in quiet.stdout
    assert not cpp_line.search(quiet.stderr + quiet.stdout), quiet.stderr
    loud = subprocess.run([*argv, "--out", str(tmp_path / "b"), "--verbose"], env=env, capture_output=True, text=True)
    assert loud.returncode == 0 and cpp_line.search(loud.stderr), loud.stderr  # e.g. the oneDNN notice at import
    own = subprocess.run(
        [*argv, "--out", str(tmp_path / "c")], env={**env, "TF_CPP_MIN_LOG_LEVEL": "0"}, capture_output=True, text=True
    )
    assert own.returncode == 0 and cpp_line.search(own.stderr)  # the user's own level wins
