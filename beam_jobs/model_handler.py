"""A typed Beam `ModelHandler` over the exported SavedModel (Beam's stock TensorFlow handler needs
tensorflow_hub and Keras-2 loading). The model is loaded once per worker process — or once per machine with
``share_across_processes`` — and batched by RunInference between the min and max batch sizes."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
from apache_beam.ml.inference.base import ModelHandler, PredictionResult

from crfiqa_tf.image_io import resize_rgb
from crfiqa_tf.inference.saved_model import SavedModelScorer


class CRFIQAModelHandler(ModelHandler[np.ndarray, PredictionResult, SavedModelScorer]):
    def __init__(
        self,
        model_dir: str,
        *,
        min_batch_size: int = 8,
        max_batch_size: int = 64,
        share_across_processes: bool = False,
        large_model: bool = False,
    ):
        super().__init__()
        self._model_dir = model_dir
        self._batching = {"min_batch_size": min_batch_size, "max_batch_size": max_batch_size}
        self._share = share_across_processes
        self._large = large_model

    def load_model(self) -> SavedModelScorer:
        return SavedModelScorer(self._model_dir)

    def run_inference(
        self, batch: Sequence[np.ndarray], model: SavedModelScorer, inference_args: dict[str, Any] | None = None
    ) -> Iterable[PredictionResult]:
        images = np.stack([resize_rgb(image, model.image_size) for image in batch])
        outputs = model.predict(images)
        for row, image in enumerate(batch):
            yield PredictionResult(
                image, {name: value[row] for name, value in outputs.items()}, model_id=self._model_dir
            )

    def batch_elements_kwargs(self) -> dict[str, int]:
        return self._batching

    def share_model_across_processes(self) -> bool:
        return self._share

    def model_copies(self) -> int:
        return 1

    def get_num_bytes(self, batch: Sequence[np.ndarray]) -> int:
        return sum(image.nbytes for image in batch)
