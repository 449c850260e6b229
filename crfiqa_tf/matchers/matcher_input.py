"""What a matcher takes: its own preprocessing, declared by the user, never assumed to be the package's.

A matcher is fed faces aligned by the package (the insightface five-point template, 112×112 RGB uint8); this declares
how such a face becomes the matcher's input tensor: its side, its value range, its channel order and layout.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from crfiqa_tf.image_io import resize_rgb

VALUE_RANGES = {"0..255": (0.0, 1.0), "0..1": (0.0, 1.0 / 255.0), "-1..1": (-1.0, 2.0 / 255.0)}
CHANNEL_ORDERS = ("RGB", "BGR")
LAYOUTS = ("NHWC", "NCHW")
TEMPLATES = ("insightface",)


@dataclass(frozen=True)
class MatcherInput:
    """The preprocessing of a matcher's input.

    Args:
        size: the input's side in pixels (aligned faces are resized to it when it is not 112).
        value_range: ``"0..255"`` (pixels as they are), ``"0..1"`` or ``"-1..1"`` (``(p/255 − 0.5)/0.5``).
        channels: ``"RGB"`` or ``"BGR"``.
        layout: ``"NHWC"`` or ``"NCHW"``.
        template: the alignment the matcher was trained with; the package aligns onto ``"insightface"`` only.

    Examples:
        >>> MatcherInput(size=112, value_range="-1..1", channels="BGR", layout="NCHW")  # an insightface ONNX model
    """

    size: int = 112
    value_range: str = "0..255"
    channels: str = "RGB"
    layout: str = "NHWC"
    template: str = "insightface"

    def __post_init__(self):
        if not isinstance(self.size, int) or isinstance(self.size, bool) or not 16 <= self.size <= 1024:
            raise ValueError(f"matcher input size must be an integer from 16 to 1024, got {self.size!r}")
        for field, value, allowed in (
            ("value range", self.value_range, tuple(VALUE_RANGES)),
            ("channel order", self.channels, CHANNEL_ORDERS),
            ("layout", self.layout, LAYOUTS),
            ("alignment template", self.template, TEMPLATES),
        ):
            if value not in allowed:
                raise ValueError(f"matcher input {field} must be one of {', '.join(allowed)}, got {value!r}")

    def tensor(self, faces) -> np.ndarray:
        """Aligned RGB uint8 faces ``[N, H, W, 3]`` → the matcher's float32 input."""
        faces = np.asarray(faces)
        if faces.ndim != 4 or faces.shape[-1] != 3 or faces.dtype != np.uint8:
            raise ValueError(f"aligned faces must be uint8 [N, H, W, 3], got {faces.dtype} {list(faces.shape)}")
        if faces.shape[1:3] != (self.size, self.size):
            faces = (
                np.stack([resize_rgb(face, self.size) for face in faces])
                if len(faces)
                else np.zeros((0, self.size, self.size, 3), np.uint8)
            )
        offset, scale = VALUE_RANGES[self.value_range]
        tensor = faces.astype(np.float32) * np.float32(scale) + np.float32(offset)
        if self.channels == "BGR":
            tensor = tensor[..., ::-1]
        if self.layout == "NCHW":
            tensor = tensor.transpose(0, 3, 1, 2)
        return np.ascontiguousarray(tensor, np.float32)
