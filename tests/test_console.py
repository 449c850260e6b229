"""The filter on the command line's stderr: TensorFlow's C++ INFO/WARNING lines out, everything else through as it
comes (the whole process is driven in tests/test_cli.py)."""

from crfiqa_tf.console import LineFilter

INFO = b"I0000 00:00:1796025907.024627   11578 port.cc:153] oneDNN custom operations are on.\n"
WARNING = b"W0000 00:00:1796025392.023041    9307 dataset.cc:997] Input of GeneratorDatasetOp will not be optimized\n"
ERROR = b"E0000 00:00:1796024864.996203    5508 cuda_platform.cc:52] failed call to cuInit\n"
ABSL = b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"


def test_tensorflow_lines_are_dropped_in_any_split_and_the_rest_kept_in_order():
    stream = (
        ABSL + INFO + b"UserWarning: a Python warning\n" + WARNING + ERROR + b"Traceback (most recent call last):\n"
    )
    for size in (1, 7, 64, len(stream)):
        line_filter = LineFilter()
        out = b"".join(line_filter.feed(stream[i : i + size]) for i in range(0, len(stream), size))
        out += line_filter.close()
        assert out == b"UserWarning: a Python warning\n" + ERROR + b"Traceback (most recent call last):\n", size


def test_progress_bars_pass_at_once_without_waiting_for_a_newline():
    line_filter = LineFilter()
    assert line_filter.feed(b"\rtraining:  5%|5  | 12/240") == b"\rtraining:  5%|5  | 12/240"
    assert line_filter.feed(b"\rWarm") == b"\rWarm"  # not a prefix of a TensorFlow line: no wait
    assert line_filter.feed(b"I00") == b""  # may become one: held until its end
    assert line_filter.feed(INFO[3:]) == b""
    assert line_filter.feed(b"Items: 3") == b"Items: 3"
    assert line_filter.close() == b""
