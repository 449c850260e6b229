"""crfiqa_tf.best_shots.sources: an input that cannot be read as a video, a folder of frames or a camera fails with
the input named."""

import pytest

from crfiqa_tf.best_shots import SourceError, open_source


def test_unreadable_inputs_fail_with_the_input_named(tmp_path):
    (tmp_path / "clip.mp4").write_text("not a video")
    with pytest.raises(SourceError, match=r"clip\.mp4: not a video OpenCV can decode"):
        open_source(str(tmp_path / "clip.mp4"))
    with pytest.raises(SourceError, match=r"nothing\.mp4: no such file, folder or camera"):
        open_source(str(tmp_path / "nothing.mp4"))
    with pytest.raises(SourceError, match=r"camera 9: cannot be opened"):
        open_source("9")  # no camera on this machine
