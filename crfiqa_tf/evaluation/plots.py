"""EDC plots: several quality measures on one PNG, headless (matplotlib's Agg backend), written to a local or remote
path (`crfiqa_tf.paths`)."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

from crfiqa_tf import paths  # noqa: E402


def plot_edc(curves: dict, path: str, fmr: float, fr_model: str, limit: float = 0.3, size=(6.4, 4.8), dpi=100):
    """Writes the EDC curves ``{method: EDCCurve}`` to `path`; the legend carries each pAUC up to `limit`."""
    figure, axis = plt.subplots(figsize=size, dpi=dpi)
    for name, curve in curves.items():
        label = f"{name} (pAUC@{limit:g} = {curve.pauc[limit]:.4f})"
        axis.step(curve.discard_fractions, curve.fnmr, where="post", label=label)
    axis.set_xlabel("fraction of mated comparisons discarded")
    axis.set_ylabel("FNMR")
    axis.set_xlim(0, 1)
    axis.set_ylim(bottom=0)
    axis.set_title(f"EDC at FMR {fmr:g} (threshold fixed before discarding)\nrecognition model: {fr_model}")
    axis.axvline(limit, color="0.5", linestyle=":", linewidth=1)  # where the pAUC in the legend stops
    axis.grid(alpha=0.3)
    # the legend below the plot, never over the curves: its share of the height grows with the number of entries
    legend_share = min(0.55, (0.25 + 0.15 * len(curves)) / size[1])
    figure.legend(loc="lower center", fontsize=7, frameon=False)
    figure.tight_layout(rect=(0, legend_share, 1, 1))
    png = io.BytesIO()
    figure.savefig(png, format="png")
    plt.close(figure)
    paths.write_bytes(path, png.getvalue())
    return path
