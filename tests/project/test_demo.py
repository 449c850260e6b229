"""The embedded demo at its smallest size, end to end, in a subprocess (it splits the CPU into 2 devices)."""

import glob
import json
import subprocess
import sys

import pyarrow.parquet as pq
import pytest
from support.paths import ROOT


@pytest.mark.slow  # ~80 s: all eight stages (training, export in three formats, a Beam job) in one process
def test_quick_demo_writes_every_artefact(tmp_path):
    out = tmp_path / "demo_out"
    (out / "export").mkdir(parents=True)  # an earlier run's folder: replaced, not mixed with the new one
    (out / "export" / "stale.tflite").write_bytes(b"from an earlier run")
    command = [sys.executable, "-m", "crfiqa_tf.cli", "demo", "--quick", "--out", str(out)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=900)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    for stage in ("1/8", "2/8", "3/8", "4/8", "5/8", "6/8", "7/8", "8/8"):
        assert f"[demo] {stage}" in result.stdout
    summary = (out / "SUMMARY.md").read_text()
    figures = json.loads((out / "summary.json").read_text())
    assert "Spearman(quality, −degradation)" in summary and "verification accuracy" in summary
    assert figures["train"]["steps"] == 4 and figures["train"]["replicas"] == 2
    method = figures["method"]  # SUMMARY.md states the figures summary.json holds
    assert f"images: {method['spearman_quality_vs_neg_degradation']:.3f} (goal" in summary
    per_kind = method["per_kind"]
    assert per_kind and sum(p["images"] for p in per_kind.values()) <= method["held_out_images"]
    for kind, part in per_kind.items():
        assert f"{kind} {part['spearman']:.2f}" in summary and "within each kind" in summary
    assert f"what the embedding allows): {method['spearman_held_out_cr_vs_neg_degradation']:.3f}" in summary
    assert "held-out identity centres" in summary
    beam = figures["beam"]
    assert beam["read"] == 23 and beam["failed_decode"] == 3 and beam["scored"] == 20
    rows = [row for f in glob.glob(f"{beam['output_prefix']}*.parquet") for row in pq.read_table(f).to_pylist()]
    assert len(rows) == 20 and not [row["warning"] for row in rows if row["warning"]]  # faces at the model's size
    # the review report of the Beam run: its figures are the job's counters, every face's thumbnail cut
    assert beam["report_figures"]["files"] == beam["read"] and beam["report_figures"]["faces"] == beam["scored"]
    assert beam["report_figures"]["errors"] == beam["failed_decode"] and (out / "report.html").exists()
    assert beam["report_figures"]["thumbnails"] == 2 * min(12, beam["scored"])
    assert f"review report of the Beam run (open it in a browser): {out / 'report.html'}" in result.stdout
    assert json.loads((out / "export/tflite/crfiqa_int8.tflite.json").read_text())["quantization"] == "int8"
    for artefact in (
        "synthetic/train/dataset_info.json",
        "synthetic/train/verification.bin",
        "run/model.keras",
        "run/inference.keras",
        "run/log.csv",
        "run/config.yaml",
    ):
        assert (out / artefact).exists(), artefact
    assert not (out / "export" / "stale.tflite").exists()
