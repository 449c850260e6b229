"""Headless Chromium (Debian's package; `make test` installs it where missing) for the tests of pages users open:
the DOM as the browser rendered it, and a screenshot."""

from __future__ import annotations

import shutil
import subprocess

import numpy as np
from PIL import Image

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    assert found, "headless Chromium is needed (apt-get install chromium; make test installs it)"
    return found


def _run(page: str, profile, *flags: str) -> subprocess.CompletedProcess:
    argv = [chromium(), *FLAGS, f"--user-data-dir={profile}", *flags, f"file://{page}"]
    done = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done


def rendered_dom(page: str, profile) -> str:
    """The document after the browser loaded it and ran its scripts."""
    return _run(page, profile, "--dump-dom").stdout


def screenshot(page: str, out: str, profile, size=(1280, 2400)) -> np.ndarray:
    _run(page, profile, f"--window-size={size[0]},{size[1]}", f"--screenshot={out}")
    with Image.open(out) as picture:
        return np.asarray(picture.convert("RGB"))
