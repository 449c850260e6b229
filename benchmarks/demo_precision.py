"""The demo's training protocol in float32 and in ``mixed_bfloat16``, in the same session: training time and what
the demo reports of the model (the method-check Spearman, the EDC pAUC at 20 % against random at each FMR, held-out
verification accuracy). Each precision trains in a process of its own (the CPU split and the dtype policy are set
per process), on one synthetic set made as the demo makes it.

    python -m benchmarks.demo_precision [--precisions none,mixed_bfloat16]

The demo trains in float32 on every CPU because of this comparison: on a CPU with bfloat16 instructions
``mixed_bfloat16`` trained 1.26x faster, but its model ranked quality worse (method-check Spearman and EDC gain over
random at FMR 1e-2 below float32's in this run; an earlier pair of runs on the same host agreed).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile

from benchmarks.common import report
from benchmarks.common import table_row as common_table_row  # noqa: E402
from crfiqa_tf.environment import cpu_has_bfloat16

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def one_run(data_dir: str, out: str, precision: str) -> dict:
    """Trains, checks and evaluates one precision (run in a child process); returns its figures."""
    from crfiqa_tf.evaluation.evaluate import evaluate
    from crfiqa_tf.evaluation.method_check import method_check
    from crfiqa_tf.model_io import load_keras_model
    from crfiqa_tf_apps.training.synthetic_run import PROTOCOLS, train_synthetic_tiny

    steps = PROTOCOLS["demo"][2]
    train = train_synthetic_tiny(
        data_dir, os.path.join(out, "run"), steps, overrides=[f"train.mixed_precision={precision}"]
    )
    method = method_check(load_keras_model(train["run_dir"], prefer="training"), data_dir)
    result = evaluate(
        train["run_dir"],
        os.path.join(out, "evaluation"),
        bin_path=os.path.join(data_dir, "verification.bin"),
        fmrs=(1e-2, 1e-1),
    )
    pauc = {(row["method"], row["fmr"]): row["pauc@0.2"] for row in result["table"]}
    return {
        "what": f"demo protocol, {precision if precision != 'none' else 'float32'}",
        "steps": steps,
        "compute_dtype": train["compute_dtype"],
        "training_minutes": train["minutes"],
        "images_per_s": train["images_per_second"],
        "spearman": method["spearman_quality_vs_neg_degradation"],
        "verification_accuracy": train["verification"][-1]["verification"],
        **{
            f"pauc@0.2 fmr {fmr:g}: random - CR-FIQA": pauc[("random", fmr)] - pauc[("CR-FIQA", fmr)]
            for fmr in (1e-2, 1e-1)
        },
    }


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--precisions", default="none,mixed_bfloat16")
    parser.add_argument("--child", nargs=3, metavar=("DATA", "OUT", "PRECISION"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print("RESULT " + json.dumps(one_run(*args.child), default=float))
        return {}
    from crfiqa_tf.data.synthetic import make_synthetic_dataset
    from crfiqa_tf_apps.training.synthetic_run import PROTOCOLS

    identities, per_identity, _ = PROTOCOLS["demo"]
    rows = []
    with tempfile.TemporaryDirectory() as work:
        data_dir = os.path.join(work, "synthetic", "train")
        make_synthetic_dataset(data_dir, identities, per_identity, seed=0, shards=4, val_pairs=400)
        for precision in args.precisions.split(","):
            command = [sys.executable, "-m", "benchmarks.demo_precision", "--child", data_dir]
            command += [os.path.join(work, precision), precision]
            done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=True)
            rows.append(json.loads(done.stdout.rsplit("RESULT ", 1)[1]))
    extra = {"cpu_has_bfloat16": cpu_has_bfloat16()}
    if len(rows) == 2:
        fp32, bf16 = rows
        extra["ratio_training_time_float32_vs_bfloat16"] = fp32["training_minutes"] / bf16["training_minutes"]
    return report("demo_precision", rows, extra)


def table_row(row: dict) -> tuple[str, str, str]:
    label, value, note = common_table_row(row)
    if "training_minutes" in row:
        gains = ", ".join(f"{v:.4f} ({k.split(':')[0]})" for k, v in row.items() if "random - CR-FIQA" in k)
        note = (
            f"{row['steps']} steps in {row['training_minutes']:.1f} min; method-check Spearman "
            f"{row['spearman']:.3f}; EDC pAUC gain over random {gains}; verification "
            f"{row['verification_accuracy']:.3f}"
        )
    return label, value, note


if __name__ == "__main__":
    main()
