"""Names of every exported model — formats, TFLite quantization modes, signatures, inputs and outputs: the one place
the exporter, the CLI, the clients, the Beam job and the scorers take them from (imports nothing)."""

EXPORT_FORMATS = ("saved_model", "tflite", "onnx")
TFLITE_MODES = ("fp32", "dynamic", "int8")  # float32; dynamic-range int8 weights; full int8 (weights and activations)

SERVING_DEFAULT = "serving_default"  # image_bytes: [None] string, JPEG or PNG of any size
PREDICT_IMAGES = "predict_images"  # images: [None, 112, 112, 3] uint8 RGB, aligned
SCORE_PHOTOS = "score_photos"  # image_bytes: [None] string, raw photos: every face detected, aligned and scored

INPUT_IMAGE_BYTES = "image_bytes"
INPUT_IMAGES = "images"

OUTPUT_QUALITY = "quality"  # [batch] float32, raw CR-FIQA quality
OUTPUT_EMBEDDING = "embedding"  # [batch, D] float32, L2-normalised
OUTPUT_QUALITY_SCORE = "quality_score"  # [batch] float32 in 0..100, when a calibration is exported

# score_photos: every output's dimension 0 is the photo (TF Serving's batching needs it), faces padded to max_faces,
# largest first; rows past num_faces are zero. quality / quality_score [batch, K], embedding [batch, K, D].
OUTPUT_NUM_FACES = "num_faces"  # [batch] int32, faces returned
OUTPUT_FACES_FOUND = "faces_found"  # [batch] int32, faces detected (may exceed max_faces)
OUTPUT_BOXES = "boxes"  # [batch, K, 4] float32: x0, y0, x1, y1 in source pixels
OUTPUT_LANDMARKS = "landmarks"  # [batch, K, 5, 2] float32: the template's five points in source pixels
OUTPUT_DETECTION_SCORE = "detection_score"  # [batch, K] float32
DEFAULT_MAX_FACES = 16
SCORE_PHOTOS_FILE = "score_photos.json"  # assets.extra: max_faces, image_size, detector of the signature

DEFAULT_MODEL_NAME = "crfiqa"
CALIBRATION_FILE = "calibration.json"
SIDECAR_SUFFIX = ".json"
