"""What the command line prints: TensorFlow's C++ INFO and WARNING lines kept out of it unless asked for.

TensorFlow 2.21 logs through Abseil. Lines logged before ``absl::InitializeLog()`` (the oneDNN notice, the CUDA
probe, dataset hints) go to stderr whatever ``TF_CPP_MIN_LOG_LEVEL`` says (abseil/abseil-cpp#1718, #1957), so the
variable alone cannot quiet them. `quiet_tensorflow` sets it for the lines that do honour it and puts a filter on
file descriptor 2 that drops INFO/WARNING lines in the C++ log format and passes everything else through as it
comes: Python warnings and tracebacks, ERROR and FATAL lines, progress bars (partial lines, ``\\r``). Processes a
command starts inherit both.
"""

from __future__ import annotations

import atexit
import os
import re
import threading

# Abseil's prefix: severity letter, MMDD, time, thread id, file:line]
TENSORFLOW_LINE = re.compile(
    rb"^(?:[IW]\d{4} \d\d:\d\d:\d+\.\d+\s+\d+ [\w.\-]+:\d+\] "
    rb"|WARNING: All log messages before absl::InitializeLog\(\) is called are written to STDERR)"
)
_HOLD = 160  # a partial line this short that may still become a TensorFlow line waits for its end


def _may_become_tensorflow_line(partial: bytes) -> bool:
    if len(partial) >= _HOLD:
        return False
    if partial in (b"I", b"W") or re.match(rb"[IW]\d", partial):
        return True
    absl = b"WARNING: All log messages"
    return absl.startswith(partial[: len(absl)])


class LineFilter:
    """Bytes in, the bytes to print out: whole lines matching `TENSORFLOW_LINE` are dropped."""

    def __init__(self):
        self.pending = b""

    def feed(self, data: bytes) -> bytes:
        self.pending += data
        out = []
        while True:
            ends = [i for i in (self.pending.find(b"\n"), self.pending.find(b"\r")) if i >= 0]
            if not ends:
                break
            cut = min(ends) + 1
            line, self.pending = self.pending[:cut], self.pending[cut:]
            if not TENSORFLOW_LINE.match(line):
                out.append(line)
        if self.pending and not _may_become_tensorflow_line(self.pending):
            out.append(self.pending)
            self.pending = b""
        return b"".join(out)

    def close(self) -> bytes:
        rest, self.pending = self.pending, b""
        return b"" if TENSORFLOW_LINE.match(rest) else rest


def _pump(read_fd: int, write_fd: int) -> None:
    line_filter = LineFilter()
    try:
        while chunk := os.read(read_fd, 65536):
            os.write(write_fd, line_filter.feed(chunk))
        os.write(write_fd, line_filter.close())
    except OSError:
        pass


def quiet_tensorflow(verbose: bool) -> None:
    """Hides TensorFlow's C++ INFO/WARNING lines from this process and the ones it starts, unless `verbose` or the
    user set ``TF_CPP_MIN_LOG_LEVEL`` (their choice is kept). Call before TensorFlow is imported."""
    if verbose or "TF_CPP_MIN_LOG_LEVEL" in os.environ:
        return
    os.environ["TF_CPP_MIN_LOG_LEVEL"] = "2"
    try:
        original = os.dup(2)
        read_fd, write_fd = os.pipe()
        os.dup2(write_fd, 2)
        os.close(write_fd)
    except OSError:  # no usable stderr (a service without one): nothing to filter
        return
    pump = threading.Thread(target=_pump, args=(read_fd, original), name="tensorflow-log-filter", daemon=True)
    pump.start()

    def restore() -> None:
        import sys

        sys.stderr.flush()
        os.dup2(original, 2)  # closes the pipe's last write end: the pump drains it and stops
        pump.join(timeout=5)

    atexit.register(restore)


def skipped_lines(skipped: list[dict], shown: int = 10) -> str:
    """The inputs a command could not use, one per line (the first `shown`, then how many more)."""
    lines = [f"  skipped {s['source_id']}: {s['reason']}: {s['detail']}" for s in skipped[:shown]]
    if len(skipped) > shown:
        lines.append(f"  ... and {len(skipped) - shown} more")
    return "".join(f"\n{line}" for line in lines)
