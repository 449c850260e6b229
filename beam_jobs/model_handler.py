"""A typed Beam `ModelHandler` over any exported CR-FIQA model: SavedModel (float32, or bfloat16 through oneDNN's
rewrite), ``.tflite`` (fp32 / dynamic / int8 on LiteRT with XNNPACK) or ``.onnx`` (ONNX Runtime, any installed
provider), all behind the project's `Scorer` interface. Beam's stock TensorFlow handler needs tensorflow_hub and
Keras-2 loading, and none of its handlers localises a model from a bucket, so this one does both.

``load_model`` copies the model from its path (any Beam filesystem) into the worker's local cache
(`beam_jobs.model_cache`) and opens it with `crfiqa_tf.model_io.load_scorer`. ``large_model`` and ``model_copies``
mean what they mean in Beam's own handlers (the base class implements them): one copy shared by the processes of a
machine, or exactly N copies per machine."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from crfiqa_tf import signatures as sig
from crfiqa_tf.calibration import rescore
from crfiqa_tf.image_io import resize_rgb
from crfiqa_tf.inference.base import Scorer, size_warning
from crfiqa_tf_apps.beam_jobs.model_cache import describe_model, localize, model_label

WARNING = "warning"  # per-result note beside the model outputs (an input stretched to the model's size)
ALIGNED_BYTES = 112 * 112 * 3  # one aligned face: the unit in which batch sizes are counted


def element_weight(element) -> int:
    """Batch weight of a RunInference element (keyed or not): how many aligned 112×112 faces its bytes fill, at
    least 1. Batch sizes count these, so a batch of full-size photos (before resizing) stays as small in memory as a
    batch of aligned crops: a 12-megapixel photo fills a batch on its own."""
    image = element[1] if isinstance(element, tuple) else element
    return max(1, -(-int(image.nbytes) // ALIGNED_BYTES))


class CRFIQAModelHandler(ModelHandler[np.ndarray, PredictionResult, Scorer]):
    """RunInference over uint8 RGB images of any size (each resized once to the model's input); each
    `PredictionResult` carries the raw outputs, ``quality_score`` where a calibration is known, and the model's
    label (file name, kind, content hash) as ``model_id``.

    Args:
        model_path: SavedModel folder (version or base), ``.tflite`` or ``.onnx``, on any Beam filesystem.
        precision: ``"bfloat16"`` for a SavedModel on CPUs with bfloat16 instructions.
        threads: CPU threads for LiteRT / ONNX Runtime.
        providers: ONNX Runtime execution providers (e.g. ``["CUDAExecutionProvider", "CPUExecutionProvider"]``).
        calibration: a calibration dict (crfiqa_tf.calibration); overrides the model's own.
        cache_dir: local model cache (default: the system temporary folder).
        min_batch_size, max_batch_size, large_model, model_copies: as in Beam's `ModelHandler`.
    """

    def __init__(
        self,
        model_path: str,
        *,
        precision: str = "float32",
        threads: int | None = None,
        providers: list[str] | None = None,
        calibration: dict | None = None,
        cache_dir: str | None = None,
        min_batch_size: int = 8,
        max_batch_size: int = 64,
        large_model: bool = False,
        model_copies: int | None = None,
    ):
        super().__init__(
            min_batch_size=min_batch_size,
            max_batch_size=max_batch_size,
            element_size_fn=element_weight,
            large_model=large_model,
            model_copies=model_copies,
        )
        self._model_path = model_path
        self._scorer_options = {"precision": precision, "threads": threads, "providers": providers}
        self._calibration = calibration
        self._cache_dir = cache_dir

    def load_model(self) -> Scorer:
        from crfiqa_tf.model_io import load_scorer

        local_path, info = localize(describe_model(self._model_path), self._cache_dir)
        scorer = load_scorer(local_path, **self._scorer_options)
        scorer.label = model_label(info)
        return scorer

    def run_inference(
        self, batch: Sequence[np.ndarray], model: Scorer, inference_args: dict[str, Any] | None = None
    ) -> Iterable[PredictionResult]:
        outputs = model.predict(np.stack([resize_rgb(image, model.image_size) for image in batch]))
        self._rescore(outputs, model)
        for row, image in enumerate(batch):
            values = {name: value[row] for name, value in outputs.items()}
            values[WARNING] = size_warning(image.shape, model.image_size)
            yield PredictionResult(image, values, model_id=model.label)

    def _rescore(self, outputs: dict, model: Scorer) -> None:
        """The 0–100 score from this job's calibration, else the model's own (`crfiqa_tf.calibration.rescore`)."""
        scores = rescore(outputs, self._calibration or model.calibration)
        if scores is not None:
            outputs[sig.OUTPUT_QUALITY_SCORE] = scores.astype(np.float32)

    def get_num_bytes(self, batch: Sequence[np.ndarray]) -> int:
        return sum(image.nbytes for image in batch)

    def get_metrics_namespace(self) -> str:
        return "crfiqa_RunInference"


def photo_weight(element) -> int:
    """Batch weight of an encoded photo for ``score_photos``: the aligned faces its decoded pixels would fill
    (read from the header), at least 1, so that a batch of large photos stays small in memory."""
    import io

    from PIL import Image

    data = element[1] if isinstance(element, tuple) else element
    try:
        width, height = Image.open(io.BytesIO(data)).size
    except Exception:  # noqa: BLE001 - the graph will refuse it; weigh it by its bytes
        return max(1, -(-len(data) // ALIGNED_BYTES))
    return max(1, -(-width * height * 3 // ALIGNED_BYTES))


class PhotoModelHandler(CRFIQAModelHandler):
    """RunInference over encoded photos through a SavedModel's ``score_photos``: detection, alignment and the
    network in the graph. Each `PredictionResult` holds one photo's padded outputs (``num_faces``, ``boxes``,
    ``landmarks``, ``quality``, ...), ``quality_score`` recomputed where a calibration is known."""

    def __init__(self, model_path: str, **kwargs):
        super().__init__(model_path, **kwargs)
        self._batching_kwargs["element_size_fn"] = photo_weight  # photos are weighed by their pixels

    def run_inference(self, batch: Sequence[bytes], model, inference_args: dict[str, Any] | None = None):
        outputs = model.score_photos(list(batch))
        self._rescore(outputs, model)
        for row, data in enumerate(batch):
            yield PredictionResult(data, {name: value[row] for name, value in outputs.items()}, model_id=model.label)

    def get_num_bytes(self, batch: Sequence[bytes]) -> int:
        return sum(len(data) for data in batch)
