"""Method check: train synthetic_tiny (the demo's protocol, or a larger set and run with the options), then report
on held-out identities the Spearman between predicted quality and −degradation (goal ≥ 0.6), and on fresh samples
of the training identities the Spearman between quality and the sample's own certainty ratio. The column
``held_out_cr`` gives the same ranking by the certainty ratio against held-out identity centres, which the head
never sees: what the embedding allows."""

from __future__ import annotations

import argparse
import glob
import json
import os
import tempfile

from benchmarks.common import RESULTS, markdown_table, report
from benchmarks.common import table_row as common_table_row  # noqa: E402
from crfiqa_tf.data.synthetic import make_synthetic_dataset
from crfiqa_tf.evaluation.method_check import method_check
from crfiqa_tf.model_io import load_keras_model
from crfiqa_tf_apps.training.synthetic_run import PROTOCOLS, train_synthetic_tiny


def main() -> dict:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--steps", type=int, default=None, help="training steps (default: the demo's)")
    parser.add_argument("--image-size", type=int, default=None, help="model input size (default: the config's 56)")
    parser.add_argument("--identities", type=int, default=None, help="training identities (default: the demo's 60)")
    parser.add_argument("--per-identity", type=int, default=None, help="images per identity (default: the demo's 40)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="further config overrides")
    args = parser.parse_args()
    steps = args.steps
    overrides = ([] if args.image_size is None else [f"model.image_size={args.image_size}"]) + args.set
    identities, per_identity, demo_steps = PROTOCOLS["demo"]
    identities, per_identity = args.identities or identities, args.per_identity or per_identity
    with tempfile.TemporaryDirectory() as out:
        data_dir = os.path.join(out, "synthetic", "train")
        info = make_synthetic_dataset(data_dir, identities, per_identity, seed=0, shards=4, val_pairs=400)
        data = {"identities": identities, "images": info["num_images"]}
        train = train_synthetic_tiny(
            data_dir,
            os.path.join(out, "run"),
            steps or demo_steps,
            rescale_schedule=steps is not None,
            overrides=overrides,
        )
        method = method_check(load_keras_model(train["run_dir"], prefer="training"), data_dir)
    rows = [
        {
            "what": "Spearman(quality, -degradation), held-out identities",
            "value": method["spearman_quality_vs_neg_degradation"],
            "held_out_cr": method["spearman_held_out_cr_vs_neg_degradation"],
            "n": method["held_out_images"],
            "goal": ">= 0.6",
        },
        *(
            {
                "what": f"  within {kind} only",
                "value": part["spearman"],
                "held_out_cr": part["spearman_held_out_cr"],
                "n": part["images"],
                "goal": "-",
            }
            for kind, part in method["per_kind"].items()
        ),
        {
            "what": "Spearman(quality, held-out CR), held-out identities",
            "value": method["spearman_quality_vs_held_out_cr"],
            "n": method["held_out_images"],
            "goal": "-",
        },
        {
            "what": "Spearman(quality, own CR), training identities",
            "value": method["spearman_quality_vs_cr"],
            "n": method["fresh_training_identity_images"],
            "goal": "-",
        },
    ]
    name = "method_check"
    if args.identities or args.per_identity:
        name += f"_{data['identities']}x{data['images'] // data['identities']}"
    name += ("" if steps is None else f"_{steps}_steps") + ("" if args.image_size is None else f"_{args.image_size}px")
    name += "".join(f"_{key.split('.')[-1]}{value}" for key, _, value in (i.partition("=") for i in args.set))
    protocol = {"identities": data["identities"], "images": data["images"], "overrides": overrides}
    training = {k: v for k, v in train.items() if k != "verification"}
    return report(name, rows, {"protocol": protocol, "training": training})


def _within(rows: dict, kind: str) -> str:
    row = rows.get(f"within {kind} only", {})
    cr = row.get("held_out_cr")
    return "-" if not row else f"{row['value']:.2f} / " + ("-" if cr is None else f"{cr:.2f}")


MARKER = "METHOD_CHECK"  # the block of docs/BENCHMARKS.md that `summary` writes (benchmarks/run_all.py)


def summary(result: dict) -> str:
    """Every method-check run side by side, from benchmarks/results/method_check*.json."""
    header = ["run", "identities × images", "steps", "settings", "training (min)", "Spearman", "by held-out CR"]
    header += ["within jpeg (head / held-out CR)", "within noise (head / held-out CR)", "machine, date"]
    table = []
    for path in sorted(glob.glob(os.path.join(RESULTS, "method_check*.json"))):
        with open(path, encoding="utf-8") as handle:
            result = json.load(handle)
        rows = {row["what"].strip(): row for row in result["rows"]}
        overall = rows["Spearman(quality, -degradation), held-out identities"]
        protocol, training = result.get("protocol", {}), result.get("training", {})
        size = f"{protocol['identities']} × {protocol['images'] // protocol['identities']}" if protocol else "60 × 40"

        table.append(
            [
                f"`{result['benchmark']}`",
                size,
                training.get("steps", "-"),
                ", ".join(protocol.get("overrides", [])) or "-",
                f"{training['minutes']:.0f}" if "minutes" in training else "-",
                f"{overall['value']:.3f}",
                f"{overall['held_out_cr']:.3f}" if "held_out_cr" in overall else "-",
                _within(rows, "jpeg"),
                _within(rows, "noise"),
                f"{result['machine']}, {result['date']}",
            ]
        )
    return "\n".join([*markdown_table(header, table)])


def table_row(row: dict) -> tuple[str, str, str]:
    label, value, note = common_table_row(row)
    if "held_out_cr" in row:  # the same ranking by CR against held-out identity centres
        goal = "" if row.get("goal", "-") == "-" else f"{row['goal']}; "
        note = f"{goal}by held-out CR: {row['held_out_cr']:.3g}"
    return label, value, note


if __name__ == "__main__":
    main()
