"""The front door (issue 52): the README is short and starts with an install; the documentation site builds in
strict mode (a broken link fails it) and opens in headless Chromium; the generated pages (CLI reference from the
argparse parsers, changelog, home) are current, and changing a flag's help makes the check fail; every `crfiqa-tf`
command shown in the README and the guides parses with today's command line, and every command's --help has a
one-line description and an example that parses too."""

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from support.paths import ROOT as REPOSITORY

ROOT = Path(REPOSITORY)
sys.path.insert(0, str(ROOT / "tools"))

import docs_pages  # noqa: E402

MKDOCS = str(Path(sys.executable).with_name("mkdocs"))
GENERATED = {"reference/cli.md", "changelog.md", "index.md"}


def shown_pages():
    """The README and every hand-written page of the site."""
    pages = [ROOT / "README.md"]
    for path in sorted((ROOT / "docs").rglob("*.md")):
        if str(path.relative_to(ROOT / "docs")) not in GENERATED:
            pages.append(path)
    return pages


def shown_commands():
    """(page, command line) for every `crfiqa-tf ...` line of a bash block, continuation lines joined."""
    found = []
    for page in shown_pages():
        for block in re.findall(r"```bash\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            for line in block.replace("\\\n", " ").splitlines():
                line = line.split("  #")[0].strip()
                if line.startswith("crfiqa-tf "):
                    found.append((str(page.relative_to(ROOT)), line))
    return found


def parse(line: str):
    """The command line parsed as `crfiqa-tf` would; SystemExit (argparse's error) when it would not."""
    from crfiqa_tf.cli import build_parser

    argv = shlex.split(line)[1:]
    args, extra = build_parser().parse_known_args(argv)
    if getattr(args, "takes_pipeline_options", False):  # what the job's flags leave must look like Beam's options
        unknown = [a for a in extra if a.startswith("--") and not a.split("=")[0][2:].replace("-", "_").islower()]
        assert not unknown, unknown
        return args
    if extra:
        raise SystemExit(f"unrecognized arguments: {extra}")
    return args


def test_the_readme_is_short_and_a_newcomers_first_command_is_an_install():
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    assert len(text.splitlines()) <= 200
    first_block = re.search(r"```bash\n(.*?)```", text, re.S).group(1)
    assert first_block.splitlines()[0].startswith("pip install ")
    assert "make test" in text and "make demo" in text  # the two commands of a clone (.ci/run runs make test)


def test_the_generated_pages_are_current():
    assert docs_pages.stale() == [], "run: python tools/docs_pages.py"


def test_a_changed_flag_help_makes_the_cli_reference_stale(monkeypatch):
    from crfiqa_tf.faces import face_options

    before = docs_pages.cli_reference()
    monkeypatch.setitem(face_options.HELP, "min_face", "a help text changed in a copy of the parser")
    assert docs_pages.cli_reference() != before
    assert "docs/reference/cli.md" in docs_pages.stale()


@pytest.mark.parametrize("page,line", shown_commands(), ids=[f"{p}:{line[:50]}" for p, line in shown_commands()])
def test_every_command_shown_parses_with_todays_command_line(page, line):
    try:
        parse(line)
    except SystemExit as error:
        pytest.fail(f"{page}: `{line}` does not parse: {error}")


def test_commands_are_shown_for_every_user_path():
    commands = {shlex.split(line)[1] for _, line in shown_commands()}
    assert {
        "score",
        "report",
        "prepare",
        "train-on-top",
        "calibrate",
        "export",
        "score-gallery",
        "best-shots",
    } <= commands


def test_every_command_help_has_a_description_and_an_example_that_parses():
    import argparse

    from crfiqa_tf.cli import build_parser

    parser = build_parser()
    commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name, command in commands.choices.items():
        assert command.description and len(command.description.splitlines()[0]) <= 120, name
        example = command.epilog.removeprefix("example: ")
        assert command.epilog.startswith("example: crfiqa-tf " + name), name
        parse(example)
    assert "parser" not in parser.format_help()  # `crfiqa-tf --help` once called the demo "the end-to-end parser"


def test_a_broken_link_fails_the_strict_build(tmp_path):
    shutil.copytree(ROOT / "docs", tmp_path / "docs")
    shutil.copy(ROOT / "mkdocs.yml", tmp_path / "mkdocs.yml")
    page = tmp_path / "docs" / "concepts" / "limits.md"
    page.write_text(page.read_text(encoding="utf-8") + "\nSee [a page that is not there](nowhere.md).\n")
    done = subprocess.run(
        [MKDOCS, "build", "--strict", "-f", str(tmp_path / "mkdocs.yml"), "-d", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        cwd=ROOT,  # mkdocstrings reads the package from here
        timeout=300,
    )
    assert done.returncode != 0 and "nowhere.md" in done.stderr


@pytest.mark.browser
def test_the_site_builds_in_strict_mode_and_opens_in_chromium(tmp_path):
    from support.browser import rendered_dom

    site = tmp_path / "site"
    done = subprocess.run(
        [MKDOCS, "build", "--strict", "-d", str(site)], capture_output=True, text=True, cwd=ROOT, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    home = rendered_dom(str(site / "index.html"), tmp_path / "profile")
    assert "<h1" in home and "crfiqa-tf" in home and 'href="guides/own-matcher/"' in home
    cli = rendered_dom(str(site / "reference" / "cli" / "index.html"), tmp_path / "profile")
    assert 'id="score-gallery"' in cli and "--min-face" in cli
    api = rendered_dom(str(site / "reference" / "api" / "index.html"), tmp_path / "profile")
    assert "FaceOptions" in api and "load_scorer" in api
    assert os.path.exists(site / "search" / "search_index.json")


def test_python_shown_in_the_docs_compiles_and_calls_score_with_face_options():
    """Every Python block of the README and the guides is valid Python, and none calls `score` with the keywords
    0.7.0 replaced by `FaceOptions` (align=, faces=, detector=, components=, profile=, min_face=)."""
    import ast

    old_keywords = {"align", "faces", "detector", "components", "profile", "min_face"}
    for page in shown_pages():
        for block in re.findall(r"```python\n(.*?)```", page.read_text(encoding="utf-8"), re.S):
            tree = ast.parse(block, filename=str(page))
            for node in ast.walk(tree):
                if isinstance(node, ast.Call) and getattr(node.func, "attr", None) in {"score", "score_files"}:
                    used = {keyword.arg for keyword in node.keywords} & old_keywords
                    assert not used, (
                        f"{page.relative_to(ROOT)}: score(...) with {sorted(used)}; use options=FaceOptions(...)"
                    )
