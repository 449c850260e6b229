"""crfiqa_tf.faces.face_options: the one type of the face options and their flags, declared once for `score`,
`best-shots`, `export` and the Beam job; every refusal names the flag; a command's parse gives the options a Python
caller would write."""

import argparse

import pytest
from support.paths import ROOT

from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE
from crfiqa_tf.faces.face_options import FLAGS, FaceOptions, add_face_flags


def parser_with(*flags, helps=None):
    parser = argparse.ArgumentParser(prog="test")
    add_face_flags(parser, flags or FLAGS, helps)
    return parser


def test_the_defaults_are_aligned_inputs_scored_as_they_are():
    options = FaceOptions()
    assert (options.align, options.faces, options.detector, options.min_face) == (False, "largest", "blazeface", 20.0)
    assert (options.components, options.profile, options.calibration, options.precision) == (
        False,
        None,
        None,
        "float32",
    )
    assert FaceOptions.from_args(parser_with().parse_args([])) == options


def test_flags_parse_into_the_options_a_python_caller_writes():
    argv = ["--align", "--faces", "all", "--detector", "mtcnn", "--min-face", "none", "--components"]
    argv += ["--profile", "p.json", "--calibration", "c.json", "--precision", "bfloat16"]
    options = FaceOptions.from_args(parser_with().parse_args(argv))
    assert options == FaceOptions(True, "all", "mtcnn", None, True, "p.json", "c.json", "bfloat16")
    assert options.settings() == {
        "align": True, "faces": "all", "detector": "mtcnn", "min_face": None, "components": True,
        "profile": "p.json", "calibration": "c.json", "precision": "bfloat16",
    }  # fmt: skip


@pytest.mark.parametrize(
    "fields,message",
    [
        ({"faces": "biggest"}, "--faces must be one of largest, all, got 'biggest'"),
        ({"detector": "dlib"}, "--detector must be one of blazeface, mtcnn, got 'dlib'"),
        ({"precision": "float16"}, "--precision must be one of float32, bfloat16, got 'float16'"),
        ({"min_face": 0}, "min_face must be a positive number of pixels between the eyes, got 0"),
        ({"min_face": "ten"}, "min_face must be a number of pixels between the eyes, got 'ten'"),
        ({"components": True}, "--components and --profile measure detected faces; add --align"),
        ({"profile": "p.json"}, "--components and --profile measure detected faces; add --align"),
    ],
)
def test_what_cannot_work_is_refused_when_made_naming_the_flag(fields, message):
    with pytest.raises(ValueError) as error:
        FaceOptions(**fields)
    assert str(error.value) == message


def test_min_face_given_as_text_or_number_is_one_number():
    assert FaceOptions(min_face="12").min_face == 12.0 and FaceOptions(min_face=None).min_face is None
    assert FaceOptions().min_face == DEFAULT_MIN_FACE


def test_a_command_declares_the_flags_it_takes_in_one_order_with_its_own_help():
    parser = parser_with("calibration", "min_face", helps={"min_face": "smallest face score_photos looks for"})
    text = parser.format_help()
    assert text.index("--min-face") < text.index("--calibration") and "--align" not in text
    assert "smallest face score_photos looks for" in text
    options = FaceOptions.from_args(parser.parse_args(["--min-face", "30"]), align=True)
    assert options.min_face == 30.0 and options.align  # a flag a command does not declare: fixed by the command
    with pytest.raises(ValueError, match=r"unknown face options \['dpi'\]"):
        parser_with("dpi")


def test_no_command_or_beam_module_declares_a_face_flag_of_its_own():
    """The face flags are declared in face_options.py only (issue 50): every other module calls add_face_flags."""
    import pathlib
    import re

    root = pathlib.Path(ROOT)
    flags = "|".join(re.escape("--" + name.replace("_", "-")) for name in FLAGS)
    pattern = re.compile(rf"add_argument\(\s*\"({flags})\"")
    offenders = [
        f"{path.relative_to(root)}: {match.group(1)}"
        for folder in ("crfiqa_tf", "beam_jobs", "serving", "training")
        for path in (root / folder).rglob("*.py")
        if path.name != "face_options.py"
        for match in pattern.finditer(path.read_text())
    ]
    # `prepare --align` and `evaluate --calibration` / `report --calibration` mean other things (labelled photos to
    # align; a calibration read for its reject points)
    allowed = {"crfiqa_tf/commands/prepare.py: --align", "crfiqa_tf/commands/evaluate.py: --calibration",
               "crfiqa_tf/commands/report.py: --calibration", "crfiqa_tf/commands/report.py: --faces"}  # fmt: skip
    assert sorted(set(offenders) - allowed) == []


def test_calibration_and_precision_belong_to_the_scorer_and_are_never_silently_dropped(tmp_path):
    from support.scorer_doubles import MeanPixelScorer

    from crfiqa_tf.inference.score_files import score_files

    image = tmp_path / "a.png"
    __import__("PIL.Image").Image.new("RGB", (112, 112)).save(image)
    with pytest.raises(ValueError, match=r"calibration and precision belong to the scorer: give them to"):
        MeanPixelScorer().score([str(image)], options=FaceOptions(calibration="c.json"))
    with pytest.raises(ValueError, match=r"^calibration c\.json: the scorer was loaded without it"):
        score_files([str(image)], MeanPixelScorer(), FaceOptions(calibration="c.json"), progress=False)
    with pytest.raises(ValueError, match=r"^precision bfloat16: the scorer was loaded for float32"):
        score_files([str(image)], MeanPixelScorer(), FaceOptions(precision="bfloat16"), progress=False)
    calibrated = MeanPixelScorer(calibration={"type": "logistic", "centre": 0.5, "scale": 0.1})
    (row,) = score_files([str(image)], calibrated, FaceOptions(calibration="c.json"), progress=False)
    assert row["quality_score"] != ""  # loaded with a calibration: its score, from the scorer's own


def test_rules_already_read_are_recorded_by_a_mark_not_copied_and_the_flags_have_their_group():
    rules = [{"code": "TOO_DARK"}]
    options = FaceOptions(align=True, components=True, profile=rules)
    assert options.settings()["profile"] == "(rules given)" and options.profile is rules
    assert "faces and scores:" in parser_with().format_help()
    assert "known: align, faces, detector, min_face, components, profile, calibration, precision" in str(
        pytest.raises(ValueError, parser_with, "dpi").value
    )
