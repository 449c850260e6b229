"""The review report: any `crfiqa-tf` result → one offline HTML page (`build_report`). NumPy and Pillow only
(pyarrow for Parquet inputs)."""

from crfiqa_tf.report.build import build_report

__all__ = ["build_report"]
