"""crfiqa_tf.interrupts: the first Ctrl-C or SIGTERM is a request to stop (named, with the shell's exit status), a
second one stops at once, the previous handlers are back after the block, and outside the main thread nothing is
installed."""

import os
import signal
import threading

import pytest

from crfiqa_tf.interrupts import StopRequest, stop_requests


@pytest.mark.parametrize("sig, name, status", [(signal.SIGINT, "SIGINT", 130), (signal.SIGTERM, "SIGTERM", 143)])
def test_the_first_signal_is_a_request_and_the_second_stops(sig, name, status):
    before = signal.getsignal(sig)
    with stop_requests() as stop:
        assert not stop.requested and stop.name == "" and stop.exit_status == 1
        os.kill(os.getpid(), sig)
        assert stop.requested and stop.name == name and stop.exit_status == status
        with pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), sig)
    assert signal.getsignal(sig) is before


def test_outside_the_main_thread_no_handler_is_installed():
    seen = []

    def worker():
        with stop_requests() as stop:
            seen.append((stop, signal.getsignal(signal.SIGINT)))

    before = signal.getsignal(signal.SIGINT)
    thread = threading.Thread(target=worker)
    thread.start()
    thread.join()
    ((stop, handler),) = seen
    assert isinstance(stop, StopRequest) and not stop.requested and handler is before
