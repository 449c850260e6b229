import io
import os
import pickle

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf.data.bin_sets import UnsafeBinError, load_bin, write_bin


def _encoded(fmt, mode="RGB", value=100):
    buffer = io.BytesIO()
    Image.new(mode, (112, 112), value if mode != "RGB" else (value, 50, 20)).save(buffer, format=fmt)
    return buffer.getvalue()


def test_round_trip_with_png_and_cmyk_entries(tmp_path):
    bins = [_encoded("JPEG"), _encoded("PNG"), _encoded("JPEG", "CMYK", (0, 100, 200, 0)), _encoded("JPEG")]
    path = tmp_path / "set.bin"
    write_bin(str(path), bins, [True, False])
    images, issame = load_bin(str(path))
    assert images.shape == (4, 112, 112, 3) and images.dtype == np.uint8
    assert issame.tolist() == [True, False]


def test_python2_style_protocol2_pickle_loads(tmp_path):
    path = tmp_path / "py2.bin"
    with open(path, "wb") as handle:
        pickle.dump(([_encoded("JPEG"), _encoded("JPEG")], [True]), handle, protocol=2)
    images, issame = load_bin(str(path))
    assert images.shape[0] == 2 and issame.tolist() == [True]


class _Exploit:
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def test_malicious_bin_is_refused_and_nothing_runs(tmp_path):
    marker = tmp_path / "pwned"
    path = tmp_path / "evil.bin"
    with open(path, "wb") as handle:
        pickle.dump(([_Exploit(marker)], [True]), handle, protocol=2)
    with pytest.raises(UnsafeBinError, match="refused to load"):
        load_bin(str(path))
    assert not marker.exists()


def test_mismatched_pair_count_is_reported(tmp_path):
    path = tmp_path / "bad.bin"
    with open(path, "wb") as handle:
        pickle.dump(([_encoded("JPEG")] * 3, [True]), handle)
    with pytest.raises(ValueError, match="3 images for 1 pairs"):
        load_bin(str(path))
