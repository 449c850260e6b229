"""crfiqa_tf.evaluation.plots: the EDC plot is a PNG of the asked size, written locally or to ram:// (the stand-in for
gs://)."""

import io

import numpy as np
import pytest
from PIL import Image

from crfiqa_tf import paths
from crfiqa_tf.evaluation.edc import edc_curve
from crfiqa_tf.evaluation.plots import plot_edc


@pytest.mark.parametrize("where", ["local", "ram"])
def test_the_plot_is_a_png_of_the_asked_size_wherever_it_is_written(where, tmp_path):
    rng = np.random.default_rng(0)
    mated, nonmated = rng.normal(0.6, 0.15, 200), rng.normal(0.1, 0.1, 400)
    curves = {"ours": edc_curve(mated, mated + rng.normal(0, 0.05, 200), nonmated, fmr=0.01)}
    curves["random"] = edc_curve(mated, rng.uniform(size=200), nonmated, fmr=0.01)
    target = str(tmp_path / "edc.png") if where == "local" else "ram://plots-test/edc.png"
    paths.makedirs(paths.dirname(target))
    assert plot_edc(curves, target, 0.01, "a model", size=(4.0, 3.0), dpi=50) == target
    with Image.open(io.BytesIO(paths.read_bytes(target))) as picture:
        assert picture.format == "PNG" and picture.size == (200, 150)
