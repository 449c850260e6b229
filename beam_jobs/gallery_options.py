"""`GalleryOptions`: what a gallery scoring job does, as one frozen type built from the job's flags — and the
settings it reads from any Beam filesystem (calibration, reasons profile), each checked on the launcher."""

from __future__ import annotations

import dataclasses
import json

from apache_beam.io.filesystem import CompressionTypes
from apache_beam.io.filesystems import FileSystems

from crfiqa_tf import signatures as sig
from crfiqa_tf.commands.score_gallery import FORMATS
from crfiqa_tf.faces.alignment_path import uses_graph_alignment
from crfiqa_tf.faces.face_options import FaceOptions
from crfiqa_tf.image_io import DEFAULT_MAX_PIXELS
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model


@dataclasses.dataclass(frozen=True)
class GalleryInputs:
    """Exactly one of: folders (every file, recursively, hidden ones excepted), globs, a list file (first column),
    TFRecord shards (a glob, the crfiqa-tf schema)."""

    folders: tuple = ()
    globs: tuple = ()
    list_file: str | None = None
    tfrecords: str | None = None


@dataclasses.dataclass(frozen=True)
class GalleryOptions:
    """Args:
    inputs: what to read (`GalleryInputs`).
    model: an exported SavedModel folder, ``.tflite`` or ``.onnx`` (any filesystem).
    output: the output prefix; format: parquet, csv or jsonl; with_embeddings: add the embedding column.
    face_options: the face options (`FaceOptions`: align, which faces, detector, minimum face, components, profile,
        calibration, precision).
    max_pixels: the largest photo decoded; min_batch_size, max_batch_size: RunInference's batching.
    threads, providers: LiteRT / ONNX Runtime runtime settings; model_cache_dir: the per-worker copy's folder.
    share_model_across_processes, model_copies: Beam's ``large_model`` and ``model_copies``."""

    inputs: GalleryInputs
    model: str
    output: str
    format: str = "parquet"
    with_embeddings: bool = False
    face_options: FaceOptions = FaceOptions()
    max_pixels: int = DEFAULT_MAX_PIXELS
    min_batch_size: int = 8
    max_batch_size: int = 64
    threads: int | None = None
    providers: tuple | None = None
    model_cache_dir: str | None = None
    share_model_across_processes: bool = False
    model_copies: int | None = None

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ValueError(f"format must be one of {', '.join(FORMATS)}, got {self.format!r}")

    @classmethod
    def from_args(cls, args) -> GalleryOptions:
        """From the job's parsed flags (`crfiqa_tf.commands.score_gallery.add_gallery_flags`); the face options
        validated as every command validates them."""
        inputs = GalleryInputs(
            tuple(args.input_folder or ()), tuple(args.input_glob or ()), args.input_list, args.input_tfrecords
        )
        return cls(
            inputs,
            args.model,
            args.output,
            args.format,
            args.with_embeddings,
            FaceOptions.from_args(args),
            args.max_pixels,
            args.min_batch_size,
            args.max_batch_size,
            args.threads,
            tuple(args.providers.split(",")) if args.providers else None,
            args.model_cache_dir,
            args.share_model_across_processes,
            args.model_copies,
        )

    def check(self) -> None:
        """Fails before any work when the model, the calibration, the reasons profile or the input list cannot be
        used."""
        describe_model(self.model)
        if self.face_options.calibration:
            read_calibration(self.face_options.calibration)
        if self.face_options.components:
            read_profile(self.face_options.profile)
        if self.inputs.list_file and not FileSystems.exists(self.inputs.list_file):
            raise FileNotFoundError(f"--input-list {self.inputs.list_file}: no such file")

    def in_graph_alignment(self) -> bool:
        """Whether the faces are aligned inside the SavedModel (``score_photos``) rather than by the LiteRT/Python
        aligner: a SavedModel exported with ``score_photos`` for the same minimum face (older exports: the whole
        frame only)."""
        source = describe_model(self.model)
        exported = None
        if source.kind == "saved_model":  # its score_photos.json: written by every export that has the signature
            settings = FileSystems.join(source.path, "assets.extra", sig.SCORE_PHOTOS_FILE)
            if FileSystems.exists(settings):
                with FileSystems.open(settings) as handle:
                    exported = json.loads(handle.read().decode("utf-8"))
        faces = self.face_options
        options = dict(align=faces.align, detector=faces.detector, components=faces.components, min_face=faces.min_face)
        return uses_graph_alignment(exported, **options)


def read_calibration(path: str) -> dict:
    """A calibration JSON from any filesystem; raises ValueError naming the path and the cause."""
    from crfiqa_tf.calibration import validate_calibration

    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            calibration = json.loads(handle.read().decode("utf-8"))
    except (OSError, ValueError) as error:
        raise ValueError(f"--calibration {path}: cannot be read ({type(error).__name__}: {error})") from None
    return validate_calibration(calibration, path)


def read_profile(path: str | None) -> list:
    """The reasons profile's rules (the shipped profile when `path` is None), read through FileSystems; raises
    ValueError naming the path and the cause."""
    from crfiqa_tf.components.reasons import DEFAULT_PROFILE, parse_profile

    path = path or DEFAULT_PROFILE
    try:
        with FileSystems.open(path, compression_type=CompressionTypes.UNCOMPRESSED) as handle:
            text = handle.read().decode("utf-8")
    except (OSError, ValueError) as error:
        raise ValueError(f"--profile {path}: cannot be read ({type(error).__name__}: {error})") from None
    return parse_profile(text, path)
