"""`crfiqa-tf export`: SavedModel (TF Serving layout), TFLite and ONNX with their parity reports
(`crfiqa_tf_apps.serving`)."""

from __future__ import annotations

import argparse

from crfiqa_tf import signatures as sig
from crfiqa_tf.console import skipped_lines
from crfiqa_tf.faces.face_options import add_face_flags

EXAMPLE = "crfiqa-tf export --model runs/casia --out export/ --representative faces/ --calibration calibration.json"


def add_parser(commands) -> None:
    parser = commands.add_parser("export", help="SavedModel (TF Serving layout), TFLite and ONNX with parity reports")
    parser.add_argument("--model", required=True, help="training run or convert-torch folder, or a .keras file")
    parser.add_argument("--out", required=True)
    parser.add_argument("--formats", default=",".join(sig.EXPORT_FORMATS), help="comma-separated, of the default")
    parser.add_argument(
        "--quantize", default=",".join(sig.TFLITE_MODES), help="comma-separated TFLite modes, of the default"
    )
    parser.add_argument("--version", type=int, default=1)
    parser.add_argument("--name", default=sig.DEFAULT_MODEL_NAME, help="model name in TF Serving")
    parser.add_argument(
        "--representative",
        metavar="SOURCE",
        help="faces like those to be scored, for int8 ranges and parity: a folder of aligned images, TFRecord shards "
        "(folder or glob) or a .bin set (default: synthetic faces, for models trained on them only)",
    )
    parser.add_argument(
        "--max-faces",
        type=int,
        default=sig.DEFAULT_MAX_FACES,
        help="faces per photo the SavedModel's score_photos signature returns (the largest)",
    )
    add_face_flags(
        parser,
        ("min_face", "calibration"),
        {
            "min_face": "smallest face score_photos looks for, pixels between the eyes ('none': the whole frame only)",
            "calibration": "calibration JSON (adds the quality_score output)",
        },
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
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
                + skipped_lines(sample["skipped_files"])
            )
    for item in result["files"]:
        p = item["parity"]
        print(
            f"{item['path']}: {p['size_bytes'] / 2**20:.1f} MiB, max |Δquality| {p['max_abs_diff_quality']:.2e}, "
            f"Spearman {p['spearman_quality']:.4f}, mean cosine {p['mean_cosine_embedding']:.4f}"
        )
    return 0
