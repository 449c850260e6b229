"""Ctrl-C (SIGINT) and SIGTERM as requests to stop once the work in hand is done, for the commands that write as
they go: the first signal lets the batch in flight finish and be written, a second one stops at once (the batch in
flight is dropped whole; what was written stays). The exit status is the shell's for the signal: 130, 143."""

from __future__ import annotations

import contextlib
import signal
import threading

EXIT_STATUS = {signal.SIGINT: 130, signal.SIGTERM: 143}


class StopRequest:
    """Set by the handlers of `stop_requests`: `signal` is the first signal received (None while none was)."""

    def __init__(self):
        self.signal: int | None = None

    @property
    def requested(self) -> bool:
        return self.signal is not None

    @property
    def name(self) -> str:
        return signal.Signals(self.signal).name if self.signal else ""

    @property
    def exit_status(self) -> int:
        return EXIT_STATUS.get(self.signal, 1)


@contextlib.contextmanager
def stop_requests():
    """Within the block, SIGINT and SIGTERM set the yielded `StopRequest` (a second one raises
    KeyboardInterrupt); the previous handlers are back after it. Outside the main thread it only yields."""
    request = StopRequest()
    if threading.current_thread() is not threading.main_thread():
        yield request
        return

    def handler(signum, frame):
        if request.requested:
            raise KeyboardInterrupt
        request.signal = signum

    previous = {sig: signal.signal(sig, handler) for sig in EXIT_STATUS}
    try:
        yield request
    finally:
        for sig, old in previous.items():
            signal.signal(sig, old)
