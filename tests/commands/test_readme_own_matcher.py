"""The guide "quality for your own face recognition model" (docs/guides/own-matcher.md) runs as written: its
three commands, with the placeholders (people/, my_model/) replaced by a small labelled folder of real photos and a
matcher, then the calibrated model scores a photo."""

import os
import re
import shlex

import numpy as np
from support.paths import ROOT

from crfiqa_tf.cli import main
from crfiqa_tf.data.sample_photos import photo
from crfiqa_tf.image_io import png_bytes

GUIDE = os.path.join(ROOT, "docs", "guides", "own-matcher.md")


def recipe_commands() -> list[list[str]]:
    text = open(GUIDE, encoding="utf-8").read()
    block = re.search(r"<!-- recipe: own-matcher -->\n```bash\n(.*?)```\n<!-- /recipe -->", text, re.S).group(1)
    return [shlex.split(line) for line in block.strip().splitlines()]


def test_the_recipe_runs_as_written(tmp_path, monkeypatch):
    from test_train_on_top_command import conv_matcher

    people = tmp_path / "people"
    for person, name in (("ann", "grace_hopper"), ("bo", "astronaut"), ("cy", "cameraman")):
        (people / person).mkdir(parents=True)
        image = photo(name)
        h, w = image.shape[:2]
        variants = (image, image[:, ::-1], image[h // 20 :, w // 20 :], np.clip(image * 0.7, 0, 255).astype(np.uint8))
        for index, variant in enumerate(variants):  # four photos of each person: calibration needs ten faces
            (people / person / f"{index}.png").write_bytes(png_bytes(np.ascontiguousarray(variant)))
    conv_matcher(tmp_path / "my_model")
    monkeypatch.chdir(tmp_path)
    commands = recipe_commands()
    assert [c[:2] for c in commands] == [
        ["crfiqa-tf", "prepare"],
        ["crfiqa-tf", "train-on-top"],
        ["crfiqa-tf", "calibrate"],
    ]
    for command in commands:
        assert main(command[1:]) == 0, command
    assert main(["score", "people/ann", "--model", "quality/export/saved_model/crfiqa/1", "--align",
                 "--calibration", "calibration.json", "--out", "scores.csv"]) == 0  # fmt: skip
    rows = (tmp_path / "scores.csv").read_text().splitlines()
    assert len(rows) == 5 and all(row.split(",")[3] for row in rows[1:])  # every face has a 0-100 score
