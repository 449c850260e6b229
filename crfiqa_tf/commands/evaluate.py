"""`crfiqa-tf evaluate`: EDC / pAUC with baselines, ERC, verification accuracy and per-group figures on a pair set."""

from __future__ import annotations

import argparse

from crfiqa_tf.matchers.flags import add_matcher_flags

# your own matcher on LFW-style pairs of raw photos
EXAMPLE = (
    "crfiqa-tf evaluate --model quality/export/saved_model/crfiqa/1 --lfw-pairs pairs.txt --images lfw/ "
    "--matcher my_model/ --fmr 1e-3 1e-2 --out eval/"
)


def add_parser(commands) -> None:
    parser = commands.add_parser(
        "evaluate",
        help="EDC/pAUC with baselines, ERC, verification on a pair set",
    )
    parser.add_argument(
        "--model",
        required=True,
        help="the quality model: a training run or convert-torch folder or a .keras file (--bin, --pairs); any model "
        "`score` takes (--lfw-pairs, --all-vs-all)",
    )
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", help="insightface .bin pair set")
    source.add_argument("--pairs", help="CSV with path_a,path_b,issame (aligned faces)")
    source.add_argument(
        "--lfw-pairs", metavar="PAIRS_TXT", help="LFW-style pairs.txt (LFW, CALFW, CPLFW, XQLFW) of raw photos"
    )
    source.add_argument(
        "--all-vs-all", metavar="SHARDS", help="aligned labelled shards (prepare --align): every mated pair"
    )
    parser.add_argument("--images", help="root folder of the paths in --pairs / --lfw-pairs")
    parser.add_argument("--nonmated", type=int, help="--all-vs-all: a seeded sample of this many non-mated pairs")
    parser.add_argument(
        "--max-per-identity",
        type=int,
        help="--all-vs-all: at most this many photos of a person (seeded), so that a few people do not make up most of "
        "the mated pairs",
    )
    add_matcher_flags(parser, required=False)
    parser.add_argument(
        "--fr-model", help="another recognition model (.keras) for the comparison scores (--bin, --pairs)"
    )
    parser.add_argument(
        "--fmr",
        type=float,
        nargs="+",
        help="target FMR(s) for the threshold (default 1e-3; with --lfw-pairs, --all-vs-all, --matcher: 1e-3, 1e-2)",
    )
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

    if args.lfw_pairs or args.all_vs_all or args.matcher:
        return run_for_matcher(args)

    try:
        result = evaluate(
            args.model,
            args.out,
            bin_path=args.bin,
            pairs_csv=args.pairs,
            images_root=args.images,
            fr_model_path=args.fr_model,
            fmrs=args.fmr or [1e-3],
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


def run_for_matcher(args: argparse.Namespace) -> int:
    from crfiqa_tf import paths
    from crfiqa_tf.evaluation.matcher_evaluation import evaluate_for_matcher
    from crfiqa_tf.matchers.flags import matcher_from_args

    if args.pairs:
        raise SystemExit("crfiqa-tf evaluate: --matcher takes --lfw-pairs, --all-vs-all or --bin (not a pairs CSV)")
    fmrs = args.fmr or [1e-3, 1e-2]
    try:
        result = evaluate_for_matcher(
            args.model,
            matcher_from_args(args) if args.matcher else None,
            args.out,
            lfw_pairs=args.lfw_pairs,
            images_root=args.images,
            all_vs_all_data=args.all_vs_all,
            bin_path=args.bin,
            nonmated=args.nonmated,
            max_per_identity=args.max_per_identity,
            fmrs=fmrs,
        )
    except (OSError, ValueError) as error:
        raise SystemExit(f"crfiqa-tf evaluate: {error}") from None
    print(paths.read_text(paths.join(args.out, "pauc.md")))
    left_out = len(result.get("photos_without_a_face", {}))
    print(
        f"{result['faces']} faces, {result['mated']} mated and {result['nonmated']} non-mated comparisons"
        + (f"; {left_out} photos without a face (their pairs left out)" if left_out else "")
        + f"; plots: {result['plots']}"
    )
    return 0
