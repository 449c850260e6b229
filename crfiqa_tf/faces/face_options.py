"""How faces are found and scored — one frozen, validated type, and its command-line flags declared once for every
command and the Beam job that take them (`crfiqa-tf score`, `best-shots`, `export`, `score-gallery`).

`FaceOptions` holds what to detect (``align``), which faces (``faces``), the ``detector``, the smallest face
(``min_face``), the quality ``components`` and their reasons ``profile``, the ``calibration`` and the SavedModel
``precision``. It refuses what cannot work together when it is made, with the flag named, so a command fails
before any photo is read; `Scorer.score` takes its face options (the scorer was loaded with the calibration and
precision), and `settings` is what a resumed run must repeat.
"""

from __future__ import annotations

import argparse
import dataclasses
from dataclasses import dataclass

from crfiqa_tf.align.detection import DEFAULT_DETECTOR, DETECTORS, FACE_POLICIES
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE, MIN_FACE_HELP, check_min_face, parse_min_face

PRECISIONS = ("float32", "bfloat16")
FLAGS = ("align", "faces", "detector", "min_face", "components", "profile", "calibration", "precision")


@dataclass(frozen=True)
class FaceOptions:
    """Args:
    align: detect and align faces in raw photos (without it an input is an aligned face).
    faces: ``"largest"`` (one face a photo) or ``"all"``.
    detector: ``"blazeface"`` or ``"mtcnn"`` (`crfiqa_tf.align.detection.DETECTORS`).
    min_face: the smallest face looked for, pixels between the eyes (None: the whole frame only).
    components: measure the quality components and their reasons (needs `align`).
    profile: the reasons profile, a JSON path, or its rules already read (`crfiqa_tf.components.load_profile`);
        None: the shipped one.
    calibration: a calibration JSON path (`crfiqa-tf calibrate`) for the 0–100 quality_score.
    precision: ``"float32"`` or ``"bfloat16"`` (SavedModel only: the oneDNN bfloat16 rewrite).

    The calibration and the precision belong to the scorer: a command gives them to `crfiqa_tf.load_scorer`, and
    `Scorer.score` refuses options that set them rather than leave them unapplied.
    """

    align: bool = False
    faces: str = "largest"
    detector: str = DEFAULT_DETECTOR
    min_face: float | None = DEFAULT_MIN_FACE
    components: bool = False
    profile: str | list | None = None
    calibration: str | None = None
    precision: str = "float32"

    def __post_init__(self):
        for flag, value, allowed in (
            ("--faces", self.faces, FACE_POLICIES),
            ("--detector", self.detector, DETECTORS),
            ("--precision", self.precision, PRECISIONS),
        ):
            if value not in allowed:
                raise ValueError(f"{flag} must be one of {', '.join(allowed)}, got {value!r}")
        object.__setattr__(self, "min_face", check_min_face(self.min_face))
        if (self.components or self.profile is not None) and not self.align:
            raise ValueError("--components and --profile measure detected faces; add --align")

    @classmethod
    def from_args(cls, args: argparse.Namespace, **fixed) -> FaceOptions:
        """The options of parsed flags (those a command does not declare keep their defaults, or `fixed`)."""
        given = {name: getattr(args, name) for name in FLAGS if hasattr(args, name)}
        return cls(**{**given, **fixed})

    def settings(self) -> dict:
        """What the rows depend on, by flag name: a resumed run must give the same (a profile by its path)."""
        values = dataclasses.asdict(self)
        if isinstance(self.profile, list):
            values["profile"] = "(rules given)"
        return values


HELP = {
    "align": "detect and align faces first (raw photos)",
    "faces": "faces scored per photo (with --align)",
    "detector": "face detector (with --align)",
    "min_face": MIN_FACE_HELP,
    "components": "with --align: quality components (pose, eyes, mouth, size, crop, light, colour, exposure, "
    "sharpness; raw and 0-100) and the reasons a face scores low",
    "profile": "reasons profile JSON (default: the shipped one)",
    "calibration": "calibration JSON (crfiqa-tf calibrate) for the 0-100 quality_score",
    "precision": "SavedModel only: bfloat16 runs the oneDNN bfloat16 rewrite (faster on CPUs with AVX512_BF16 or AMX)",
}


def add_face_flags(
    parser: argparse.ArgumentParser, flags=FLAGS, helps: dict | None = None, title: str = "faces and scores"
) -> None:
    """Declares `flags` (names of `FaceOptions` fields) in one group of `parser`, with their defaults, choices and
    help (`helps` replaces a flag's help where a command means something narrower by it)."""
    unknown = sorted(set(flags) - set(FLAGS))
    if unknown:
        raise ValueError(f"unknown face options {unknown}; known: {', '.join(FLAGS)}")
    text = {**HELP, **(helps or {})}
    group = parser.add_argument_group(title)
    declarations = {
        "align": {"action": "store_true"},
        "faces": {"choices": FACE_POLICIES, "default": "largest"},
        "detector": {"choices": DETECTORS, "default": DEFAULT_DETECTOR},
        "min_face": {"type": parse_min_face, "default": DEFAULT_MIN_FACE},
        "components": {"action": "store_true"},
        "profile": {},
        "calibration": {},
        "precision": {"choices": PRECISIONS, "default": "float32"},
    }
    for name in FLAGS:  # in one order whichever subset a command takes
        if name in flags:
            group.add_argument("--" + name.replace("_", "-"), help=text[name], **declarations[name])
