"""`crfiqa-tf train-on-top`: CR-FIQA on top of your own face-recognition model — its embeddings of aligned labelled
faces (`prepare --align` shards), the class centres and the quality head learned with the CR loss, the matcher
frozen; with --export, the matcher and the head as one quality model with the package's usual signatures."""

from __future__ import annotations

import argparse
import dataclasses
import time

from crfiqa_tf.config import CENTRES, CR_MODES
from crfiqa_tf.matchers.flags import add_matcher_flags

EXAMPLE = "crfiqa-tf train-on-top --data faces/ --matcher my_model/ --out quality/ --export"


def add_parser(commands) -> None:
    from crfiqa_tf.on_top.train_on_top import OnTopSettings

    parser = commands.add_parser(
        "train-on-top",
        help="train CR-FIQA quality on top of your own face-recognition model (frozen)",
        description=__doc__.split("`: ", 1)[1],
    )
    parser.add_argument("--data", required=True, metavar="SHARDS", help="aligned labelled faces (prepare --align)")
    parser.add_argument(
        "--augment",
        nargs="+",
        default=[],
        metavar="SHARDS",
        help="aligned degraded copies of the same people under the same names (a cross-quality copy, prepared): "
        "they get CR targets; the --data faces alone fit the class centres",
    )
    add_matcher_flags(parser)
    parser.add_argument("--out", required=True, help="run folder: on_top.keras, matcher.json, training.json")
    training = parser.add_argument_group("training")
    defaults = OnTopSettings()
    training.add_argument("--hidden", type=int, default=defaults.hidden, help="hidden units of the head (0: linear)")
    training.add_argument(
        "--members",
        type=int,
        default=defaults.members,
        help="quality heads averaged, each from its own initial weights (and its own learned class centres)",
    )
    training.add_argument(
        "--mirror",
        action=argparse.BooleanOptionalAction,
        default=defaults.mirror,
        help="the head sees each face's embedding averaged with its mirror image's (the matcher runs twice a face)",
    )
    training.add_argument(
        "--centres",
        choices=CENTRES,
        default=defaults.centres,
        help="where the CR's class centres come from: learned (ArcFace margin heads, the paper's way) or "
        "leave-one-out (your matcher's mean embedding of each person's other photos)",
    )
    training.add_argument("--epochs", type=int, default=defaults.epochs)
    training.add_argument("--batch-size", type=int, default=defaults.batch_size)
    training.add_argument("--learning-rate", type=float, default=defaults.learning_rate)
    training.add_argument("--cr-mode", choices=CR_MODES, default=defaults.cr_mode, help="certainty ratio definition")
    training.add_argument("--seed", type=int, default=defaults.seed)
    export = parser.add_argument_group("export")
    export.add_argument(
        "--export",
        action="store_true",
        help="write OUT/export: a SavedModel with the usual signatures (and TF Serving files) of matcher + head",
    )
    export.add_argument("--tflite", action="store_true", help="with --export, also a float TFLite model")
    export.add_argument(
        "--onnx", action="store_true", help="with --export, also an ONNX model (where tf2onnx converts the matcher)"
    )
    parser.set_defaults(handler=run)


def run(args: argparse.Namespace) -> int:
    import numpy as np

    from crfiqa_tf.data.labelled_faces import read_labelled_faces
    from crfiqa_tf.matchers.flags import matcher_from_args, matcher_names, matcher_spec
    from crfiqa_tf.on_top.head_inputs import head_inputs
    from crfiqa_tf.on_top.on_top_run import save_run
    from crfiqa_tf.on_top.target_weights import unchanged_copies
    from crfiqa_tf.on_top.train_on_top import OnTopSettings, train_on_top

    converted = [flag for flag, given in (("--tflite", args.tflite), ("--onnx", args.onnx)) if given]
    if converted and not args.export:
        raise SystemExit(f"crfiqa-tf train-on-top: {' and '.join(converted)} convert the export; add --export")
    try:
        # every training flag is the setting of the same name; the rest keep their defaults
        names = [field.name for field in dataclasses.fields(OnTopSettings) if hasattr(args, field.name)]
        settings = OnTopSettings(**{name: getattr(args, name) for name in names})
        matcher = matcher_from_args(args)
        raw, labels, fits_centres = [], [], []
        for index, data in enumerate([args.data, *args.augment]):
            faces = read_labelled_faces(data)
            raw.append(head_inputs(matcher, faces.faces, settings.mirror))
            labels += [faces.identities[label] for label in faces.labels]
            fits_centres += [index == 0] * len(faces.labels)
        embeddings, fits_centres = np.concatenate(raw), np.array(fits_centres)
        start = time.perf_counter()
        head, history = train_on_top(embeddings, np.array(labels), settings, fits_centres)
        seconds = time.perf_counter() - start
        compared = embeddings[:, 0] if settings.mirror else embeddings  # as train_on_top finds them
        unchanged = int(unchanged_copies(compared, np.array(labels), fits_centres).sum())
    except (OSError, ValueError) as error:
        raise SystemExit(f"crfiqa-tf train-on-top: {error}") from None
    training = {
        "data": args.data,
        "augment": args.augment,
        "faces": len(labels),
        "unchanged_copies": unchanged,
        "identities": len(set(labels)),
        "settings": vars(settings),
        "seconds": seconds,
        "final": {key: float(values[-1]) for key, values in history.items()},
    }
    save_run(args.out, head, args.matcher, matcher_spec(args), matcher_names(args), training)
    print(
        f"trained on {len(labels)} faces of {len(set(labels))} identities in {seconds:.0f} s "
        f"(CR loss {training['final']['cr_loss']:.4f}); run at {args.out}"
    )
    if unchanged:
        print(f"{unchanged} augmented faces are their person's photos unchanged (the same embedding): no CR target")
    if args.export:
        from crfiqa_tf_apps.serving.export_on_top import export_on_top

        result = export_on_top(args.out, tflite=args.tflite, onnx=args.onnx)
        print(f"exported: {result['saved_model']}" + "".join(f", {f['path']}" for f in result["files"]))
    return 0
