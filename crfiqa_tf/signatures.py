"""Names of every exported model — formats, TFLite quantization modes, signatures, inputs and outputs: the one place
the exporter, the CLI, the clients, the Beam job and the scorers take them from (imports nothing)."""

EXPORT_FORMATS = ("saved_model", "tflite", "onnx")
TFLITE_MODES = ("fp32", "dynamic", "int8")  # float32; dynamic-range int8 weights; full int8 (weights and activations)

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
