"""Export (SavedModel for TF Serving, TFLite, ONNX) and the TF Serving client."""
