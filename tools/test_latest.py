"""`make test-latest`: run the suite in an environment resolved to the newest releases within setup.py's ranges and
record the outcome in docs/LATEST.md (date, machine, what differs from the lock, pytest's closing line).

Run with the latest environment's Python; the arguments are pytest's.
"""

from __future__ import annotations

import datetime
import os
import platform
import subprocess
import sys
from importlib import metadata
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import lock  # noqa: E402

KEY = ("tensorflow", "keras", "numpy", "pillow", "apache-beam", "protobuf", "pyarrow", "ai-edge-litert", "onnxruntime")


def cpu() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines() if Path("/proc/cpuinfo").exists() else []:
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return platform.machine()


def main(pytest_args: list[str]) -> int:
    run = subprocess.run([sys.executable, "-m", "pytest", *pytest_args], cwd=lock.ROOT, capture_output=True, text=True)
    sys.stdout.write(run.stdout[-20000:])
    sys.stderr.write(run.stderr[-5000:])
    lines = [line for line in run.stdout.splitlines() if line.strip()]
    closing = lines[-1].strip("= ") if lines else "(pytest printed nothing)"
    failed = [line for line in run.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
    locked = lock.locked_versions(lock.LOCK.read_text(encoding="utf-8"))
    installed = {lock.normalise(d.metadata["Name"]): d.version for d in metadata.distributions()}
    differ = [
        f"| {name} | {locked.get(name, '(not locked)')} | {installed[name]} |"
        for name in sorted(installed)
        if name in locked and locked[name] != installed[name]
    ]
    text = [
        "# The suite on the newest releases",
        "",
        "Written by `make test-latest` (tools/test_latest.py): the suite in a fresh environment resolved to the newest",
        "releases within setup.py's ranges, to show what the next `make lock` would break. Not part of `make test`.",
        "",
        f"- Date: {datetime.date.today().isoformat()}",
        f"- Machine: {cpu()}, {os.cpu_count()} cores, Python {platform.python_version()}",
        f"- Outcome: **{'passed' if run.returncode == 0 else 'failed'}** (`{closing}`)",
        "",
        "Key versions: " + ", ".join(f"{name} {installed.get(name, '(absent)')}" for name in KEY) + ".",
        "",
        "## Differences from requirements/lock.txt",
        "",
        *(
            ["| project | lock | newest |", "| --- | --- | --- |", *differ]
            if differ
            else ["None: the lock is current."]
        ),
        "",
        "## Failures",
        "",
        *([f"- `{line}`" for line in failed] if failed else ["None."]),
        "",
    ]
    (lock.ROOT / "docs" / "LATEST.md").write_text("\n".join(text), encoding="utf-8")
    return run.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
