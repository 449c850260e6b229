"""`crfiqa-tf evaluate`: EDC / pAUC with baselines, ERC, verification accuracy and per-group figures on a pair set."""

from __future__ import annotations

import argparse


def add_parser(commands) -> None:
    parser = commands.add_parser("evaluate", help="EDC/pAUC with baselines, ERC, verification on a pair set")
    parser.add_argument("--model", required=True, help="training run or convert-torch folder, or a .keras file")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", help="insightface .bin pair set")
    source.add_argument("--pairs", help="CSV with path_a,path_b,issame")
    parser.add_argument("--images", help="root folder of the paths in --pairs")
    parser.add_argument("--fr-model", help="another recognition model (.keras) for the comparison scores")
    parser.add_argument("--fmr", type=float, nargs="+", default=[1e-3], help="target FMR(s) for the threshold")
    parser.add_argument(
        "--groups", help="CSV path,group (pairs CSV) or pair,group (.bin): quality, rejection and EDC per group"
    )
    parser.add_argument("--threshold", type=float, help="raw quality below which --groups counts an image rejected")
    parser.add_argument("--calibration", help="calibration JSON: its 10%% point is the --groups threshold")
    parser.add_argument("--min-group-pairs", type=int, default=20, help="mated pairs a group needs for its EDC")
    parser.add_argument("--out", required=True)
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    from crfiqa_tf import paths
    from crfiqa_tf.evaluation.evaluate import evaluate

    try:
        result = evaluate(
            args.model,
            args.out,
            bin_path=args.bin,
            pairs_csv=args.pairs,
            images_root=args.images,
            fr_model_path=args.fr_model,
            fmrs=args.fmr,
            groups_csv=args.groups,
            reject_below=args.threshold,
            calibration_path=args.calibration,
            min_group_pairs=args.min_group_pairs,
        )
    except ValueError as error:
        raise SystemExit(f"crfiqa-tf evaluate: {error}") from None
    print(paths.read_text(paths.join(args.out, "pauc.md")))
    if "groups" in result:
        print(paths.read_text(paths.join(args.out, "groups.md")))
    print(f"verification accuracy (10-fold): {result['verification_accuracy']:.4f}; plots: {result['plots']}")
    return 0
