"""Signature, input and output names of every exported model: the one place the exporter, the clients, the Beam
job and the scorers take them from (imports nothing)."""

SERVING_DEFAULT = "serving_default"  # image_bytes: [None] string, JPEG or PNG of any size
PREDICT_IMAGES = "predict_images"  # images: [None, 112, 112, 3] uint8 RGB, aligned

INPUT_IMAGE_BYTES = "image_bytes"
INPUT_IMAGES = "images"

OUTPUT_QUALITY = "quality"  # [batch] float32, raw CR-FIQA quality
OUTPUT_EMBEDDING = "embedding"  # [batch, D] float32, L2-normalised
OUTPUT_QUALITY_SCORE = "quality_score"  # [batch] float32 in 0..100, when a calibration is exported

DEFAULT_MODEL_NAME = "crfiqa"
CALIBRATION_FILE = "calibration.json"
SIDECAR_SUFFIX = ".json"
