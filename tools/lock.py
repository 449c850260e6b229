"""The repository's lock (requirements/lock.txt) and what is derived from it.

    python tools/lock.py refresh   # re-resolve setup.py's [all,dev] + requirements/pins.in to the newest releases
                                   # within setup.py's ranges, print what moved, rewrite the Beam worker files
    python tools/lock.py workers   # rewrite only the Beam worker files from the lock (make requirements)
    python tools/lock.py moved OLD NEW   # what moved between two lock files

The Beam worker files (beam_jobs/requirements*.txt and the Dockerfiles' base image) take their versions from the
lock, so that the workers run what the launcher runs: the launcher is installed from the same lock by `make setup`.
Standard library only: it runs before any virtual environment exists.
"""

from __future__ import annotations

import re
import runpy
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LOCK = ROOT / "requirements" / "lock.txt"
PINS = ROOT / "requirements" / "pins.in"
PHOTOS_IN = ROOT / "requirements" / "photos.in"
PHOTOS_LOCK = ROOT / "requirements" / "photos.lock"
WORKERS = {"requirements.txt": "beam", "requirements-gpu.txt": "beam-gpu"}
DOCKERFILES = {"Dockerfile": "requirements.txt", "Dockerfile.gpu": "requirements-gpu.txt"}
BASE_IMAGE = re.compile(r"^FROM apache/beam_python(\d+\.\d+)_sdk:(\S+)$", re.M)
_PINNED = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+?)(?: \\)?$")
_NAME = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?(.*)$")


def normalise(name: str) -> str:
    """A project name as the package index compares them (PEP 503)."""
    return re.sub(r"[-_.]+", "-", name).lower()


def locked_versions(text: str) -> dict[str, str]:
    """Every ``name==version`` line of a lock file, by normalised name."""
    return {normalise(m.group(1)): m.group(2) for m in map(_PINNED.match, text.splitlines()) if m}


def worker_requirements(extra: str, versions: dict[str, str]) -> list[str]:
    """setup.py's core + `extra` requirements, each pinned to the lock's version where the lock has the project (a
    project only a worker installs, such as onnxruntime-gpu, keeps setup.py's range)."""
    spec = runpy.run_path(str(ROOT / "setup.py"))
    pinned = []
    for requirement in spec["CORE"] + spec["EXTRAS"][extra]:
        name, extras, _ = _NAME.match(requirement).groups()
        version = versions.get(normalise(name))
        pinned.append(f"{name}{extras or ''}=={version}" if version else requirement)
    return pinned


def worker_files(lock_text: str) -> dict[str, str]:
    """The text of every Beam worker file, derived from a lock's text: the requirement files and the Dockerfiles
    with their base image on the lock's Beam version."""
    versions = locked_versions(lock_text)
    files = {}
    for name, extra in WORKERS.items():
        header = f"# Generated from setup.py (extra [{extra}]) at requirements/lock.txt's versions by tools/lock.py; "
        files[name] = header + "do not edit.\n" + "".join(r + "\n" for r in worker_requirements(extra, versions))
    for name in DOCKERFILES:
        text = (ROOT / "beam_jobs" / name).read_text(encoding="utf-8")
        python = BASE_IMAGE.search(text).group(1)
        files[name] = BASE_IMAGE.sub(f"FROM apache/beam_python{python}_sdk:{versions['apache-beam']}", text)
    return files


def write_workers() -> None:
    for name, text in worker_files(LOCK.read_text(encoding="utf-8")).items():
        (ROOT / "beam_jobs" / name).write_text(text, encoding="utf-8")


def moved(old: str, new: str) -> list[str]:
    """One line per project added, removed or moved between two lock texts."""
    before, after = locked_versions(old), locked_versions(new)
    lines = []
    for name in sorted(before.keys() | after.keys()):
        if before.get(name) != after.get(name):
            lines.append(f"{name}: {before.get(name, '(absent)')} -> {after.get(name, '(absent)')}")
    return lines


def compile_command(output: Path, *, upgrade: bool) -> list[str]:
    uv = [str(Path(sys.executable).with_name("uv")), "pip", "compile", "--quiet", "--generate-hashes"]
    links = subprocess.run(
        [sys.executable, "-m", "pip", "config", "get", "global.find-links"], capture_output=True, text=True
    ).stdout.strip()
    return [
        *uv,
        *(["--upgrade"] if upgrade else []),
        *(["--find-links", links] if links else []),
        "setup.py",
        "requirements/pins.in",
        "--extra",
        "all",
        "--extra",
        "dev",
        "--python",
        sys.executable,
        "--output-file",
        str(output.relative_to(ROOT)),
    ]


def refresh() -> None:
    old = LOCK.read_text(encoding="utf-8")
    subprocess.run(compile_command(LOCK, upgrade=True), cwd=ROOT, check=True)
    subprocess.run(
        [
            str(Path(sys.executable).with_name("uv")),
            "pip",
            "compile",
            "--quiet",
            "--upgrade",
            "--no-deps",
            "--generate-hashes",
            "requirements/photos.in",
            "--python",
            sys.executable,
            "--output-file",
            "requirements/photos.lock",
        ],
        cwd=ROOT,
        check=True,
    )
    write_workers()
    lines = moved(old, LOCK.read_text(encoding="utf-8"))
    print("\n".join(lines) if lines else "nothing moved")


def main(argv: list[str]) -> None:
    if argv[:1] == ["refresh"]:
        refresh()
    elif argv[:1] == ["workers"]:
        write_workers()
    elif argv[:1] == ["moved"] and len(argv) == 3:
        print("\n".join(moved(Path(argv[1]).read_text(), Path(argv[2]).read_text())) or "nothing moved")
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv[1:])
