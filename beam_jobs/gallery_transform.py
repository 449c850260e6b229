"""`ScoreGallery`: a gallery of face images scored as one Beam `PTransform` over `GalleryOptions`, losing nothing.

Stages: ReadPaths → (MatchFiles | ListFolders) → Reshuffle (so that every worker decodes and scores, not the one
that listed the files) → ReadAndDecode → [Align] → RunInference (`model_handler`, exception handling as Beam's own
``with_exception_handling``) → Format. It gives ``{"rows", "failures"}``; `gallery_sinks.WriteGallery` writes them.

With ``align``, a SavedModel that has the ``score_photos`` signature detects and aligns the faces inside its graph
(RunInference sends the encoded photos; a GPU worker runs the whole pipeline); the LiteRT/Python aligner is used
instead for ``.tflite`` / ``.onnx`` models, the MTCNN detector, components (which need the Face Mesh) and a minimum
face other than the export's. The log names the path taken.
"""

from __future__ import annotations

import logging

import apache_beam as beam
from apache_beam.io import fileio
from apache_beam.io.filesystems import FileSystems
from apache_beam.ml.inference.base import KeyedModelHandler, RunInference

from crfiqa_tf.image_io import is_hidden, relative_path
from crfiqa_tf_apps.beam_jobs.gallery_options import GalleryInputs, GalleryOptions, read_calibration, read_profile
from crfiqa_tf_apps.beam_jobs.gallery_steps import (
    FAILED,
    Align,
    Format,
    FormatPhotos,
    ReadAndDecode,
    inference_failures,
)
from crfiqa_tf_apps.beam_jobs.model_handler import CRFIQAModelHandler, PhotoModelHandler


def folder_paths(folder: str) -> list[str]:
    """The files of `folder` on any Beam filesystem, by the library's rule (`crfiqa_tf.image_io.folder_files`)."""
    matched = FileSystems.match([folder.rstrip("/") + "/**"])[0].metadata_list
    # a path ending in "/" is an object store's folder placeholder, not a file (tf.io.gfile does not list it either)
    files = [m.path for m in matched if not m.path.endswith("/")]
    return sorted(path for path in files if not is_hidden(relative_path(folder, path)))


class ReadGallery(beam.PTransform):
    """`GalleryInputs` → ``(path, None)`` to be read by the decoder, or ``(source id, bytes)`` from TFRecords."""

    def __init__(self, inputs: GalleryInputs):
        super().__init__()
        self.inputs = inputs

    def expand(self, pipeline):
        inputs = self.inputs
        if inputs.folders:
            paths = (
                pipeline
                | "ReadPaths" >> beam.Create(list(inputs.folders))
                | "ListFolders" >> beam.FlatMap(folder_paths)
                | "ToPath" >> beam.Map(lambda path: (path, None))
            )
        elif inputs.globs:
            paths = (
                pipeline
                | "ReadPaths" >> beam.Create(list(inputs.globs))
                | "MatchFiles" >> fileio.MatchAll()
                | "ToPath" >> beam.Map(lambda metadata: (metadata.path, None))
            )
        elif inputs.list_file:
            paths = (
                pipeline
                | "ReadPaths" >> beam.io.ReadFromText(inputs.list_file)
                | "ToPath" >> beam.Map(lambda line: (line.split(",")[0].strip(), None))
                | "DropEmpty" >> beam.Filter(lambda item: bool(item[0]) and item[0] != "path")
            )
        else:
            from crfiqa_tf.data.schema import parse_example_bytes

            return (
                pipeline
                | "ReadPaths" >> beam.io.ReadFromTFRecord(inputs.tfrecords)
                | "ParseRecords" >> beam.Map(parse_example_bytes)
            )
        return paths | "FanOut" >> beam.Reshuffle()


class ScoreGallery(beam.PTransform):
    """A pipeline's root → ``{"rows": scored faces, "failures": one row per input that was not scored}``."""

    def __init__(self, options: GalleryOptions):
        super().__init__()
        self.options = options

    def handler(self, in_graph: bool) -> KeyedModelHandler:
        options, faces = self.options, self.options.face_options
        handler_class = PhotoModelHandler if in_graph else CRFIQAModelHandler
        return KeyedModelHandler(
            handler_class(
                options.model,
                precision=faces.precision,
                threads=options.threads,
                providers=list(options.providers) if options.providers else None,
                calibration=read_calibration(faces.calibration) if faces.calibration else None,
                cache_dir=options.model_cache_dir,
                min_batch_size=options.min_batch_size,
                max_batch_size=options.max_batch_size,
                large_model=options.share_model_across_processes,
                model_copies=options.model_copies,
            )
        )

    def expand(self, pipeline):
        options, faces = self.options, self.options.face_options
        in_graph = options.in_graph_alignment()
        logging.info("faces: %s", "score_photos, inside the SavedModel" if in_graph else "LiteRT/Python aligner")
        decode = ReadAndDecode(options.max_pixels, as_photo_bytes=in_graph)
        read = pipeline | "ReadGallery" >> ReadGallery(options.inputs)
        decoded = read | "ReadAndDecode" >> beam.ParDo(decode).with_outputs(FAILED, main="ok")
        images, failures = decoded.ok, [decoded[FAILED]]
        if faces.align and not in_graph:
            rules = read_profile(faces.profile) if faces.components else None
            align = Align(options.model, faces.detector, faces.faces, rules, faces.min_face, options.model_cache_dir)
            aligned = images | "Align" >> beam.ParDo(align).with_outputs(FAILED, main="ok")
            images = aligned.ok
            failures.append(aligned[FAILED])
        inference = RunInference(self.handler(in_graph)).with_exception_handling()
        scored, dead_letters = images | "RunInference" >> inference
        failures.append(dead_letters.failed_inferences | "InferenceFailures" >> beam.FlatMap(inference_failures))
        if in_graph:
            format_photos = FormatPhotos(options.with_embeddings, faces.faces)
            formatted = scored | "Format" >> beam.ParDo(format_photos).with_outputs(FAILED, main="ok")
            rows = formatted.ok
            failures.append(formatted[FAILED])
        else:
            rows = scored | "Format" >> beam.ParDo(Format(options.with_embeddings))
        return {"rows": rows, "failures": failures | "AllFailures" >> beam.Flatten()}
