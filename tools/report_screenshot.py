"""The review report's screenshot in the docs (docs/report_demo.png), taken in headless Chromium as the tests take
theirs (tests/support/browser.py). Run the demo with a relative output folder first, so that the page shows paths that
say what they are (``demo_out/...``) and nothing of the machine that made it:

    crfiqa-tf demo --quick --out demo_out
    python tools/report_screenshot.py demo_out/report.html docs/report_demo.png
"""

from __future__ import annotations

import os
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main(argv: list[str]) -> int:
    page, out = argv
    text = open(page, encoding="utf-8").read()
    for machine_path in ("/tmp/", "/home/", os.path.expanduser("~"), ROOT):
        if machine_path in text:
            raise SystemExit(f"{page} shows {machine_path}: run the demo with a relative --out")
    sys.path.insert(0, os.path.join(ROOT, "tests"))
    from support.browser import screenshot

    with tempfile.TemporaryDirectory() as profile:
        screenshot(os.path.abspath(page), os.path.abspath(out), profile, size=(1280, 1600))
    print(f"written: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
