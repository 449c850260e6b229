"""`crfiqa-tf` — the command-line front door.

Each sub-command parses its flags and hands over to a library or application function; imports are deferred so
that `crfiqa-tf --help` is instant and a command pulls in only what it needs.
"""

from __future__ import annotations

import argparse
import csv
import sys
from collections.abc import Sequence

from crfiqa_tf import __version__
from crfiqa_tf import signatures as sig
from crfiqa_tf.align.tiling import DEFAULT_MIN_FACE, MIN_FACE_HELP, parse_min_face
from crfiqa_tf.commands import score as score_command


def _skipped_lines(skipped: list[dict], shown: int = 10) -> str:
    """The inputs a command could not use, one per line (the first `shown`, then how many more)."""
    lines = [f"  skipped {s['source_id']}: {s['reason']}: {s['detail']}" for s in skipped[:shown]]
    if len(skipped) > shown:
        lines.append(f"  ... and {len(skipped) - shown} more")
    return "".join(f"\n{line}" for line in lines)


def _demo(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.demo.stages import run_demo

    run_demo(args.out, quick=args.quick)
    return 0


def _prepare(args: argparse.Namespace) -> int:
    from crfiqa_tf.data.prepare import prepare_from_folder, prepare_from_rec

    if bool(args.from_rec) == bool(args.from_folder):
        raise SystemExit("crfiqa-tf prepare: give exactly one of --from-rec DIR or --from-folder DIR")
    from crfiqa_tf.data.writer import shards_done
    from crfiqa_tf.interrupts import stop_requests

    with stop_requests() as stop:
        try:
            if args.from_rec:
                info = prepare_from_rec(args.from_rec, args.out, args.shards, args.rec_name, args.resume, stop)
            else:
                info = prepare_from_folder(args.from_folder, args.out, args.shards, args.resume, stop)
        except (OSError, ValueError) as error:
            raise SystemExit(f"crfiqa-tf prepare: {error}") from None
        except KeyboardInterrupt:
            stop.signal = stop.signal or 2
            print(
                f"stopped by {stop.name}: {shards_done(args.out)} of {args.shards} shards complete; run the same "
                "command with --resume to continue at the first incomplete one",
                file=sys.stderr,
            )
            return stop.exit_status
    print(
        f"{info['num_images']} images of {info['num_classes']} identities in {len(info['shards'])} shards "
        f"at {args.out}; {len(info['skipped'])} inputs skipped (listed in dataset_info.json)"
        + _skipped_lines(info["skipped"])
    )
    return 0


def _synth(args: argparse.Namespace) -> int:
    from crfiqa_tf.data.synthetic import make_synthetic_dataset

    info = make_synthetic_dataset(
        args.out,
        args.identities,
        args.per_identity,
        seed=args.seed,
        shards=args.shards,
        val_identities=args.val_identities,
        val_pairs=args.val_pairs,
    )
    print(
        f"{info['num_images']} synthetic images of {info['num_classes']} identities at {args.out} "
        f"(+ verification.bin from held-out identities)"
    )
    return 0


def _train(args: argparse.Namespace) -> int:
    from crfiqa_tf.config import ConfigError
    from crfiqa_tf_apps.training.train import train_from_args

    try:
        train_from_args(args)
    except (ConfigError, OSError) as error:  # bad config, data or run directory: named, before any step
        raise SystemExit(f"crfiqa-tf train: {error}") from None
    return 0


def _tf_config(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.training.tf_config import build_tf_config

    try:
        print(build_tf_config([h for h in args.hosts.split(",") if h], args.index))
    except ValueError as error:
        raise SystemExit(f"crfiqa-tf tf-config: {error}") from None
    return 0


def _evaluate(args: argparse.Namespace) -> int:
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
    print(open(f"{args.out}/pauc.md", encoding="utf-8").read())
    if "groups" in result:
        print(open(f"{args.out}/groups.md", encoding="utf-8").read())
    print(f"verification accuracy (10-fold): {result['verification_accuracy']:.4f}; plots: {result['plots']}")
    return 0


def _export(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.serving.export_lib import export

    try:
        result = export(
            args.model,
            args.out,
            formats=args.formats.split(","),
            quantize=args.quantize.split(","),
            version=args.version,
            model_name=args.name,
            calibration_path=args.calibration,
            representative=args.representative,
            max_faces=args.max_faces,
            min_face=args.min_face,
        )
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf export: {error}") from None
    print(f"SavedModel: {result['saved_model']}")
    for use, sample in result["images"].items():
        if sample["skipped"]:
            print(
                f"{use}: {sample['skipped']} unreadable inputs of {sample['source']}"
                + _skipped_lines(sample["skipped_files"])
            )
    for item in result["files"]:
        p = item["parity"]
        print(
            f"{item['path']}: {p['size_bytes'] / 2**20:.1f} MiB, max |Δquality| {p['max_abs_diff_quality']:.2e}, "
            f"Spearman {p['spearman_quality']:.4f}, mean cosine {p['mean_cosine_embedding']:.4f}"
        )
    return 0


def _client(args: argparse.Namespace) -> int:
    from crfiqa_tf.image_io import ImageReadError, list_inputs, read_bytes
    from crfiqa_tf.inference.base import ScoreRecord
    from crfiqa_tf.inference.score_files import summary_line, write_rows
    from crfiqa_tf_apps.serving.client import CRFIQAClient

    client = CRFIQAClient(args.target, model_name=args.name, transport=args.transport, timeout=args.timeout)
    if args.photos:  # raw photos: every face, through score_photos, as `score --align --faces all` rows
        from crfiqa_tf.image_io import graph_photo_bytes
        from crfiqa_tf.inference.score_files import record_row

        result = []
        for path in list_inputs(args.images):
            try:
                # JPEG / plain PNG as they are; any other format Pillow reads is sent as PNG (as the scorer does)
                records = client.score_photos([graph_photo_bytes(read_bytes(path), path)], [path])
            except ImageReadError as error:
                records = [ScoreRecord(path, error=f"{error.cause}: {error.detail}")]
            except ValueError as error:
                records = [ScoreRecord(path, error=" ".join(str(error).split()))]  # a server's message spans lines
            result += [record_row(record) for record in records]
        write_rows(result, sys.stdout)
        print(summary_line(result), file=sys.stderr)
        return 0
    rows = csv.writer(sys.stdout, lineterminator="\n")
    rows.writerow(["path", "quality", "quality_score", "error"])
    for path in args.images:
        try:
            outputs = client.predict_bytes([read_bytes(path)])
        except (ImageReadError, ValueError) as error:
            rows.writerow([path, "", "", " ".join(str(error).split())])  # a server's message spans lines
            continue
        score = outputs.get("quality_score")
        score_text = "" if score is None else f"{float(score[0]):.2f}"
        rows.writerow([path, f"{float(outputs['quality'][0]):.6f}", score_text, ""])
    return 0


def _convert_torch(args: argparse.Namespace) -> int:
    from crfiqa_tf.convert.torch_weights import convert_checkpoint

    path = convert_checkpoint(args.checkpoint, args.arch, args.out)
    print(f"converted {args.checkpoint} ({args.arch}) → {path}; next: crfiqa-tf export --model {path} --out DIR")
    return 0


def _best_shots(args: argparse.Namespace) -> int:
    from crfiqa_tf.best_shots.command import run
    from crfiqa_tf.best_shots.sources import SourceError
    from crfiqa_tf.model_io import load_scorer

    try:
        scorer = load_scorer(args.model, calibration=args.calibration, threads=args.threads)
        result = run(
            args.input,
            scorer,
            args.out,
            per_track=args.per_track,
            min_gap_ms=args.min_gap_ms,
            quality_every=args.quality_every,
            min_score=args.min_score,
            fps=args.fps,
            max_frames=args.max_frames,
            profile=args.profile,
            threads=args.threads,
            min_face=args.min_face,
            resume=args.resume,
            settings={"model": args.model, "calibration": args.calibration},
        )
    except (SourceError, ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf best-shots: {error}") from None
    return result.get("exit_status", 0)


def _calibrate(args: argparse.Namespace) -> int:
    from crfiqa_tf.data.samples import sample_images
    from crfiqa_tf.evaluation.calibration import (
        apply_calibration,
        fit_calibration,
        rejection_thresholds,
        save_calibration,
    )
    from crfiqa_tf.model_io import load_scorer

    kind, source = next(
        (k, v) for k, v in (("images", args.images), ("bin", args.bin), ("tfrecords", args.tfrecords)) if v
    )
    try:
        scorer = load_scorer(args.model)
        sample = sample_images(source, args.count, scorer.image_size, kind=kind)
        quality = [record.quality for record in scorer.score(list(sample.images), args.batch_size)]
        calibration = fit_calibration(quality, reference=f"{len(quality)} images of {source} ({kind})")
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf calibrate: {error}") from None
    calibration["rejection_thresholds"] = [
        {**t, "quality_score": float(apply_calibration(t["quality"], calibration))}
        for t in rejection_thresholds(quality)
    ]
    save_calibration(calibration, args.out)
    print(
        f"calibration fitted on {len(quality)} images of {source} ({sample.skipped} unreadable) → {args.out}"
        + _skipped_lines(sample.skipped_files)
    )
    print("reject below            raw quality   quality_score")
    for row in calibration["rejection_thresholds"]:
        print(
            f"{row['reject_fraction']:>5.0%} of this set      {row['quality']:>11.4f}   {row['quality_score']:>13.1f}"
        )
    return 0


def _distill(args: argparse.Namespace) -> int:
    from crfiqa_tf_apps.training.distill_lib import DistillSettings, distill

    settings = DistillSettings(
        teacher=args.teacher,
        out=args.out,
        steps=args.steps,
        images=args.images,
        tfrecords=args.tfrecords,
        student=args.student,
        batch_size=args.batch_size,
        lr=args.lr,
        checkpoint_every=args.checkpoint_every,
    )
    try:
        summary = distill(settings, resume=args.resume)
    except (ValueError, OSError) as error:
        raise SystemExit(f"crfiqa-tf distill: {error}") from None
    print(
        f"{summary['student']} ({summary['parameters']:,} parameters) distilled from {args.teacher} in "
        f"{summary['steps']} steps; {len(summary['skipped_files'])} unreadable files skipped "
        f"({summary['skipped_images']} times in all); model: {summary['inference_model']}"
        + _skipped_lines(summary["skipped_files"])
    )
    return 0


def _score_gallery(args: argparse.Namespace, extra: list[str]) -> int:
    from crfiqa_tf_apps.beam_jobs.score_gallery import run

    run(extra)
    return 0


VERBOSE_HELP = "show TensorFlow's C++ INFO and WARNING lines (hidden by default, unless TF_CPP_MIN_LOG_LEVEL is set)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crfiqa-tf", description="CR-FIQA face image quality for TensorFlow.")
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--verbose", action="store_true", help=VERBOSE_HELP)
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = commands.add_parser("demo", help="run the embedded end-to-end demo on synthetic identities")
    demo.add_argument("--out", default="demo_out", help="output folder (replaced on re-run)")
    demo.add_argument("--quick", action="store_true", help="smallest sizes (used by the tests)")
    demo.set_defaults(handler=_demo)

    prepare = commands.add_parser("prepare", help="convert insightface .rec/.idx or an image folder to TFRecords")
    prepare.add_argument("--from-rec", metavar="DIR", help="folder with train.rec, train.idx (and property)")
    prepare.add_argument("--rec-name", default="train", help="base name of the .rec/.idx pair (default: train)")
    prepare.add_argument("--from-folder", metavar="DIR", help="folder with one sub-folder per identity")
    prepare.add_argument("--out", required=True, help="output folder (replaced on re-run)")
    prepare.add_argument("--shards", type=int, default=16)
    prepare.add_argument(
        "--resume", action="store_true", help="continue an interrupted conversion at its first incomplete shard"
    )
    prepare.set_defaults(handler=_prepare)

    synth = commands.add_parser("synth", help="write the synthetic identity set (shards + verification.bin)")
    synth.add_argument("--out", required=True)
    synth.add_argument("--identities", type=int, required=True)
    synth.add_argument("--per-identity", type=int, required=True)
    synth.add_argument("--seed", type=int, default=0)
    synth.add_argument("--shards", type=int, default=4)
    synth.add_argument("--val-identities", type=int, default=None, help="held-out identities (default: N/4, >= 4)")
    synth.add_argument("--val-pairs", type=int, default=400)
    synth.set_defaults(handler=_synth)

    from crfiqa_tf_apps.training.train import add_arguments

    train = commands.add_parser("train", help="train CR-FIQA from a config (see training/configs/)")
    add_arguments(train)
    train.set_defaults(handler=_train)

    tf_config = commands.add_parser("tf-config", help="TF_CONFIG for multi-host training (print, then export it)")
    tf_config.add_argument("--hosts", required=True, help="host:port of every worker, comma-separated, chief first")
    tf_config.add_argument("--index", type=int, required=True, help="this host's position in --hosts")
    tf_config.set_defaults(handler=_tf_config)

    evaluate = commands.add_parser("evaluate", help="EDC/pAUC with baselines, ERC, verification on a pair set")
    evaluate.add_argument("--model", required=True, help="training run or convert-torch folder, or a .keras file")
    source = evaluate.add_mutually_exclusive_group(required=True)
    source.add_argument("--bin", help="insightface .bin pair set")
    source.add_argument("--pairs", help="CSV with path_a,path_b,issame")
    evaluate.add_argument("--images", help="root folder of the paths in --pairs")
    evaluate.add_argument("--fr-model", help="another recognition model (.keras) for the comparison scores")
    evaluate.add_argument("--fmr", type=float, nargs="+", default=[1e-3], help="target FMR(s) for the threshold")
    evaluate.add_argument(
        "--groups", help="CSV path,group (pairs CSV) or pair,group (.bin): quality, rejection and EDC per group"
    )
    evaluate.add_argument("--threshold", type=float, help="raw quality below which --groups counts an image rejected")
    evaluate.add_argument("--calibration", help="calibration JSON: its 10%% point is the --groups threshold")
    evaluate.add_argument("--min-group-pairs", type=int, default=20, help="mated pairs a group needs for its EDC")
    evaluate.add_argument("--out", required=True)
    evaluate.set_defaults(handler=_evaluate)

    export = commands.add_parser("export", help="SavedModel (TF Serving layout), TFLite and ONNX with parity reports")
    export.add_argument("--model", required=True, help="training run or convert-torch folder, or a .keras file")
    export.add_argument("--out", required=True)
    export.add_argument("--formats", default=",".join(sig.EXPORT_FORMATS), help="comma-separated, of the default")
    export.add_argument(
        "--quantize", default=",".join(sig.TFLITE_MODES), help="comma-separated TFLite modes, of the default"
    )
    export.add_argument("--version", type=int, default=1)
    export.add_argument("--name", default=sig.DEFAULT_MODEL_NAME, help="model name in TF Serving")
    export.add_argument("--calibration", help="calibration JSON (adds the quality_score output)")
    export.add_argument(
        "--representative",
        metavar="SOURCE",
        help="faces like those to be scored, for int8 ranges and parity: a folder of aligned images, TFRecord shards "
        "(folder or glob) or a .bin set (default: synthetic faces, for models trained on them only)",
    )
    export.add_argument(
        "--max-faces",
        type=int,
        default=sig.DEFAULT_MAX_FACES,
        help="faces per photo the SavedModel's score_photos signature returns (the largest)",
    )
    export.add_argument(
        "--min-face",
        type=parse_min_face,
        default=DEFAULT_MIN_FACE,
        help="smallest face score_photos looks for, pixels between the eyes ('none': the whole frame only)",
    )
    export.set_defaults(handler=_export)

    client = commands.add_parser("client", help="score images with a model served by TF Serving (CSV to stdout)")
    client.add_argument("images", nargs="+")
    client.add_argument(
        "--photos",
        action="store_true",
        help="raw photos or folders: the server detects, aligns and scores every face (score_photos); a row per face",
    )
    client.add_argument("--target", required=True, help="HOST:PORT (gRPC 8500 or REST 8501)")
    client.add_argument("--transport", choices=["grpc", "rest"], default="grpc")
    client.add_argument("--name", default=sig.DEFAULT_MODEL_NAME)
    client.add_argument("--timeout", type=float, default=10.0)
    client.set_defaults(handler=_client)

    convert = commands.add_parser("convert-torch", help="official CR-FIQA .pth → Keras inference model")
    convert.add_argument("checkpoint", help="e.g. 32572backbone.pth (CR-FIQA(S)) or 181952backbone.pth (L)")
    convert.add_argument("--arch", required=True, choices=["iresnet18", "iresnet34", "iresnet50", "iresnet100"])
    convert.add_argument("--out", required=True)
    convert.set_defaults(handler=_convert_torch)

    score_command.add_parser(commands)

    best = commands.add_parser(
        "best-shots", help="a video, a folder of frames or a camera → each tracked person's best frames"
    )
    best.add_argument("input", help="video file, folder of frames (sorted by name) or camera index (0, 1, ...)")
    best.add_argument("--model", required=True, help="any model crfiqa-tf score takes (a .tflite on a device)")
    best.add_argument("--out", required=True, help="folder for the crops, best_shots.csv and best_shots.json")
    best.add_argument("--per-track", type=int, default=3, help="best shots kept per person (N)")
    best.add_argument("--min-gap-ms", type=float, default=500.0, help="shots of one person at least T ms apart")
    best.add_argument("--quality-every", type=int, default=1, help="quality network on one face in K per person")
    best.add_argument("--min-score", type=float, help="keep shots with quality_score >= S (needs a calibration)")
    best.add_argument("--calibration", help="calibration JSON (crfiqa-tf calibrate) for the 0-100 quality_score")
    best.add_argument("--profile", help="reasons profile JSON for the checks (default: the shipped one)")
    best.add_argument("--fps", type=float, default=25.0, help="frame rate of a folder of frames (timestamps)")
    best.add_argument("--max-frames", type=int, help="stop after this many frames (a camera runs until Ctrl-C)")
    best.add_argument("--threads", type=int, help="CPU threads of the face detector and of a .tflite/.onnx model")
    best.add_argument("--min-face", type=parse_min_face, default=DEFAULT_MIN_FACE, help=MIN_FACE_HELP)
    best.add_argument("--resume", action="store_true", help="continue the interrupted run in --out (same settings)")
    best.set_defaults(handler=_best_shots)

    calibrate = commands.add_parser(
        "calibrate", help="fit the 0-100 quality_score on a reference set; print rejection thresholds"
    )
    calibrate.add_argument("--model", required=True, help="any model path that score accepts")
    reference = calibrate.add_mutually_exclusive_group(required=True)
    reference.add_argument("--images", help="folder of aligned face images")
    reference.add_argument("--bin", help="insightface .bin set")
    reference.add_argument("--tfrecords", help="TFRecord shards: a data folder or a glob")
    calibrate.add_argument("--count", type=int, default=2000, help="images sampled from the reference set")
    calibrate.add_argument("--batch-size", type=int, default=32)
    calibrate.add_argument("--out", required=True, help="calibration JSON to write")
    calibrate.set_defaults(handler=_calibrate)

    distill = commands.add_parser(
        "distill", help="train a small student (MobileFaceNet) to reproduce a teacher on unlabeled aligned faces"
    )
    distill.add_argument("--teacher", required=True, help="any model path that score accepts")
    distill.add_argument(
        "--student",
        default="mobilefacenet-edge",
        help="mobilefacenet-edge (half width, ReLU: the fast int8 student) or mobilefacenet (the paper's network)",
    )
    faces = distill.add_mutually_exclusive_group(required=True)
    faces.add_argument("--images", help="folder of aligned face images (no labels needed)")
    faces.add_argument("--tfrecords", help="TFRecord shards: a data folder or a glob")
    distill.add_argument("--steps", type=int, required=True)
    distill.add_argument("--batch-size", type=int, default=64)
    distill.add_argument("--lr", type=float, default=5e-3, help="Adam learning rate, cosine-decayed to 0")
    distill.add_argument("--checkpoint-every", type=int, default=500)
    distill.add_argument("--out", required=True, help="output folder (inference.keras, log.csv, checkpoints/)")
    distill.add_argument("--resume", action="store_true", help="continue from the latest checkpoint in --out")
    distill.set_defaults(handler=_distill)

    gallery = commands.add_parser(
        "score-gallery", add_help=False, help="Apache Beam job over a whole gallery (flags: beam_jobs/score_gallery.py)"
    )
    gallery.set_defaults(handler=_score_gallery, passthrough=True)
    for name, command in commands.choices.items():
        if name != "score-gallery":  # its flags pass through to the Beam job, which takes --verbose out first
            command.add_argument("--verbose", action="store_true", default=argparse.SUPPRESS, help=VERBOSE_HELP)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if "--verbose" in extra and getattr(args, "passthrough", False):
        extra = [a for a in extra if a != "--verbose"]
        args.verbose = True
    from crfiqa_tf.console import quiet_tensorflow

    quiet_tensorflow(args.verbose)
    if getattr(args, "passthrough", False):
        return args.handler(args, extra)
    if extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
